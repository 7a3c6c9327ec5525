use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::ingest;
use crate::ingest::layout::READ_COLUMNS;

/// The practical floor of reading a research file, for the benchmark: Polars parses the 19
/// columns clearstat uses and counts the rows; nothing is checked or written.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A research file with a header line (as `clearstat generate` writes).
    file: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let rows = ingest::scan_floor(&args.file, true, &READ_COLUMNS)
        .map_err(|e| anyhow::anyhow!("scan failed: {}", crate::redact::polars_message(&e)))?;
    writeln!(
        std::io::stdout().lock(),
        "rows {rows} seconds {:.3}",
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
