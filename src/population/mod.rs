//! Population baselines: U.S. Census Bureau counts by race/ethnicity for the 58 California
//! counties, bundled from the tidy tables described in `SOURCES.md` beside this file (2010 and
//! 2020 censuses, table P2; Population Estimates Program vintage 2019).
//!
//! Columns of every table: `county, fips, year, age_group, group, population`.

pub mod baseline;

pub use baseline::{Baseline, Denominators, PopulationError};

/// 2020 Census, P.L. 94-171 table P2 (all ages).
pub const CENSUS_2020: &str = include_str!("ca_county_race_census2020.csv");
/// 2010 Census, P.L. 94-171 table P2 (all ages).
pub const CENSUS_2010: &str = include_str!("ca_county_race_census2010.csv");
/// Population Estimates Program, vintage 2019: July 1 of 2010–2019, all ages and 18+.
pub const ESTIMATES_V2019: &str = include_str!("ca_county_race_v2019.csv");

/// The bundled tables with their vintage names: `census2010`, `v2019` (yearly estimates
/// 2010–2019, also adults 18+), `census2020`.
pub const VINTAGES: [(&str, &str); 3] = [
    ("census2010", CENSUS_2010),
    ("v2019", ESTIMATES_V2019),
    ("census2020", CENSUS_2020),
];

/// Column names of the population table.
pub mod columns {
    pub const COUNTY: &str = "county";
    pub const FIPS: &str = "fips";
    pub const YEAR: &str = "year";
    pub const AGE_GROUP: &str = "age_group";
    pub const GROUP: &str = "group";
    pub const POPULATION: &str = "population";
    pub const VINTAGE: &str = "vintage";
}

fn schema() -> polars::prelude::Schema {
    use columns::*;
    use polars::prelude::DataType;
    [
        (COUNTY, DataType::String),
        (FIPS, DataType::String),
        (YEAR, DataType::Int32),
        (AGE_GROUP, DataType::String),
        (GROUP, DataType::String),
        (POPULATION, DataType::Int64),
    ]
    .into_iter()
    .map(|(name, dtype)| (name.into(), dtype))
    .collect()
}

/// Reads one table in the tidy layout (`county,fips,year,age_group,group,population`) and
/// names its vintage.
pub fn read_table(
    text: &[u8],
    vintage: &str,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(std::sync::Arc::new(schema())))
        .into_reader_with_file_handle(std::io::Cursor::new(text.to_vec()))
        .finish()?;
    frame
        .lazy()
        .with_column(lit(vintage.to_string()).alias(columns::VINTAGE))
        .collect()
}

/// All bundled tables in one frame, with a `vintage` column.
pub fn bundled() -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let frames = VINTAGES
        .iter()
        .map(|(vintage, text)| read_table(text.as_bytes(), vintage).map(DataFrame::lazy))
        .collect::<PolarsResult<Vec<_>>>()?;
    concat(frames, UnionArgs::default())?.collect()
}

/// The seven mutually exclusive census groups, in the tables' order.
pub const GROUPS: [&str; 7] = [
    "HISPANIC",
    "WHITE",
    "BLACK",
    "AMERICAN_INDIAN",
    "ASIAN",
    "PACIFIC_ISLANDER",
    "OTHER_OR_MULTI",
];

/// Population of one county by group.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyPopulation {
    /// Upper case, without "County" (`SAN FRANCISCO`).
    pub county: &'static str,
    /// Persons per group, in [`GROUPS`] order.
    pub by_group: [u64; 7],
}

impl CountyPopulation {
    /// All persons.
    pub fn total(&self) -> u64 {
        self.by_group.iter().sum()
    }
}

/// The 58 counties with their 2020 census population by group, in table order (alphabetical).
pub fn counties_2020() -> Vec<CountyPopulation> {
    let mut counties: Vec<CountyPopulation> = Vec::with_capacity(58);
    for line in CENSUS_2020.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [county, _fips, _year, age_group, group, population] = fields[..] else {
            continue;
        };
        if county == "CALIFORNIA" || age_group != "ALL" {
            continue;
        }
        let (Some(g), Ok(n)) = (GROUPS.iter().position(|&x| x == group), population.parse()) else {
            continue;
        };
        match counties.last_mut() {
            Some(last) if last.county == county => last.by_group[g] = n,
            _ => {
                let mut by_group = [0; 7];
                by_group[g] = n;
                counties.push(CountyPopulation { county, by_group });
            }
        }
    }
    counties
}

/// The names of the 58 counties.
pub fn county_names() -> Vec<&'static str> {
    counties_2020().into_iter().map(|c| c.county).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_read_into_one_frame() {
        let frame = bundled().unwrap();
        // 3 files: 413 + 8,260 + 413 data rows.
        assert_eq!(frame.height(), 413 + 8260 + 413);
        let fips = frame.column(columns::FIPS).unwrap().str().unwrap().get(0);
        assert_eq!(fips, Some("06001"), "FIPS codes keep their leading zero");
    }

    #[test]
    fn bundled_2020_census_has_58_counties_and_the_published_totals() {
        let counties = counties_2020();
        assert_eq!(counties.len(), 58);
        let total: u64 = counties.iter().map(CountyPopulation::total).sum();
        assert_eq!(total, 39_538_223);
        let sf = counties
            .iter()
            .find(|c| c.county == "SAN FRANCISCO")
            .unwrap();
        assert_eq!((sf.total(), sf.by_group[2]), (873_965, 45_071));
    }
}
