use std::path::PathBuf;

use crate::outputs::export;

/// Lay a finished run's row-level tables out for a cluster engine.
///
/// Writes, under the folder given by --out: `convictions/county=NAME/part-0.parquet` (Hive
/// partitions by county: the county is in the path), `subjects/`, `baseline/` and
/// `population/` (one Parquet file each), and `race_map.csv`. Spark, Trino or DuckDB read it
/// with partition discovery; `benches/spark` runs every query of `queries/` on Spark SQL
/// over it and compares the answers with the run's tables. The files hold the run's row-level
/// data as the run wrote it (pseudonymized only if the run was): readable by their owner only.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  clearstat export out/sample --out out/sample-partitioned")]
pub struct Args {
    /// The output folder of a `clearstat run`.
    #[arg(value_name = "DIR")]
    run: PathBuf,
    /// The folder to write (must not exist, unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the folder given by --out.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let exported = export::export(&args.run, &args.out, args.force)?;
    eprintln!(
        "{} convictions in {} county partitions, with the subjects and population tables, in {}",
        exported.convictions,
        exported.counties,
        args.out.display()
    );
    Ok(())
}
