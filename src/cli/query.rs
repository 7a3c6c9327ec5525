use std::io::Write;
use std::path::PathBuf;

use super::UsageError;
use crate::analytics;
use crate::outputs;

/// Run SQL against a finished run's tables and print the answer.
///
/// Tables: `convictions` and `subjects` (the run's Parquet files, each with a `race_group`
/// column from the race mapping); `reviewed` (one row per Prop 64 conviction under review,
/// queries/views/reviewed.sql); `period_residents` (the residents each five-year period's
/// rates compare with, queries/views/period_residents.sql); `period_rates` (the rates and
/// rate ratios per period, queries/views/period_rates.sql); `baseline` (the residents the run compares with: county,
/// race_group, population, adult_population, vintage, year); `population` (every population
/// table the run could compare with, all years). Only these tables and the query's own WITH
/// tables can be read: a table function, a file or a URL is refused (exit code 2). The
/// queries clearstat publishes are in `queries/`; each starts with a comment saying what it
/// answers. Answers are printed as they are: small cells are withheld only in the run's
/// tables/.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat query out/sample --file queries/convictions_by_race.sql
  clearstat query out/sample --sql 'select county, count(*) as n from convictions group by county'
  clearstat query out/sample --file queries/relief_by_race_and_scenario.sql --out relief.csv")]
pub struct Args {
    /// The output folder of a `clearstat run`.
    #[arg(value_name = "DIR")]
    run: PathBuf,
    /// The query text.
    #[arg(long, group = "query", required = true)]
    sql: Option<String>,
    /// A file holding the query.
    #[arg(long, value_name = "FILE", group = "query")]
    file: Option<PathBuf>,
    /// Also write the answer to this file (.parquet or .csv).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let sql = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(file)) => analytics::read_query(file)?,
        (None, None) => return Err(UsageError("give --sql or --file".into()).into()),
    };
    let mut answer = analytics::query(&args.run, &sql)?;
    writeln!(std::io::stdout().lock(), "{answer}")?;
    if let Some(out) = &args.out {
        match out.extension().and_then(|e| e.to_str()) {
            Some("parquet") => outputs::write_parquet(&answer, out)?,
            Some("csv") => outputs::write_csv(&mut answer, out)?,
            _ => {
                return Err(UsageError(format!(
                    "--out {}: use a .parquet or .csv file",
                    out.display()
                ))
                .into());
            }
        }
    }
    Ok(())
}
