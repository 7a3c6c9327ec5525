use std::path::PathBuf;

use chrono::NaiveDate;

use super::UsageError;
use crate::ingest::{self, Encoding, IngestOptions, OnBadRows};
use crate::pipeline::{self, RunPlan};

/// Read DOJ research files and write the conviction and subject tables.
///
/// Reads one or more research files (.csv or .dat, with or without a header line, any mix),
/// checks every row, and writes to the output folder:
///   convictions.parquet  one row per conviction (subject, CNT_ORDER), all counties
///   subjects.parquet     one row per person, merged across all files
///   summary.json         rows read = accepted + rejected, per file; data-quality counts
///   rejected_rows.csv    with --on-bad-rows skip: file, line, reason and text of each bad row
///
/// A malformed row stops the run with an error naming the file and line, unless
/// --on-bad-rows skip is given. No value from a row is ever printed.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat run data-samples/sample.csv --county 'SAN FRANCISCO' --out out/
  clearstat run 'extracts/*.dat' --county ALL --on-bad-rows skip --out out/
  clearstat run a.csv b.csv --county 'los angeles' --compute-at 2020-02-13 --out out/")]
pub struct Args {
    /// Research files or glob patterns (quote patterns so the shell leaves them alone).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// County whose convictions are evaluated, as in STP_ORI_CNTY_NAME (case and spaces
    /// ignored), or ALL.
    #[arg(long)]
    county: String,
    /// The date every rule counts from (YYYY-MM-DD). Default: today, printed and recorded.
    #[arg(long, value_name = "YYYY-MM-DD")]
    compute_at: Option<String>,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// What to do with a malformed row.
    #[arg(long, value_enum, default_value_t = OnBadRows::Fail)]
    on_bad_rows: OnBadRows,
    /// Text encoding of the input files.
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    encoding: Encoding,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let compute_at = match &args.compute_at {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            UsageError(format!(
                "--compute-at '{text}' is not a date in the form YYYY-MM-DD"
            ))
        })?,
        // The only wall-clock read: at the edge, printed and recorded in summary.json.
        None => chrono::Local::now().date_naive(),
    };
    let county = args.county.trim().to_uppercase();
    if county.is_empty() {
        return Err(UsageError("--county is empty: give a county name or ALL".into()).into());
    }
    let plan = RunPlan {
        inputs: ingest::expand_inputs(&args.inputs)?,
        county,
        compute_at,
        out: args.out.clone(),
        ingest: IngestOptions {
            on_bad_rows: args.on_bad_rows,
            encoding: args.encoding,
        },
    };
    let summary = pipeline::run(&plan)?;
    if !args.quiet {
        if args.compute_at.is_none() {
            eprintln!("compute-at: {compute_at} (today; pass --compute-at to fix it)");
        }
        let rows = &summary.rows;
        eprintln!(
            "rows read {} = accepted {} + rejected {}{}",
            rows.rows_read,
            rows.rows_accepted,
            rows.rows_rejected,
            if rows.reconciles {
                ""
            } else {
                "  (DOES NOT RECONCILE)"
            }
        );
        eprintln!(
            "{} convictions of {} people ({} Prop 64, {} in {}); outputs in {}",
            summary.convictions,
            summary.subjects,
            summary.prop64_convictions,
            summary.prop64_convictions_in_county,
            summary.county,
            args.out.display()
        );
    }
    Ok(())
}
