use std::path::PathBuf;

use super::run::publish_options;
use crate::report;

/// Redo the tables, charts and report of a finished run from its Parquet files.
///
/// Reads the run's convictions.parquet, subjects.parquet and summary.json (never the DOJ
/// files) and rewrites tables/, charts/, report.html, report.md, the population baseline and
/// the race mapping. Use it to publish with another small-cell threshold, population year,
/// race mapping, or with edited report templates (see reports/README.md).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat report out/sample
  clearstat report out/sample --population-year 2015 --min-cell 20
  clearstat report out/sample --templates reports/")]
pub struct Args {
    /// The output folder of a `clearstat run`.
    #[arg(value_name = "DIR")]
    run: PathBuf,
    /// Counts from 1 to N are withheld; 0 turns it off for internal use. Default: as the run.
    #[arg(long, value_name = "N")]
    min_cell: Option<u64>,
    /// The population table (see `clearstat run --help`). Default: the bundled tables.
    #[arg(long, value_name = "FILE")]
    population: Option<PathBuf>,
    /// The year of the population figures. Default: the year closest to the median year of
    /// the Prop 64 convictions reviewed.
    #[arg(long, value_name = "YEAR")]
    population_year: Option<i32>,
    /// The race mapping (race_code,race_descr,group). Default: the one the run used.
    #[arg(long, value_name = "FILE")]
    race_map: Option<PathBuf>,
    /// A folder with edited report.html and report.md templates.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut summary = report::read_summary(&args.run)?;
    let min_cell = args.min_cell.unwrap_or(summary.min_cell);
    let mut options = publish_options(
        min_cell,
        args.population.as_deref(),
        args.population_year,
        args.race_map.as_deref(),
        args.templates.clone(),
    )?;
    if args.race_map.is_none() {
        options.race_map = crate::analytics::race_map(&args.run)?;
    }
    let tables = crate::analytics::RunTables::scan(&args.run)?;
    let baseline = report::publish(&args.run, tables, &mut summary, &options, &mut |_| {})?;
    if !args.quiet {
        let withheld = match min_cell {
            0 => "no small cell withheld".to_string(),
            n => format!("counts from 1 to {n} withheld"),
        };
        eprintln!(
            "tables, charts, report.html and report.md rewritten in {} (population {}; {withheld})",
            args.run.display(),
            baseline.label(),
        );
    }
    Ok(())
}
