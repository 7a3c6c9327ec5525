//! The published tables: every bundled query run over a finished run, small cells withheld,
//! written to `tables/NAME.parquet` and `tables/NAME.csv`.
//!
//! Each query's header says which columns are counts of people or convictions (`-- counts:`)
//! and which columns are computed from them (`-- derived: share <- people`): a derived cell is
//! withheld with the count it comes from, so it cannot give the count away.

use std::path::Path;

use polars::prelude::*;

use polars::sql::SQLContext;

use super::suppress::suppress;
use super::{AnalyticsError, QueryError, RunTables};
use crate::outputs;
use crate::population::Baseline;

/// The views in `queries/views/`, registered (in this order) before any query runs.
pub const VIEWS: [(&str, &str); 1] =
    [("reviewed", include_str!("../../queries/views/reviewed.sql"))];

/// The queries in `queries/`, bundled so that an installed binary has them.
pub const BUNDLED: [(&str, &str); 14] = [
    ("headline", include_str!("../../queries/headline.sql")),
    (
        "convictions_by_race",
        include_str!("../../queries/convictions_by_race.sql"),
    ),
    (
        "convictions_by_gender",
        include_str!("../../queries/convictions_by_gender.sql"),
    ),
    (
        "convictions_by_age_band",
        include_str!("../../queries/convictions_by_age_band.sql"),
    ),
    (
        "convictions_by_conviction_year",
        include_str!("../../queries/convictions_by_conviction_year.sql"),
    ),
    (
        "convictions_by_code_section",
        include_str!("../../queries/convictions_by_code_section.sql"),
    ),
    (
        "convictions_by_level",
        include_str!("../../queries/convictions_by_level.sql"),
    ),
    (
        "convictions_by_prop64_timing",
        include_str!("../../queries/convictions_by_prop64_timing.sql"),
    ),
    (
        "convictions_by_period_and_race",
        include_str!("../../queries/convictions_by_period_and_race.sql"),
    ),
    (
        "reasons_by_race",
        include_str!("../../queries/reasons_by_race.sql"),
    ),
    (
        "relief_by_race_and_scenario",
        include_str!("../../queries/relief_by_race_and_scenario.sql"),
    ),
    (
        "disparity_vs_population",
        include_str!("../../queries/disparity_vs_population.sql"),
    ),
    (
        "rate_ratios_vs_white",
        include_str!("../../queries/rate_ratios_vs_white.sql"),
    ),
    (
        "statewide_by_county",
        include_str!("../../queries/statewide_by_county.sql"),
    ),
];

/// The `-- key: value` lines at the top of a query file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Header {
    pub question: String,
    pub counts: Vec<String>,
    /// (derived column, the count it comes from).
    pub derived: Vec<(String, String)>,
    /// Sets of count columns that add up within a row (`-- adds up: total = a + b + c`).
    pub row_sums: Vec<Vec<String>>,
}

impl Header {
    /// Reads the leading comment block of `sql`.
    pub fn parse(sql: &str) -> Header {
        let mut header = Header::default();
        for line in sql.lines().take_while(|l| l.trim_start().starts_with("--")) {
            let Some((key, value)) = line.trim_start_matches('-').split_once(':') else {
                continue;
            };
            let list = || {
                value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            match key.trim() {
                "question" => header.question = value.trim().to_string(),
                "counts" => header.counts = list().collect(),
                "adds up" => header.row_sums.push(
                    value
                        .split(['=', '+'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ),
                "derived" => {
                    header.derived = value
                        .split(';')
                        .filter_map(|pair| pair.split_once("<-"))
                        .map(|(d, s)| (d.trim().to_string(), s.trim().to_string()))
                        .collect()
                }
                _ => {}
            }
        }
        header
    }
}

/// Runs one query in `ctx` and withholds its small cells (`min_cell` 0: none).
pub fn table(ctx: &mut SQLContext, sql: &str, min_cell: u64) -> Result<DataFrame, QueryError> {
    let header = Header::parse(sql);
    let answer = super::run_query(ctx, sql)?;
    let counts: Vec<&str> = header.counts.iter().map(String::as_str).collect();
    let failed = |e: PolarsError| QueryError::Sql {
        message: crate::redact::polars_message(&e),
    };
    let mut table = suppress(&answer, &counts, min_cell, &header.row_sums).map_err(failed)?;
    for (derived, source) in &header.derived {
        let flag = format!("{source}_suppressed");
        table = table
            .lazy()
            .with_columns([
                when(col(flag.as_str()))
                    .then(lit(NULL).cast(DataType::Float64))
                    .otherwise(col(derived.as_str()))
                    .alias(derived.as_str()),
                col(flag.as_str()).alias(format!("{derived}_suppressed")),
            ])
            .collect()
            .map_err(failed)?;
    }
    Ok(table)
}

/// Writes every bundled table over the run in `run` into `folder`, each with the population
/// vintage it used.
pub fn write_all(
    run: &Path,
    tables: RunTables,
    folder: &Path,
    min_cell: u64,
    baseline: &Baseline,
) -> Result<(), AnalyticsError> {
    outputs::create_folder(folder)?;
    // Every table reads the views and `subjects`: collected once, not once per query.
    let mut ctx = super::context(run, tables)?;
    let shared = VIEWS.iter().map(|(name, _)| *name).chain(["subjects"]);
    for name in shared {
        let frame = super::run_query(&mut ctx, &format!("select * from {name}"))?;
        ctx.register(name, frame.lazy());
    }
    for (name, sql) in BUNDLED {
        let mut frame = table(&mut ctx, sql, min_cell)?
            .lazy()
            .with_column(lit(baseline.label()).alias("population_vintage"))
            .collect()
            .map_err(super::sql_error)?;
        outputs::write_parquet(&mut frame, &folder.join(format!("{name}.parquet")))?;
        outputs::write_csv(&mut frame, &folder.join(format!("{name}.csv")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_query_declares_its_counts() {
        for (name, sql) in BUNDLED {
            let header = Header::parse(sql);
            assert!(!header.question.is_empty(), "{name}: question");
            assert!(!header.counts.is_empty(), "{name}: counts");
            for (_, source) in &header.derived {
                assert!(
                    header.counts.contains(source),
                    "{name}: derived from a count"
                );
            }
        }
        let (_, sql) = BUNDLED
            .iter()
            .find(|(name, _)| *name == "disparity_vs_population")
            .unwrap();
        let header = Header::parse(sql);
        assert_eq!(
            header.derived,
            [
                ("share_of_people".into(), "people".into()),
                ("share_low".into(), "people".into()),
                ("share_high".into(), "people".into()),
                ("share_ratio".into(), "people".into()),
                ("share_of_relieved".into(), "relieved".into()),
                ("relieved_share_ratio".into(), "relieved".into())
            ]
        );
    }
}
