//! Analytics: the published breakdowns, as SQL files in `queries/` run through the Polars SQL
//! context over a finished run's tables (`convictions`, `subjects`) and the census baselines
//! (`population`).
//!
//! Work in progress for the disparity-analytics issue: registration, the race mapping, the
//! first queries and small-cell suppression ([`suppress`]) exist; writing suppressed tables,
//! confidence intervals, charts and the report do not yet.

pub mod race;
pub mod suppress;
pub mod tables;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::outputs::files;
use crate::population;

/// Errors of the analytics stage.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{path}: not a finished clearstat run (missing {file}); run `clearstat run` first")]
    NotARun { path: PathBuf, file: &'static str },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the query failed: {message}")]
    Sql { message: String },
}

/// A SQL context with `convictions`, `subjects` (both with a `race_group` column from the race
/// mapping) and `population` (the bundled census tables, all vintages) registered.
pub fn context(run: &Path) -> Result<SQLContext, QueryError> {
    let scan = |file: &'static str| -> Result<LazyFrame, QueryError> {
        let path = run.join(file);
        if !path.is_file() {
            return Err(QueryError::NotARun {
                path: run.to_path_buf(),
                file,
            });
        }
        LazyFrame::scan_parquet(
            PlRefPath::from(path.to_string_lossy().as_ref()),
            Default::default(),
        )
        .map_err(sql_error)
    };
    let mapping = race::RaceMap::bundled();
    let ctx = SQLContext::new();
    ctx.register(
        "convictions",
        scan(files::CONVICTIONS)?.with_column(mapping.group_of("race_code")),
    );
    ctx.register(
        "subjects",
        scan(files::SUBJECTS)?.with_column(mapping.group_of("race_code")),
    );
    ctx.register(
        "population",
        population::bundled().map_err(sql_error)?.lazy(),
    );
    Ok(ctx)
}

fn sql_error(e: PolarsError) -> QueryError {
    // Aggregate queries over the run's tables; the message may name columns, never values
    // of a record, but stay on the safe side for errors that quote data.
    QueryError::Sql {
        message: crate::redact::polars_message(&e),
    }
}

/// Runs `sql` against the run in `run` and collects the answer.
pub fn query(run: &Path, sql: &str) -> Result<DataFrame, QueryError> {
    let mut ctx = context(run)?;
    ctx.execute(sql)
        .and_then(LazyFrame::collect)
        .map_err(|e| match e {
            // SQL mistakes (unknown column, syntax) are the user's to fix: show them.
            PolarsError::SQLSyntax(m)
            | PolarsError::SQLInterface(m)
            | PolarsError::ColumnNotFound(m) => QueryError::Sql {
                message: m.to_string(),
            },
            other => sql_error(other),
        })
}

/// Reads a query file.
pub fn read_query(path: &Path) -> Result<String, QueryError> {
    std::fs::read_to_string(path).map_err(|source| QueryError::Read {
        path: path.to_path_buf(),
        source,
    })
}
