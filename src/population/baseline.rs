//! The denominators of a run: one vintage and one year of a population table, chosen to match
//! the years of the convictions or forced by the user.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns as p;

/// Which population figures a run compares with, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `bundled` (the census tables shipped with clearstat) or the path given with
    /// `--population`.
    pub source: String,
    /// `census2010`, `v2019` (yearly estimates), `census2020`, or a user table's file name.
    pub vintage: String,
    pub year: i32,
    /// True when the table has adults (18+) for this vintage and year: rates then use them.
    pub has_adults: bool,
    /// In words, for the report.
    pub chosen_because: String,
}

impl Baseline {
    /// `census2020`, or `v2019 (2015)` for one year of a series of estimates.
    pub fn label(&self) -> String {
        if self.vintage.starts_with("census") {
            self.vintage.clone()
        } else {
            format!("{} ({})", self.vintage, self.year)
        }
    }
}

/// Errors in choosing or reading the population table.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    #[error(
        "--population-year {year}: the population table has no figures for that year; it has {available}"
    )]
    NoSuchYear { year: i32, available: String },
    #[error(
        "{path}: not a population table in clearstat's layout \
         (county,fips,year,age_group,group,population with integer counts): {message}"
    )]
    BadTable { path: String, message: String },
    #[error("cannot read the population table {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// The population table a run draws its baseline from, and a year the user forced.
#[derive(Debug, Clone)]
pub struct Denominators {
    /// All vintages, with a `vintage` column.
    pub table: DataFrame,
    /// `bundled` or the user's file.
    pub source: String,
    /// `--population-year`.
    pub year: Option<i32>,
}

impl Denominators {
    /// The bundled census tables (`file` None) or the user's, checked with the forced year
    /// before anything else is read.
    pub fn new(file: Option<&Path>, year: Option<i32>) -> Result<Self, PopulationError> {
        let (table, source) = match file {
            Some(path) => (read_user_table(path)?, path.display().to_string()),
            None => (
                super::bundled().map_err(|e| PopulationError::BadTable {
                    path: "bundled tables".into(),
                    message: short(&e),
                })?,
                "bundled".to_string(),
            ),
        };
        let denominators = Denominators {
            table,
            source,
            year,
        };
        if year.is_some() {
            denominators.choose(None)?;
        }
        Ok(denominators)
    }

    /// The baseline for convictions whose median year is `median_conviction_year`.
    pub fn choose(&self, median_conviction_year: Option<i32>) -> Result<Baseline, PopulationError> {
        choose(&self.table, &self.source, median_conviction_year, self.year)
    }
}

/// Reads a user's population table (`--population FILE`): the same layout as the bundled
/// ones, its vintage named after the file.
pub fn read_user_table(path: &Path) -> Result<DataFrame, PopulationError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PopulationError::Read {
        path: shown.clone(),
        source,
    })?;
    let vintage = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "user".into());
    parse_user_table(&bytes, &shown, &vintage)
}

/// A user's population table from its bytes (`shown` names it in errors).
pub fn parse_user_table(
    bytes: &[u8],
    shown: &str,
    vintage: &str,
) -> Result<DataFrame, PopulationError> {
    let bad = |message: String| PopulationError::BadTable {
        path: shown.to_string(),
        message,
    };
    let table = super::read_table(bytes, vintage).map_err(bad)?;
    let unknown_group = table
        .column(p::GROUP)
        .and_then(|c| c.str().cloned())
        .map_err(|e| bad(short(&e)))?
        .iter()
        .flatten()
        .find(|g| !super::GROUPS.contains(g))
        .map(str::to_string);
    if let Some(group) = unknown_group {
        return Err(bad(format!(
            "unknown group '{group}'; groups are {}",
            super::GROUPS.join(", ")
        )));
    }
    let nulls: usize = table.columns().iter().map(|c| c.null_count()).sum();
    if nulls > 0 {
        return Err(bad(format!("{nulls} empty cells")));
    }
    Ok(table)
}

fn short(e: &PolarsError) -> String {
    // Population tables are public aggregates: Polars' message may be shown as it is.
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Chooses the vintage and year: `forced` when given, otherwise the one closest to
/// `median_conviction_year` (a census before an estimate of the same year).
pub fn choose(
    table: &DataFrame,
    source: &str,
    median_conviction_year: Option<i32>,
    forced: Option<i32>,
) -> Result<Baseline, PopulationError> {
    let available = vintage_years(table);
    let (target, because) = match (forced, median_conviction_year) {
        (Some(year), _) => (year, format!("forced with --population-year {year}")),
        (None, Some(year)) => (
            year,
            format!("closest to {year}, the median year of the Prop 64 convictions reviewed"),
        ),
        (None, None) => (
            2020,
            "no dated Prop 64 conviction: the most recent census".to_string(),
        ),
    };
    let best = available
        .iter()
        .filter(|(_, year, _)| forced.is_none_or(|f| f == *year))
        .min_by_key(|(vintage, year, _)| ((year - target).abs(), !vintage.starts_with("census")));
    let Some((vintage, year, has_adults)) = best.cloned() else {
        let mut years: Vec<i32> = available.iter().map(|(_, y, _)| *y).collect();
        years.dedup();
        return Err(PopulationError::NoSuchYear {
            year: target,
            available: years
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    Ok(Baseline {
        source: source.to_string(),
        vintage,
        year,
        has_adults,
        chosen_because: because,
    })
}

/// (vintage, year, has adults) for every vintage and year in `table`, sorted by year.
fn vintage_years(table: &DataFrame) -> Vec<(String, i32, bool)> {
    let pairs = table
        .clone()
        .lazy()
        .group_by([col(p::VINTAGE), col(p::YEAR)])
        .agg([col(p::AGE_GROUP)
            .eq(lit("18+"))
            .any(true)
            .alias("has_adults")])
        .sort([p::YEAR, p::VINTAGE], Default::default())
        .collect();
    let Ok(pairs) = pairs else {
        return Vec::new();
    };
    let (Ok(vintages), Ok(years), Ok(adults)) = (
        pairs.column(p::VINTAGE).and_then(|c| c.str().cloned()),
        pairs.column(p::YEAR).and_then(|c| c.i32().cloned()),
        pairs.column("has_adults").and_then(|c| c.bool().cloned()),
    ) else {
        return Vec::new();
    };
    vintages
        .iter()
        .zip(years.iter())
        .zip(adults.iter())
        .filter_map(|((v, y), a)| Some((v?.to_string(), y?, a.unwrap_or(false))))
        .collect()
}

/// The chosen figures as the `baseline` table of the analytics queries: `county, race_group,
/// population` (all ages), `adult_population` (18+, null when the table has none),
/// `vintage, year`.
pub fn frame(table: &DataFrame, baseline: &Baseline) -> PolarsResult<DataFrame> {
    let chosen = table.clone().lazy().filter(
        col(p::VINTAGE)
            .eq(lit(baseline.vintage.clone()))
            .and(col(p::YEAR).eq(lit(baseline.year))),
    );
    let ages = |age: &str, name: &str| {
        chosen
            .clone()
            .filter(col(p::AGE_GROUP).eq(lit(age.to_string())))
            .select([
                col(p::COUNTY),
                col(p::GROUP).alias("race_group"),
                col(p::POPULATION).alias(name),
            ])
    };
    ages("ALL", "population")
        .join(
            ages("18+", "adult_population"),
            [col(p::COUNTY), col("race_group")],
            [col(p::COUNTY), col("race_group")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            lit(baseline.vintage.clone()).alias(p::VINTAGE),
            lit(baseline.year).alias(p::YEAR),
        ])
        .sort([p::COUNTY, "race_group"], Default::default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> DataFrame {
        super::super::bundled().unwrap()
    }

    #[test]
    fn the_vintage_follows_the_conviction_years() {
        let table = bundled();
        let pick = |median| choose(&table, "bundled", median, None).unwrap();
        assert_eq!(pick(Some(2004)).vintage, "census2010");
        assert_eq!(pick(Some(2010)).vintage, "census2010");
        let mid = pick(Some(2015));
        assert_eq!(
            (mid.vintage.as_str(), mid.year, mid.has_adults),
            ("v2019", 2015, true)
        );
        assert_eq!(pick(Some(2019)).label(), "v2019 (2019)");
        assert_eq!(pick(Some(2023)).vintage, "census2020");
        assert_eq!(pick(None).vintage, "census2020");
    }

    #[test]
    fn a_forced_year_must_exist() {
        let table = bundled();
        let forced = choose(&table, "bundled", Some(2015), Some(2020)).unwrap();
        assert_eq!(forced.vintage, "census2020");
        assert!(forced.chosen_because.contains("--population-year 2020"));
        let err = choose(&table, "bundled", None, Some(1999)).unwrap_err();
        assert!(err.to_string().contains("2010, 2011"), "{err}");
    }

    #[test]
    fn the_baseline_frame_has_adults_only_where_the_table_does() {
        let table = bundled();
        let estimate = choose(&table, "bundled", Some(2014), None).unwrap();
        let frame = frame(&table, &estimate).unwrap();
        assert_eq!(frame.height(), 59 * 7);
        assert_eq!(frame.column("adult_population").unwrap().null_count(), 0);
        let census = choose(&table, "bundled", Some(2020), None).unwrap();
        let frame = super::frame(&table, &census).unwrap();
        assert_eq!(
            frame.column("adult_population").unwrap().null_count(),
            59 * 7
        );
    }
}
