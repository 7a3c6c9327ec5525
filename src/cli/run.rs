use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::UsageError;
use crate::analytics::race::RaceMap;
use crate::eligibility::{self, Flow, GogenOptions};
use crate::ingest;
use crate::outputs::pseudonym::{self, Pseudonymizer};
use crate::pipeline::{self, RunPlan};
use crate::population::Denominators;
use crate::report::PublishOptions;
use crate::summary::Summary;

/// Decide Prop 64 relief for a county from DOJ research files.
///
/// Reads one or more research files (.csv or .dat, with or without a header line, any mix),
/// or one prepared input made by `clearstat ingest` (faster, for reruns),
/// checks every row, decides every Prop 64 conviction in the county under the chosen flow
/// and the two what-if flows (dismiss all Prop 64; dismiss all Prop 64 and related), and
/// writes to the output folder:
///   convictions.parquet  one row per conviction (subject, CNT_ORDER), all counties, with
///                        determination, reason and rule of each flow
///   subjects.parquet     one row per person, merged across all files, with the impact of
///                        each flow (no felony left, no conviction left, none in 7 years)
///   summary.json         rows read = accepted + rejected, gogen's summary, data quality
///   gogen/               All_Results.csv, All_Results_Condensed.csv, Prop64_Results.csv and
///                        gogen.json in gogen's exact layout
///   tables/              the breakdowns of queries/ as Parquet and CSV, small cells withheld
///   rejected_rows.csv    with --on-bad-rows skip: file, line, reason and text of each bad row
///
/// The flow: --options FILE (gogen's options JSON), --flow NAME (a built-in flow, see
/// `clearstat flows`) or --flow-file FILE (your own rule table); default: dismiss all four
/// sections.
///
/// A malformed row stops the run with an error naming the file and line, unless
/// --on-bad-rows skip is given. No value from a row is ever printed.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  clearstat run data-samples/sample.csv --county 'SAN FRANCISCO' --out out/
  clearstat run 'extracts/*.dat' --county ALL --on-bad-rows skip --out out/
  clearstat run a.csv b.csv --county 'los angeles' --flow los-angeles --out out/
  clearstat run in.dat --county SACRAMENTO --options eligibility_options.json --out out/")]
pub struct Args {
    /// Research files or glob patterns (quote patterns so the shell leaves them alone).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// County whose convictions are evaluated, as in STP_ORI_CNTY_NAME (case and spaces
    /// ignored), or ALL.
    #[arg(long)]
    county: String,
    /// The as-of date (YYYY-MM-DD): the records as they stood that day. Every rule counts
    /// from it, and convictions dated after it are left out of the review and of every count
    /// (counted in summary.json and the report). Default: today, printed and recorded.
    #[arg(long, visible_alias = "as-of", value_name = "YYYY-MM-DD")]
    compute_at: Option<String>,
    /// gogen's eligibility options JSON (the `configurable` flow).
    #[arg(long, value_name = "FILE", group = "chosen_flow")]
    options: Option<PathBuf>,
    /// A built-in flow: configurable, dismiss-all, dismiss-all-related, los-angeles,
    /// sacramento, contra-costa, san-joaquin.
    #[arg(long, value_name = "NAME", group = "chosen_flow")]
    flow: Option<String>,
    /// A flow of your own: a JSON rule table (see `clearstat flows --help`).
    #[arg(long, value_name = "FILE", group = "chosen_flow")]
    flow_file: Option<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Counts from 1 to N are withheld in the published tables (tables/); 0 turns it off
    /// for internal use.
    #[arg(long, value_name = "N", default_value_t = 10)]
    min_cell: u64,
    /// The population table for the disparity tables, in the layout of the bundled census
    /// tables (county,fips,year,age_group,group,population). Default: the bundled 2010 and
    /// 2020 censuses and the 2010-2019 estimates.
    #[arg(long, value_name = "FILE")]
    population: Option<PathBuf>,
    /// The year of the population figures. Default: the year closest to the median year of
    /// the Prop 64 convictions reviewed (a census before an estimate).
    #[arg(long, value_name = "YEAR")]
    population_year: Option<i32>,
    /// The race mapping: a CSV with the header race_code,race_descr,group mapping DOJ race
    /// codes to census groups. Default: the bundled one (see the report's methodology).
    #[arg(long, value_name = "FILE")]
    race_map: Option<PathBuf>,
    /// Replace the outputs of an earlier run in the output folder.
    #[arg(long)]
    force: bool,
    /// Do not write the gogen bundle (gogen/): for runs that need only the Parquet tables,
    /// the statistics and the report.
    #[arg(long)]
    no_gogen: bool,
    /// In the row-level outputs (convictions.parquet, subjects.parquet, gogen/), replace
    /// every identifier column of the DOJ layout (names, SSNs, licence, CII, FBI, court case
    /// and booking numbers; see `clearstat columns`) by keyed pseudonyms (HMAC-SHA-256),
    /// withhold free text, and leave the raw text out of rejected_rows.csv. The key (16
    /// bytes or more) comes from --pseudonym-key FILE or the CLEARSTAT_PSEUDONYM_KEY
    /// environment variable and is never written anywhere; the same key gives the same
    /// pseudonyms in every run.
    #[arg(long)]
    pseudonymize: bool,
    /// The file holding the pseudonym key.
    #[arg(long, value_name = "FILE", requires = "pseudonymize")]
    pseudonym_key: Option<PathBuf>,
    /// With --pseudonymize: dates of birth cut to the year (YYYY in gogen/; birth_year and
    /// subject_birth_year instead of dob and subject_dob in the Parquet tables). The rules
    /// read the full date first, so decisions do not change.
    #[arg(long, requires = "pseudonymize")]
    birth_year_only: bool,
    /// Print the time of each stage, and the peak memory so far after it.
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    reading: super::reading::ReadingArgs,
}

/// The publishing options, checked before anything is read or written (exit code 2).
pub fn publish_options(
    min_cell: u64,
    population: Option<&Path>,
    population_year: Option<i32>,
    race_map: Option<&Path>,
    templates: Option<PathBuf>,
) -> Result<PublishOptions, UsageError> {
    let usage = |e: &dyn std::fmt::Display| UsageError(e.to_string());
    let race_map = match race_map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
            RaceMap::from_csv(&path.display().to_string(), &text).map_err(|e| usage(&e))?
        }
        None => RaceMap::bundled(),
    };
    Ok(PublishOptions {
        min_cell,
        denominators: Denominators::new(population, population_year).map_err(|e| usage(&e))?,
        race_map,
        templates,
    })
}

/// The pseudonymizer `--pseudonymize` asks for, with its key (exit code 2 without one).
fn pseudonymizer(args: &Args) -> Result<Option<Pseudonymizer>, UsageError> {
    if !args.pseudonymize {
        return Ok(None);
    }
    let key = match &args.pseudonym_key {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
            let end = bytes.len() - bytes.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
            bytes[..end].to_vec()
        }
        None => std::env::var(pseudonym::KEY_VARIABLE)
            .map_err(|_| {
                UsageError(format!(
                    "--pseudonymize needs a key: --pseudonym-key FILE or the {} environment variable",
                    pseudonym::KEY_VARIABLE
                ))
            })?
            .into_bytes(),
    };
    let pseudonymizer = Pseudonymizer::new(&key).map_err(UsageError)?;
    Ok(Some(
        pseudonymizer.with_birth_year_only(args.birth_year_only),
    ))
}

/// The flow the user chose, checked before anything is read or written (exit code 2).
fn chosen_flow(args: &Args) -> anyhow::Result<(Flow, GogenOptions)> {
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))
    };
    if let Some(path) = &args.options {
        let (options, warnings) =
            GogenOptions::from_json(&path.display().to_string(), &read(path)?)
                .map_err(|e| UsageError(e.to_string()))?;
        if !args.reading.quiet {
            for warning in warnings {
                eprintln!("warning: {}: {warning}", path.display());
            }
        }
        return Ok((options.to_flow(), options));
    }
    let flow = if let Some(path) = &args.flow_file {
        Flow::from_json(&path.display().to_string(), &read(path)?)
            .map_err(|e| UsageError(e.to_string()))?
    } else if let Some(name) = &args.flow {
        eligibility::built_in(name)
            .map_err(|e| UsageError(e.to_string()))?
            .ok_or_else(|| {
                UsageError(format!(
                    "unknown flow '{name}'. Run `clearstat flows` to list flows."
                ))
            })?
    } else {
        return Ok((GogenOptions::default().to_flow(), GogenOptions::default()));
    };
    Ok((flow, GogenOptions::default()))
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
    let (flow, gogen_options) = chosen_flow(&args)?;
    let publish = publish_options(
        args.min_cell,
        args.population.as_deref(),
        args.population_year,
        args.race_map.as_deref(),
        None,
    )?;
    let plan = RunPlan {
        inputs: ingest::expand_inputs(&args.inputs)?,
        county,
        compute_at,
        out: args.out.clone(),
        ingest: args.reading.options(),
        flow,
        gogen_options,
        force: args.force,
        gogen: !args.no_gogen,
        pseudonymizer: pseudonymizer(&args)?,
        publish,
    };
    let (summary, stages) = pipeline::run_timed(&plan)?;
    if args.timings {
        print_timings(&stages);
    }
    if !args.reading.quiet {
        if args.compute_at.is_none() {
            eprintln!("compute-at: {compute_at} (today; pass --compute-at to fix it)");
        }
        print_summary(&summary);
        if let Some(prepared) = &summary.prepared_input
            && !args.no_gogen
        {
            eprintln!(
                "gogen/ not written: {prepared} is a prepared input, which keeps only the columns clearstat uses; run on the research files for the gogen bundle"
            );
        }
        eprintln!("outputs in {}", args.out.display());
    }
    Ok(())
}

/// `--timings`: each stage's time and the peak memory so far; then the stages that ran
/// beside them, on other threads (outside the total).
fn print_timings(stages: &[pipeline::StageTime]) {
    let (beside, spine): (Vec<_>, Vec<_>) = stages.iter().partition(|s| s.beside);
    for s in &spine {
        let peak = s
            .peak_bytes
            .map(|bytes| format!("  peak {:>6} MB", bytes / 1_000_000))
            .unwrap_or_default();
        eprintln!("{:<24} {:>8.2} s{peak}", s.stage, s.seconds);
    }
    let total: f64 = spine.iter().map(|s| s.seconds).sum();
    eprintln!("{:<24} {:>8.2} s", "total", total);
    if !beside.is_empty() {
        eprintln!("beside the reading, on a thread of their own:");
    }
    for s in beside {
        eprintln!("  {:<22} {:>8.2} s", s.stage, s.seconds);
    }
}

/// What the run read and decided, in four lines.
fn print_summary(summary: &Summary) {
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
        "{} convictions of {} people ({} Prop 64, {} in {}); flow {}",
        summary.convictions,
        summary.subjects,
        summary.prop64_convictions,
        summary.prop64_convictions_in_county,
        summary.county,
        summary.flow,
    );
    let left_out = &summary.left_out_as_of;
    eprintln!(
        "as of {}: left out {} convictions dated after it ({} Prop 64, {} in {})",
        summary.compute_at,
        left_out.convictions,
        left_out.prop64_convictions,
        left_out.prop64_convictions_in_county,
        summary.county,
    );
    let relief = &summary.gogen.relief_with_current_eligibility_choices;
    let relief = |key: &str| relief.get(key).copied().unwrap_or(0);
    eprintln!(
        "people with some relief {}; no felony left {}; no conviction left {}; none in the last 7 years {}",
        summary.gogen.subjects_with_some_relief_count,
        relief("CountSubjectsNoFelony"),
        relief("CountSubjectsNoConviction"),
        relief("CountSubjectsNoConvictionLast7Years"),
    );
}
