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

/// The header of every population table.
pub const HEADER: [&str; 6] = ["county", "fips", "year", "age_group", "group", "population"];

/// A whole number of at most 15 digits, no sign (`field` names it in the message).
fn whole_number(value: &str, field: &str, line: u64) -> Result<Option<i64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 15 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "line {line}: {field} '{value}' is not a whole number of at most 15 digits (no sign)"
        ));
    }
    Ok(value.parse().ok())
}

/// A population table in the bundled layout (`county,fips,year,age_group,group,population`),
/// read with the `csv` crate into typed columns, with a `vintage` column; the message says
/// which line is wrong and why. Empty cells are nulls (the caller decides whether to refuse
/// them).
pub fn read_table(text: &[u8], vintage: &str) -> Result<polars::prelude::DataFrame, String> {
    use polars::prelude::*;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    let header = reader.headers().map_err(|e| e.to_string())?;
    if header.iter().ne(HEADER) {
        return Err("the first line is not the header".into());
    }
    // county, fips (digits, leading zeros kept), age_group, group; then year, population.
    let mut texts: [Vec<Option<String>>; 4] = Default::default();
    let mut numbers: [Vec<Option<i64>>; 2] = Default::default();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(at) => format!("line {}: {}", at.line(), csv_problem(&e)),
            None => csv_problem(&e),
        })?;
        let line = record.position().map_or(0, |at| at.line());
        if record.len() != HEADER.len() {
            return Err(format!(
                "line {line}: {} fields, expected {}",
                record.len(),
                HEADER.len()
            ));
        }
        whole_number(&record[1], HEADER[1], line)?;
        for (slot, i) in texts.iter_mut().zip([0, 1, 3, 4]) {
            slot.push(Some(record[i].to_string()).filter(|t| !t.is_empty()));
        }
        for (slot, i) in numbers.iter_mut().zip([2, 5]) {
            slot.push(whole_number(&record[i], HEADER[i], line)?);
        }
    }
    let [county, fips, age_group, group] = texts;
    let [year, population] = numbers;
    let year: Vec<Option<i32>> = year
        .into_iter()
        .map(|y| y.and_then(|y| i32::try_from(y).ok()))
        .collect();
    let rows = county.len();
    DataFrame::new(
        rows,
        vec![
            Column::new(columns::COUNTY.into(), county),
            Column::new(columns::FIPS.into(), fips),
            Column::new(columns::YEAR.into(), year),
            Column::new(columns::AGE_GROUP.into(), age_group),
            Column::new(columns::GROUP.into(), group),
            Column::new(columns::POPULATION.into(), population),
            Column::new(columns::VINTAGE.into(), vec![vintage.to_string(); rows]),
        ],
    )
    .map_err(|e| e.to_string())
}

/// What the `csv` crate found wrong, without its position (given separately).
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// All bundled tables in one frame, with a `vintage` column.
pub fn bundled() -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let frames = VINTAGES
        .iter()
        .map(|(vintage, text)| {
            read_table(text.as_bytes(), vintage)
                .map(DataFrame::lazy)
                .map_err(|message| polars_err!(ComputeError: "bundled table {vintage}: {message}"))
        })
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

    /// Typed rows through the `csv` crate: quoting, CRLF and leading zeros as written;
    /// each problem named with its line.
    #[test]
    fn tables_read_with_line_numbers_in_errors() {
        let text = "county,fips,year,age_group,group,population\r\n\"ALAMEDA, CA\",06001,2020,ALL,WHITE,12\r\n";
        let table = read_table(text.as_bytes(), "t").unwrap();
        assert_eq!(table.height(), 1);
        let fips = table.column(columns::FIPS).unwrap().str().unwrap().get(0);
        assert_eq!(fips, Some("06001"));
        let county = table.column(columns::COUNTY).unwrap().str().unwrap().get(0);
        assert_eq!(county, Some("ALAMEDA, CA"));
        let header = "county,fips,year,age_group,group,population\n";
        for (rows, message) in [
            (
                "X,1,2020,ALL,WHITE,5\nX,1,2020,ALL,WHITE\n",
                "line 3: 5 fields, expected 6",
            ),
            (
                "X,1,20x0,ALL,WHITE,5\n",
                "line 2: year '20x0' is not a whole number",
            ),
            ("X,1,2020,ALL,WHITE,\"5\n", "line 2"),
        ] {
            let error = read_table(format!("{header}{rows}").as_bytes(), "t").unwrap_err();
            assert!(error.contains(message), "{error}");
        }
        assert!(read_table(b"county,fips\n", "t").is_err());
    }

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
