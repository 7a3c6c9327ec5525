//! The command line: one file per subcommand, each turning its arguments into a checked plan
//! and calling the library. Nothing in the library depends on this module.

mod columns;
mod export;
mod flows;
mod generate;
mod ingest;
mod query;
mod reading;
mod report;
mod run;
mod scan;

use clap::{Parser, Subcommand};

use crate::analytics::AnalyticsError;
use crate::analytics::QueryError;
use crate::charts::ChartError;
use crate::generate::GenerateError;
use crate::ingest::IngestError;
use crate::outputs::OutputError;
use crate::pipeline::RunError;
use crate::population::PopulationError;
use crate::report::ReportError;

/// Exit codes, as listed in the README.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// An input file was missing, unreadable or malformed.
    pub const INPUT: i32 = 1;
    /// Wrong usage or options.
    pub const USAGE: i32 = 2;
    /// An output could not be written.
    pub const OUTPUT: i32 = 3;
    /// An internal error: a bug in clearstat, not in the input or the options.
    pub const INTERNAL: i32 = 4;
}

/// Printed after an internal error's message (which quotes no data).
pub const INTERNAL_HINT: &str = "this is a bug in clearstat, not in your input or options: \
please report it with the command line and `clearstat --version` (the message above quotes \
no data from the rows)";

const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 an input file was missing, unreadable or malformed; \
2 wrong usage or options; 3 an output could not be written (or the output folder holds an earlier run); \
4 an internal error (a bug in clearstat: please report it).";

/// Proposition 64 relief decisions and their statistics from California DOJ research files.
#[derive(Debug, Parser)]
#[command(name = "clearstat", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Worker threads of each pool: Polars', the reading pass's and the publication's sets'
    /// (default: one per core; a run keeps a few threads of its own besides, to read ahead
    /// and write). Outputs are the same bytes whatever the number.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Run(run::Args),
    Ingest(ingest::Args),
    Flows(flows::Args),
    Columns(columns::Args),
    Query(query::Args),
    Report(report::Args),
    Generate(generate::Args),
    Export(export::Args),
    /// The benchmark's reading floor (see benches/run).
    #[command(hide = true)]
    Scan(scan::Args),
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Some(threads) = cli.threads {
        if threads == 0 {
            return Err(UsageError("--threads must be at least 1".into()).into());
        }
        // SAFETY: still single-threaded: Polars reads this when its thread pool starts, at
        // its first use, which comes after this line.
        unsafe { std::env::set_var("POLARS_MAX_THREADS", threads.to_string()) };
        // clearstat's own pools size themselves by rayon's global pool.
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {threads} worker threads: {e}"))?;
    }
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Flows(args) => flows::run(args),
        Command::Columns(args) => columns::run(args),
        Command::Query(args) => query::run(args),
        Command::Report(args) => report::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Export(args) => export::run(args),
        Command::Scan(args) => scan::run(args),
    }
}

/// A usage mistake found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn analytics_exit_code(error: &AnalyticsError) -> i32 {
    match error {
        AnalyticsError::Output(_) => exit::OUTPUT,
        AnalyticsError::Population(_) => exit::USAGE,
        AnalyticsError::Query(_) => exit::INPUT,
    }
}

fn report_exit_code(error: &ReportError) -> i32 {
    match error {
        ReportError::Analytics(e) => analytics_exit_code(e),
        ReportError::Charts(ChartError::Output(_)) | ReportError::Output(_) => exit::OUTPUT,
        ReportError::Template { .. } => exit::USAGE,
        ReportError::Charts(_) | ReportError::Table(_) | ReportError::NotARun { .. } => exit::INPUT,
    }
}

/// Chooses the exit code for an error from its cause.
pub fn exit_code(error: &anyhow::Error) -> i32 {
    for cause in error.chain() {
        if cause.is::<UsageError>() {
            return exit::USAGE;
        }
        if cause.is::<OutputError>() {
            return exit::OUTPUT;
        }
        if cause.is::<IngestError>() {
            return exit::INPUT;
        }
        if let Some(e) = cause.downcast_ref::<QueryError>() {
            return match e {
                QueryError::Sql { .. } | QueryError::Refused { .. } => exit::USAGE,
                _ => exit::INPUT,
            };
        }
        if cause.is::<PopulationError>() {
            return exit::USAGE;
        }
        if let Some(e) = cause.downcast_ref::<ReportError>() {
            return report_exit_code(e);
        }
        if let Some(e) = cause.downcast_ref::<AnalyticsError>() {
            return analytics_exit_code(e);
        }
        if let Some(e) = cause.downcast_ref::<RunError>() {
            return match e {
                RunError::Ingest(_) => exit::INPUT,
                RunError::Output(_) => exit::OUTPUT,
                RunError::UnknownCounty { .. } => exit::USAGE,
                // The rows were checked when read: a stage failing on them is a bug.
                RunError::Stage { .. } => exit::INTERNAL,
                RunError::Publish(e) => report_exit_code(e),
            };
        }
        if let Some(e) = cause.downcast_ref::<GenerateError>() {
            return match e {
                GenerateError::Io(_) => exit::OUTPUT,
                _ => exit::USAGE,
            };
        }
    }
    exit::INTERNAL
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// `--flow`'s help names every built-in flow.
    #[test]
    fn run_help_lists_every_built_in_flow() {
        let command = Cli::command();
        let run = command.find_subcommand("run").expect("run");
        let flow = run
            .get_arguments()
            .find(|a| a.get_id() == "flow")
            .expect("--flow");
        let help = flow.get_help().expect("help").to_string();
        for name in crate::eligibility::built_in_names() {
            assert!(help.contains(name), "--flow help lacks {name}: {help}");
        }
    }
}
