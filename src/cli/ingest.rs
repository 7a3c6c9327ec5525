use std::path::PathBuf;

use crate::ingest;
use crate::pipeline;
use crate::summary::RowAccounting;

/// Read research files once into a prepared input for later runs.
///
/// Checks, parses and normalizes the files as `clearstat run` does, and writes what a run
/// decides from and no option changes (the conviction table with its facts, the subject
/// table), with the row accounting of every file, to one Parquet file. `clearstat run
/// PREPARED.parquet ...` then reads it in place of the files and starts at the decisions, so
/// a rerun with another county, flow, date or table option takes under a second per million
/// rows. A run
/// from a prepared input writes everything but the gogen bundle (which reprints all 95 input
/// columns): run on the research files for that.
///
/// The file holds row-level data (subject ids, dates of birth, the text of rejected rows):
/// it is created readable by its owner only.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat ingest 'extracts/*.dat' --out extracts.parquet
  clearstat run extracts.parquet --county 'LOS ANGELES' --flow los-angeles --out out/la")]
pub struct Args {
    /// Research files or glob patterns (quote patterns so the shell leaves them alone).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// The prepared input to write (a Parquet file).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reading: super::reading::ReadingArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let options = args.reading.options();
    let inputs = ingest::expand_inputs(&args.inputs)?;
    let provenance = pipeline::prepare(&inputs, &options, &args.out, args.force)?;
    if !args.reading.quiet {
        let rows = RowAccounting::new(provenance.files);
        eprintln!(
            "rows read {} = accepted {} + rejected {}",
            rows.rows_read, rows.rows_accepted, rows.rows_rejected
        );
        eprintln!("prepared input in {}", args.out.display());
    }
    Ok(())
}
