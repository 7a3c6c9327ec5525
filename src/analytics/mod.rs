//! Analytics: the published breakdowns, as SQL files in `queries/` run through the Polars SQL
//! context over a finished run's tables (`convictions`, `subjects`) and the census baselines
//! (`population`).
//!
//! The tables registered for every query:
//! - `convictions`, `subjects`: the run's Parquet files, with a `race_group` column from the
//!   race mapping ([`race`]);
//! - `baseline`: the population figures the run compares with (one vintage and year, chosen
//!   by [`settle_baseline`]): `county, race_group, population, adult_population, vintage, year`;
//! - `population`: every population table the run could compare with (the bundled census
//!   tables, or `--population`'s), all years: `county, fips, year, age_group, group,
//!   population, vintage`.

pub mod exact;
pub mod guard;
mod modular;
pub mod publication;
pub mod published;
pub mod race;
pub mod sets;
pub mod suppress;
pub mod tables;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::outputs::{self, OutputError, files};
use crate::population::{self, Baseline, Denominators, PopulationError};

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
    #[error(
        "the query reads {what}: refused. clearstat query reads only the run's tables ({}) and \
         the query's own WITH tables; it opens no file and no URL",
        guard::tables().join(", ")
    )]
    Refused { what: String },
}

/// A run's two row-level tables, as the queries read them: the Parquet files of a finished
/// run, or the frames a run has just written to them.
#[derive(Clone)]
pub struct RunTables {
    pub convictions: LazyFrame,
    pub subjects: LazyFrame,
}

impl RunTables {
    /// The Parquet files of the finished run in `run`.
    pub fn scan(run: &Path) -> Result<RunTables, QueryError> {
        Ok(RunTables {
            convictions: scan(run, files::CONVICTIONS)?,
            subjects: scan(run, files::SUBJECTS)?,
        })
    }
}

fn scan(run: &Path, file: &'static str) -> Result<LazyFrame, QueryError> {
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
}

/// A SQL context with `convictions`, `subjects` (both with a `race_group` column from the race
/// mapping of the run in `run`), `baseline` (the run's) and `population` (the bundled census
/// tables, all vintages) registered, and the views of `queries/views/`.
pub fn context(run: &Path, tables: RunTables) -> Result<SQLContext, QueryError> {
    let mapping = race_map(run)?;
    let mut ctx = SQLContext::new();
    ctx.register(
        "convictions",
        tables
            .convictions
            .with_column(mapping.group_of("race_code")),
    );
    ctx.register(
        "subjects",
        tables.subjects.with_column(mapping.group_of("race_code")),
    );
    ctx.register("baseline", scan(run, files::BASELINE)?);
    // The run's own population tables (bundled, or --population's), or the bundled ones for
    // a run made before they were kept.
    let population = match run.join(files::POPULATION).is_file() {
        true => scan(run, files::POPULATION)?,
        false => population::bundled().map_err(sql_error)?.lazy(),
    };
    ctx.register("population", population);
    for (name, sql) in tables::VIEWS {
        // Polars keeps a query's table aliases in the context: a view's aliases would shadow
        // those of later queries, so views use names no query does (`queries/views/`).
        let view = ctx.execute(sql).map_err(sql_error)?;
        ctx.register(name, view);
    }
    Ok(ctx)
}

/// The race mapping the run used (`race_map.csv` in its folder), or the bundled one.
pub fn race_map(run: &Path) -> Result<race::RaceMap, QueryError> {
    let path = run.join(files::RACE_MAP);
    if !path.is_file() {
        return Ok(race::RaceMap::bundled());
    }
    let text = std::fs::read_to_string(&path).map_err(|source| QueryError::Read {
        path: path.clone(),
        source,
    })?;
    race::RaceMap::from_csv(&path.display().to_string(), &text).map_err(|e| QueryError::Sql {
        message: e.to_string(),
    })
}

/// Chooses the population baseline of the run in `run` (from the years of the Prop 64
/// convictions under review in its `convictions`, unless a year is forced) and writes it
/// beside the run's tables.
pub fn settle_baseline(
    run: &Path,
    convictions: LazyFrame,
    denominators: &Denominators,
) -> Result<Baseline, AnalyticsError> {
    let median = median_conviction_year(convictions)
        .collect()
        .map_err(sql_error)?;
    let year = median
        .column("year")
        .ok()
        .and_then(|c| c.f64().ok()?.get(0))
        .map(|y| y.round() as i32);
    let baseline = denominators.choose(year)?;
    let frame = population::baseline::frame(&denominators.table, &baseline).map_err(sql_error)?;
    outputs::write_parquet(&frame, &run.join(files::BASELINE))?;
    outputs::write_parquet(&denominators.table, &run.join(files::POPULATION))?;
    Ok(baseline)
}

/// The median year of the Prop 64 convictions under review (`year`, one row).
fn median_conviction_year(convictions: LazyFrame) -> LazyFrame {
    use crate::normalize::columns as c;
    convictions
        .filter(col(c::IS_PROP64).and(col(crate::eligibility::facts::IN_COUNTY)))
        .select([col(c::CONVICTION_DATE)
            .dt()
            .year()
            .cast(DataType::Float64)
            .median()
            .alias("year")])
}

/// Errors of the analytics stage as a whole.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Population(#[from] PopulationError),
    #[error(transparent)]
    Output(#[from] OutputError),
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
    guard::only_run_tables(sql)?;
    run_query(&mut context(run, RunTables::scan(run)?)?, sql)
}

/// Runs `sql` in `ctx` and collects the answer.
pub fn run_query(ctx: &mut SQLContext, sql: &str) -> Result<DataFrame, QueryError> {
    ctx.execute(sql)
        .and_then(LazyFrame::collect)
        .map_err(query_error)
}

/// Runs every query in `queries` in `ctx` at once: side by side on Polars' threads, what
/// they share computed once. The answers in the order of the queries.
pub fn run_queries(ctx: &mut SQLContext, queries: &[&str]) -> Result<Vec<DataFrame>, QueryError> {
    let frames = queries
        .iter()
        .map(|sql| ctx.execute(sql))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(query_error)?;
    // Optimized as `collect` would each of them.
    let optimizations = frames
        .first()
        .map_or_else(Default::default, LazyFrame::get_current_optimizations);
    let plans = frames.into_iter().map(|frame| frame.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::InMemory, optimizations).map_err(query_error)
}

fn query_error(e: PolarsError) -> QueryError {
    match e {
        // SQL mistakes (unknown column, syntax) are the user's to fix: show them.
        PolarsError::SQLSyntax(m)
        | PolarsError::SQLInterface(m)
        | PolarsError::ColumnNotFound(m) => QueryError::Sql {
            message: m.to_string(),
        },
        other => sql_error(other),
    }
}

/// Reads a query file.
pub fn read_query(path: &Path) -> Result<String, QueryError> {
    std::fs::read_to_string(path).map_err(|source| QueryError::Read {
        path: path.to_path_buf(),
        source,
    })
}
