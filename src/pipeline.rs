//! One `clearstat run`: ingest → normalize → eligibility → outputs, from a checked
//! [`RunPlan`]. Which work runs on which thread, and why: `docs/threads.md`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::analytics::RunTables;
use crate::eligibility::{Flow, GogenOptions, Scenario, facts, held, impact};
use crate::ingest::{self, FILE_INDEX, IngestError, IngestOptions, OnBadRows, SOURCE_LINE};
use crate::normalize::quality::QualityCount;
use crate::normalize::{self, columns as c};
use crate::outputs::gogen::{self, GogenSummary};
use crate::outputs::pseudonym::Pseudonymizer;
use crate::outputs::{self, OutputError, files};
use crate::population;
use crate::prepared::{self, LeftOut, Prepared, Provenance, Settle};
use crate::report::{self, PublishOptions, ReportError};
use crate::summary::{RowAccounting, Summary};

/// Everything a run needs, checked before any work starts.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub inputs: Vec<PathBuf>,
    /// Upper case, trimmed; `ALL` for every county.
    pub county: String,
    /// The one "today" of every rule.
    pub compute_at: NaiveDate,
    pub out: PathBuf,
    pub ingest: IngestOptions,
    /// The chosen flow (the what-if flows are always evaluated beside it).
    pub flow: Flow,
    /// gogen's options, for the sections of `gogen.json` (the defaults when a preset or a
    /// flow file is chosen).
    pub gogen_options: GogenOptions,
    /// Replace the outputs of an earlier run in `out`.
    pub force: bool,
    /// Write the gogen bundle.
    pub gogen: bool,
    /// `--pseudonymize`: identifiers in row-level outputs replaced by keyed pseudonyms.
    pub pseudonymizer: Option<Pseudonymizer>,
    /// How the tables, charts and report are made.
    pub publish: PublishOptions,
}

/// Errors of a run, by stage.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Publish(#[from] ReportError),
    #[error("{stage} failed: {message}")]
    Stage {
        stage: &'static str,
        message: String,
    },
    #[error(
        "unknown county '{county}': not one of California's 58 counties and not in the data. {hint}"
    )]
    UnknownCounty { county: String, hint: String },
}

/// Maps a Polars error of a row-level stage to a message that cannot quote cell text.
fn stage_error(stage: &'static str) -> impl Fn(PolarsError) -> RunError {
    move |e| RunError::Stage {
        stage,
        message: crate::redact::polars_message(&e),
    }
}

/// Runs the pipeline and writes its outputs; returns the summary that was written.
pub fn run(plan: &RunPlan) -> Result<Summary, RunError> {
    run_timed(plan).map(|(summary, _)| summary)
}

/// How long one stage of a run took (printed by `clearstat run --timings`, never written to
/// an output: outputs hold no wall-clock figures).
#[derive(Debug, Clone)]
pub struct StageTime {
    pub stage: &'static str,
    pub seconds: f64,
    /// The peak memory of the process so far, in bytes, where the system tells it (Linux).
    pub peak_bytes: Option<u64>,
    /// Spent on another thread beside the stages of the run's spine (not part of its total).
    pub beside: bool,
}

/// The peak resident memory of this process so far (`VmHWM` in `/proc/self/status`).
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Records the time since the previous mark.
struct Stopwatch {
    last: std::time::Instant,
    stages: Vec<StageTime>,
}

impl Stopwatch {
    fn new() -> Stopwatch {
        Stopwatch {
            last: std::time::Instant::now(),
            stages: Vec::new(),
        }
    }

    /// The time since the last mark goes to `stage`; a stage marked again (reading and
    /// reducing alternate, a batch at a time) adds up.
    fn mark(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.add(StageTime {
            stage,
            seconds: (now - self.last).as_secs_f64(),
            peak_bytes: peak_resident_bytes(),
            beside: false,
        });
        self.last = now;
    }

    /// The stages another thread's stopwatch timed, added up apart from this thread's.
    fn beside(&mut self, stages: Vec<StageTime>) {
        for time in stages {
            self.add(StageTime {
                beside: true,
                ..time
            });
        }
    }

    fn add(&mut self, time: StageTime) {
        let same = |s: &&mut StageTime| s.stage == time.stage && s.beside == time.beside;
        match self.stages.iter_mut().find(same) {
            Some(earlier) => {
                earlier.seconds += time.seconds;
                earlier.peak_bytes = time.peak_bytes;
            }
            None => self.stages.push(time),
        }
    }
}

/// Convictions past which a run without the gogen bundle writes the conviction Parquet after
/// the tables, not beside them: the two together set the peak of a large run (10M padded
/// rows, 2.5M convictions: 1487-1496 -> 1313-1322 MB, 25.1-26.0 -> 27.2-28.5 s), while a
/// smaller run's peak is its reading's and beside is faster (1M padded rows: 2.76-2.97 s
/// beside, 2.95-3.06 s after; BENCHMARKS.md, session 14).
const LARGE_TABLE: usize = 1 << 20;

/// [`run`], also returning the time of each stage. A run that fails in a folder it created
/// leaves no empty folder behind.
pub fn run_timed(plan: &RunPlan) -> Result<(Summary, Vec<StageTime>), RunError> {
    let created = !plan.out.exists();
    let result = run_stages(plan);
    if result.is_err() && created {
        // Only succeeds when the folder is empty: nothing written is ever removed here.
        let _ = std::fs::remove_dir(&plan.out);
    }
    result
}

/// The run's spine, stage by stage (about 110 lines: read it top to bottom; each stage is a
/// call, and the last three outputs are written on threads beside each other).
fn run_stages(plan: &RunPlan) -> Result<(Summary, Vec<StageTime>), RunError> {
    let mut clock = Stopwatch::new();
    outputs::prepare_run_folder(&plan.out, plan.force)?;
    let prepared = prepared_input(&plan.inputs)?;
    let scenarios = Scenario::all(plan.flow.clone());
    let settle = Settle {
        as_of: plan.compute_at,
        county: &plan.county,
        scenarios: &scenarios,
    };
    let ReadFiles {
        tables,
        left_out: settled,
        gogen_rows,
        provenance,
        reduced_beside,
    } = load(plan, prepared, &settle, &mut clock)?;
    clock.beside(reduced_beside);
    check_county(&plan.county, &tables.counties)?;
    // Research files are settled as they are read; a prepared input here, as they are.
    let (tables, left_out) = match settled {
        Some(left_out) => (tables, left_out),
        None => tables
            .settle(&settle, batch_rows(&plan.ingest), &mut |stage| {
                clock.mark(stage)
            })
            .map_err(stage_error("deciding eligibility as of the date"))?,
    };
    let Prepared {
        convictions: decided,
        subjects,
        mut data_quality,
        ..
    } = tables;
    data_quality.extend(as_of_quality(&left_out));
    // The deliberate materialisation of decisions: every output below reads this table
    // (decided batch by batch), its texts with few values held as categories.
    let held = held::columns(&scenarios);
    // A prepared input keeps only the tables clearstat decides from, not the 95 columns
    // gogen prints.
    let gogen_folder = plan.out.join(files::GOGEN);
    if gogen_rows.is_some() {
        outputs::create_folder(&gogen_folder)?;
    }
    // The subject key is a grouping aid (from the research files, its values depend on thread
    // timing): never written.
    let mut convictions = decided.drop_many([c::SUBJECT_KEY]);
    if let Some(pseudonymizer) = &plan.pseudonymizer {
        // Free text is judged as text, then held again.
        let schema = convictions.schema().clone();
        convictions = held::as_text(convictions.lazy(), &schema, &held)
            .collect()
            .and_then(|mut text| {
                pseudonymizer.protect(&mut text)?;
                held::hold(text, &held)
            })
            .map_err(stage_error("pseudonymizing"))?;
    }
    let run = Decided {
        plan,
        prepared,
        provenance: &provenance,
        scenarios: &scenarios,
        decided: &decided,
        convictions: &convictions,
        gogen_written: gogen_rows.is_some(),
        left_out,
        held: &held,
    };
    std::thread::scope(|scope| {
        // The conviction table's Parquet is written beside the tables (they query the
        // frame, not the file), or after them: with the gogen bundle, beside the bundle's
        // tail, which keeps both cores busy anyway, and with a large table, where its row
        // groups as text and the tables' queries together would set the peak (10M padded
        // rows with the bundle: 1522-1532 MB -> 1413-1414 MB, and 70.5-83.7 s -> 67.4-72.9
        // s; without: see LARGE_TABLE).
        let write_parquet = || {
            let as_text = |group: DataFrame| run.text(&group).collect();
            let path = plan.out.join(files::CONVICTIONS);
            outputs::write_parquet_shaped(&convictions, &path, Vec::new(), &as_text)
        };
        let after_tables = gogen_rows.is_some() || convictions.height() > LARGE_TABLE;
        let beside_tables = (!after_tables).then(|| scope.spawn(write_parquet));
        // The gogen bundle reads the input again (on threads of its own) while everything
        // else is made from the decisions: neither needs the other.
        let (run, decided, scenarios, gogen_folder) = (&run, &decided, &scenarios, &gogen_folder);
        let gogen = gogen_rows.map(|gogen_rows| {
            scope.spawn(move || {
                let source = gogen::Source {
                    inputs: &plan.inputs.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
                    ingest: &plan.ingest,
                    pseudonymizer: plan.pseudonymizer.as_ref(),
                };
                gogen::write_csvs(
                    gogen_folder,
                    &source,
                    gogen_rows,
                    run.text(decided),
                    &scenarios[0],
                    plan.compute_at,
                )
            })
        });
        let published = publish(run, subjects, data_quality, &mut clock).and_then(|summary| {
            match beside_tables {
                Some(writing) => writing
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                None => write_parquet()?,
            }
            clock.mark("conviction Parquet (the part after the rest)");
            Ok(summary)
        });
        if let Some(gogen) = gogen {
            gogen
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            clock.mark("gogen CSVs (after the rest)");
        }
        Ok((published?, clock.stages))
    })
}

/// The tables a run decides from, with their provenance and, when read from the research
/// files, the rows the gogen bundle needs. Read from the research files, the tables are
/// settled as they are read (the conviction table is then the decided convictions) and
/// what the as-of date left out is returned.
fn load(
    plan: &RunPlan,
    prepared: Option<&Path>,
    settle: &Settle,
    clock: &mut Stopwatch,
) -> Result<ReadFiles, RunError> {
    if let Some(path) = prepared {
        let (tables, provenance) = prepared::read(path)?;
        clock.mark("read prepared input");
        return Ok(ReadFiles {
            tables,
            left_out: None,
            gogen_rows: None,
            provenance,
            reduced_beside: Vec::new(),
        });
    }
    read_research_files(
        &plan.inputs,
        &plan.ingest,
        Some(settle),
        plan.gogen,
        &mut |stage| clock.mark(stage),
    )
}

/// What a run has decided, for the outputs made from it.
struct Decided<'a> {
    plan: &'a RunPlan,
    prepared: Option<&'a Path>,
    provenance: &'a Provenance,
    scenarios: &'a [Scenario],
    /// Every conviction with its facts and decisions (the subject key still in).
    decided: &'a DataFrame,
    /// The same, as written to `convictions.parquet` (pseudonymized when asked).
    convictions: &'a DataFrame,
    gogen_written: bool,
    left_out: LeftOut,
    /// The columns of `decided` held as categories.
    held: &'a [String],
}

impl Decided<'_> {
    /// `frame` (the decided convictions) as it reads: its held columns as text.
    fn text(&self, frame: &DataFrame) -> LazyFrame {
        held::as_text(frame.clone().lazy(), frame.schema(), self.held)
    }
}

/// Everything but the conviction Parquet and the gogen CSVs: the subject table, the
/// summaries, the published tables, charts and report. Returns the summary written.
fn publish(
    run: &Decided,
    subjects: LazyFrame,
    mut data_quality: Vec<QualityCount>,
    clock: &mut Stopwatch,
) -> Result<Summary, RunError> {
    let (plan, decided) = (run.plan, run.decided);
    let outcomes = impact::by_subject(run.text(decided), run.scenarios, plan.compute_at)
        .collect()
        .map_err(stage_error("computing the impact on people"))?;
    let mut subjects = subjects
        .join(
            outcomes.clone().lazy(),
            [col(c::SUBJECT_KEY)],
            [col(c::SUBJECT_KEY)],
            normalize::ordered_join(JoinType::Left),
        )
        .drop(by_name([c::SUBJECT_KEY], true, false))
        .collect()
        .map_err(stage_error("building the subject table"))?;
    if plan.flow.uses_dob() {
        data_quality.push(QualityCount {
            column: ingest::layout::name(ingest::layout::col::PRI_DOB).into(),
            issue: normalize::quality::DECIDED_WITHOUT_DOB.into(),
            rows: count_where(
                decided,
                col(c::SUBJECT_DOB)
                    .is_null()
                    .and(col(run.scenarios[0].rule_column()).is_not_null()),
            )?,
        });
    }
    clock.mark("subjects and impact");
    if let Some(pseudonymizer) = &plan.pseudonymizer {
        pseudonymizer
            .protect(&mut subjects)
            .map_err(stage_error("pseudonymizing"))?;
    }
    // The subject Parquet is written beside the summaries and the tables, which read the
    // frame, not the file.
    std::thread::scope(|scope| {
        let writing =
            scope.spawn(|| outputs::write_parquet(&subjects, &plan.out.join(files::SUBJECTS)));
        if run.provenance.on_bad_rows == OnBadRows::Skip {
            let text_kept = plan.pseudonymizer.is_none();
            outputs::write_rejected(
                &run.provenance.rejected,
                &plan.out.join(files::REJECTED),
                text_kept,
            )?;
        }
        let mut summary = summarise(run, &outcomes, subjects.height() as u64, data_quality)?;
        clock.mark("summaries");
        // The tables are queries over the frames written to Parquet (the same queries over
        // the files give the same tables: `clearstat report`).
        let tables = RunTables {
            convictions: run.text(run.convictions),
            subjects: subjects.clone().lazy(),
        };
        report::publish(
            &plan.out,
            tables,
            &mut summary,
            &plan.publish,
            &mut |stage| clock.mark(stage),
        )?;
        writing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        clock.mark("subject Parquet (the part after the rest)");
        Ok(summary)
    })
}

/// The run's `summary.json` (its population baseline added when published), and gogen's
/// summary written beside the gogen CSVs.
fn summarise(
    run: &Decided,
    outcomes: &DataFrame,
    subjects: u64,
    data_quality: Vec<QualityCount>,
) -> Result<Summary, RunError> {
    let (plan, decided) = (run.plan, run.decided);
    let rows = RowAccounting::new(run.provenance.files.clone());
    let gogen_summary = GogenSummary::new(
        &plan.county,
        rows.rows_accepted,
        decided,
        outcomes,
        run.scenarios,
        &plan.gogen_options,
    )
    .map_err(stage_error("summarising"))?;
    if run.gogen_written {
        write_json(
            &plan.out.join(files::GOGEN).join(files::GOGEN_SUMMARY),
            &gogen_summary,
            false,
        )?;
    }
    let (prop64, prop64_in_county) = prop64_counts(decided).map_err(stage_error("counting"))?;
    Ok(Summary {
        clearstat_version: env!("CARGO_PKG_VERSION").into(),
        county: plan.county.clone(),
        compute_at: plan.compute_at.format("%Y-%m-%d").to_string(),
        flow: plan.flow.name.clone(),
        flow_rules: plan.flow.describe(),
        on_bad_rows: run.provenance.on_bad_rows,
        encoding: run.provenance.encoding,
        prepared_input: run.prepared.map(|p| p.display().to_string()),
        gogen_bundle: run.gogen_written,
        rows,
        convictions: decided.height() as u64,
        subjects,
        prop64_convictions: prop64,
        prop64_convictions_in_county: prop64_in_county,
        gogen: gogen_summary,
        data_quality,
        min_cell: plan.publish.min_cell,
        suppression_check: None,
        left_out_as_of: run.left_out.clone(),
        population: None,
        pseudonymized: plan.pseudonymizer.is_some(),
        birth_year_only: plan
            .pseudonymizer
            .as_ref()
            .is_some_and(Pseudonymizer::birth_year_only),
    })
}

fn write_json(path: &Path, value: &impl serde::Serialize, pretty: bool) -> Result<(), RunError> {
    let text = if pretty {
        serde_json::to_string_pretty(value).map(|t| t + "\n")
    } else {
        serde_json::to_string(value)
    }
    .map_err(|e| OutputError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(outputs::write_text(path, &text)?)
}

fn count_where(frame: &DataFrame, condition: Expr) -> Result<u64, RunError> {
    frame
        .clone()
        .lazy()
        .select([condition.sum().cast(DataType::UInt64).alias("n")])
        .collect()
        .and_then(|df| Ok(df.column("n")?.u64()?.get(0).unwrap_or(0)))
        .map_err(stage_error("counting"))
}

fn rows_per_file(records: &DataFrame, files: usize) -> Result<Vec<usize>, RunError> {
    let counts = records
        .clone()
        .lazy()
        .group_by([col(FILE_INDEX)])
        .agg([len().cast(DataType::UInt64).alias("rows")])
        .select([col(FILE_INDEX).cast(DataType::UInt64), col("rows")])
        .collect()
        .map_err(stage_error("counting rows"))?;
    let mut per_file = vec![0; files];
    let column = |name| counts.column(name).and_then(|c| c.u64().cloned());
    let (index, rows) = (column(FILE_INDEX), column("rows"));
    let (index, rows) = index
        .and_then(|i| Ok((i, rows?)))
        .map_err(stage_error("counting rows"))?;
    for (i, n) in index.iter().zip(rows.iter()) {
        if let (Some(i), Some(n)) = (i, n)
            && let Some(slot) = per_file.get_mut(i as usize)
        {
            *slot = n as usize;
        }
    }
    Ok(per_file)
}

fn prop64_counts(convictions: &DataFrame) -> PolarsResult<(u64, u64)> {
    let in_county = col(facts::IN_COUNTY);
    let counts = convictions
        .clone()
        .lazy()
        .select([
            col(c::IS_PROP64).sum().cast(DataType::UInt64).alias("all"),
            col(c::IS_PROP64)
                .and(in_county)
                .sum()
                .cast(DataType::UInt64)
                .alias("county"),
        ])
        .collect()?;
    let get =
        |name: &str| -> PolarsResult<u64> { Ok(counts.column(name)?.u64()?.get(0).unwrap_or(0)) };
    Ok((get("all")?, get("county")?))
}

/// `county` must be `ALL`, one of the 58 counties, or one of the `in_data`.
fn check_county(county: &str, in_data: &[String]) -> Result<(), RunError> {
    let known = population::county_names();
    if county == "ALL" || known.contains(&county) || in_data.iter().any(|c| c == county) {
        return Ok(());
    }
    let mut candidates: Vec<&str> = known.clone();
    candidates.extend(in_data.iter().map(String::as_str));
    Err(RunError::UnknownCounty {
        county: county.to_string(),
        hint: crate::suggest::near_matches(county, &candidates),
    })
}

/// Rows typed at a time before they are reduced to convictions and facts: large enough that
/// the per-batch work costs little, small enough that memory does not grow with the file and
/// that a file of a million rows is reduced while it is read, not after (padded 1M: 5-7%
/// faster than batches of 2^20 rows, 36-50 MB more at the peak; BENCHMARKS.md, session 14).
const BATCH_ROWS: usize = 1 << 18;

/// Rows settled at a time: `--batch-rows`, else [`BATCH_ROWS`].
fn batch_rows(options: &IngestOptions) -> usize {
    options.batch_rows.unwrap_or(BATCH_ROWS)
}

/// What [`read_research_files`] makes of research files.
pub struct ReadFiles {
    /// What a run decides from (settled when asked: see [`Settle`]).
    pub tables: Prepared,
    /// When settled, what the as-of date left out.
    pub left_out: Option<LeftOut>,
    /// What the gogen bundle needs of the rows read, when asked for.
    pub gogen_rows: Option<gogen::ReadRows>,
    pub provenance: Provenance,
    /// The time each part of each batch reduced beside the reading took.
    pub reduced_beside: Vec<StageTime>,
}

/// Checks, parses and normalizes research files into what a run decides from, in one pass:
/// each frame of rows is typed while the next is read, and each batch of whole subjects is
/// reduced to its convictions and facts (and, with `settle`, to its decisions as of a date).
/// Should a subject's rows be found in two batches (files not grouped by subject), the files
/// are read again and reduced at once. With `gogen_rows`, the rows the gogen bundle needs
/// are kept. `mark` is told when each part ends.
pub fn read_research_files(
    inputs: &[PathBuf],
    options: &IngestOptions,
    settle: Option<&Settle>,
    gogen_rows: bool,
    mark: &mut dyn FnMut(&'static str),
) -> Result<ReadFiles, RunError> {
    let batch_rows = batch_rows(options);
    let read = |batch_rows, mark: &mut dyn FnMut(&'static str)| {
        read_in_batches(inputs, options, (batch_rows, settle, gogen_rows), mark)
    };
    match read(batch_rows, mark)? {
        Some(read) => Ok(read),
        None => read(usize::MAX, mark)?.ok_or_else(|| {
            stage_error("building the conviction table")(PolarsError::ComputeError(
                "a subject split between batches of one".into(),
            ))
        }),
    }
}

/// [`read_research_files`] in batches of `batch_rows`; None when a subject's rows were
/// split between batches.
fn read_in_batches(
    inputs: &[PathBuf],
    options: &IngestOptions,
    (batch_rows, settle, gogen_rows): (usize, Option<&Settle>, bool),
    mark: &mut dyn FnMut(&'static str),
) -> Result<Option<ReadFiles>, RunError> {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let normalizing = stage_error("reading and normalizing the input rows");
    let mut records = normalize::RecordsBuilder::in_batches(batch_rows);
    std::thread::scope(|scope| {
        let mut reduced = Reduced::new(&names, settle.copied(), gogen_rows, scope);
        let ingested =
            ingest::read(
                inputs,
                options,
                &ingest::layout::READ_COLUMNS,
                |raw| match records.push(raw).map_err(&normalizing)? {
                    Some(batch) => reduced.push(batch, mark),
                    None => Ok(()),
                },
            )?;
        let mut reduced = reduced.finish(records.finish().map_err(&normalizing)?, mark)?;
        if reduced.tables.split_subject {
            return Ok(None);
        }
        ingested.reconcile(&reduced.rows_per_file)?;
        let (tables, left_out) = reduced
            .tables
            .finish()
            .map_err(stage_error("building the conviction table"))?;
        let provenance = Provenance::new(
            options.on_bad_rows,
            options.encoding,
            ingested.files,
            ingested.rejected,
        );
        Ok(Some(ReadFiles {
            tables,
            left_out,
            gogen_rows: reduced
                .gogen_rows
                .map(|possible_other_charges| gogen::ReadRows {
                    possible_other_charges,
                    rows_in_file: reduced.rows_per_file,
                }),
            provenance,
            reduced_beside: std::mem::take(&mut reduced.times_beside),
        }))
    })
}

/// What the batches of typed rows are reduced to. A batch is reduced on a thread of its own
/// while the next is read and typed, and the last beside the one before it: reduced on the
/// main thread, each batch held up the reading, and the last ones were reduced after it with
/// a core partly idle (docs/threads.md).
struct Reduced<'a, 'scope> {
    tables: prepared::PreparedBuilder<'a>,
    /// File, line and "Possible Other P64 Charges" of the rows where that cell is not empty,
    /// for the gogen bundle, when `keep_gogen_rows`.
    gogen_rows: Option<DataFrame>,
    keep_gogen_rows: bool,
    rows_per_file: Vec<usize>,
    scope: &'scope std::thread::Scope<'scope, 'a>,
    /// The batch being reduced beside the reading.
    beside: Option<std::thread::ScopedJoinHandle<'scope, Result<BatchDone, RunError>>>,
    /// The time each part of each batch reduced beside took.
    times_beside: Vec<StageTime>,
}

/// A batch reduced, with the time each part took.
struct BatchDone {
    tables: prepared::ReducedBatch,
    rows_per_file: Vec<usize>,
    gogen_rows: Option<DataFrame>,
    times: Vec<StageTime>,
}

impl<'a, 'scope> Reduced<'a, 'scope> {
    fn new(
        files: &'a [String],
        settle: Option<Settle<'a>>,
        keep_gogen_rows: bool,
        scope: &'scope std::thread::Scope<'scope, 'a>,
    ) -> Self {
        Reduced {
            tables: prepared::PreparedBuilder::new(files, settle),
            gogen_rows: None,
            keep_gogen_rows,
            rows_per_file: vec![0; files.len()],
            scope,
            beside: None,
            times_beside: Vec::new(),
        }
    }

    /// Starts reducing `batch` beside the reading, once the batch before it is added
    /// (nothing more once a subject was found split: the files will be read again).
    fn push(
        &mut self,
        batch: DataFrame,
        mark: &mut dyn FnMut(&'static str),
    ) -> Result<(), RunError> {
        mark("read and normalize");
        let Some(batch) = self.number(batch)? else {
            return Ok(());
        };
        self.add_beside()?;
        mark("waiting for the batch beside");
        let reduce = self.reduce_fn();
        self.beside = Some(self.scope.spawn(move || {
            let mut clock = Stopwatch::new();
            let mut done = reduce(batch, &mut |stage| clock.mark(stage))?;
            done.times = clock.stages;
            Ok(done)
        }));
        Ok(())
    }

    /// Reduces the last batch here, beside the one before it, and adds both.
    fn finish(
        mut self,
        batch: DataFrame,
        mark: &mut dyn FnMut(&'static str),
    ) -> Result<Self, RunError> {
        mark("read and normalize");
        let last = match self.number(batch)? {
            Some(batch) => Some(self.reduce_fn()(batch, mark)?),
            None => None,
        };
        self.add_beside()?;
        mark("waiting for the batch beside");
        if let Some(last) = last {
            self.add(last)?;
        }
        Ok(self)
    }

    /// `batch` numbered, or None once a subject was found split.
    fn number(&mut self, batch: DataFrame) -> Result<Option<DataFrame>, RunError> {
        if self.tables.split_subject {
            return Ok(None);
        }
        let batch = self
            .tables
            .number(batch)
            .map_err(stage_error("numbering the subjects"))?;
        Ok((!self.tables.split_subject).then_some(batch))
    }

    /// What reduces a numbered batch, on any thread.
    fn reduce_fn(
        &self,
    ) -> impl FnOnce(DataFrame, &mut dyn FnMut(&'static str)) -> Result<BatchDone, RunError>
    + Send
    + use<'a> {
        let (reducer, files) = (self.tables.reducer(), self.rows_per_file.len());
        let keep_gogen_rows = self.keep_gogen_rows;
        move |batch, mark| {
            let reducing = stage_error("building the conviction table");
            let rows_per_file = rows_per_file(&batch, files)?;
            let gogen_rows = match keep_gogen_rows {
                true => Some(possible_other_charges(&batch).map_err(&reducing)?),
                false => None,
            };
            Ok(BatchDone {
                tables: reducer.reduce(batch, mark).map_err(&reducing)?,
                rows_per_file,
                gogen_rows,
                times: Vec::new(),
            })
        }
    }

    /// Waits for the batch reduced beside, if any, and adds it.
    fn add_beside(&mut self) -> Result<(), RunError> {
        let Some(reducing) = self.beside.take() else {
            return Ok(());
        };
        let mut done = reducing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        self.times_beside.append(&mut done.times);
        self.add(done)
    }

    /// Adds a reduced batch below the batches before it.
    fn add(&mut self, done: BatchDone) -> Result<(), RunError> {
        for (all, n) in self.rows_per_file.iter_mut().zip(done.rows_per_file) {
            *all += n;
        }
        let reducing = stage_error("building the conviction table");
        if let Some(rows) = done.gogen_rows {
            normalize::stack(&mut self.gogen_rows, rows).map_err(&reducing)?;
        }
        self.tables.add(done.tables).map_err(&reducing)
    }
}

/// File, line and "Possible Other P64 Charges" of the rows of `batch` where that cell is not
/// empty (most rows' is), the texts as categories: 4 bytes a row.
fn possible_other_charges(batch: &DataFrame) -> PolarsResult<DataFrame> {
    let possible = col(c::GOGEN_POSSIBLE_OTHER_CHARGES);
    batch
        .select([FILE_INDEX, SOURCE_LINE, c::GOGEN_POSSIBLE_OTHER_CHARGES])?
        .lazy()
        .filter(possible.clone().neq(lit("")))
        .with_column(possible.cast(normalize::conviction::categorical()))
        .collect()
}

/// `clearstat ingest`: reads research files once and writes their typed rows and provenance
/// to the prepared input `out`, which later runs read in their place.
pub fn prepare(
    inputs: &[PathBuf],
    options: &IngestOptions,
    out: &Path,
    force: bool,
) -> Result<Provenance, RunError> {
    if let Some(path) = inputs.iter().find(|path| prepared::is_prepared(path)) {
        return Err(IngestError::Prepared {
            path: path.clone(),
            problem: "already a prepared input".into(),
        }
        .into());
    }
    if out.exists() && !force {
        return Err(OutputError::Exists {
            path: out.to_path_buf(),
        }
        .into());
    }
    let read = read_research_files(inputs, options, None, false, &mut |_| {})?;
    prepared::write(out, &read.tables, &read.provenance)?;
    Ok(read.provenance)
}

/// The prepared input among `inputs`, if one is (it must then be the only input).
fn prepared_input(inputs: &[PathBuf]) -> Result<Option<&Path>, RunError> {
    match inputs.iter().find(|path| prepared::is_prepared(path)) {
        Some(path) if inputs.len() > 1 => {
            Err(IngestError::PreparedWithOthers { path: path.clone() }.into())
        }
        found => Ok(found.map(PathBuf::as_path)),
    }
}

/// The data-quality lines of what the as-of date left out.
fn as_of_quality(left_out: &LeftOut) -> [QualityCount; 3] {
    use ingest::layout::{col, name};
    [
        QualityCount {
            column: name(col::STP_EVENT_DATE).into(),
            issue: "conviction dated after the as-of date (--compute-at): left out".into(),
            rows: left_out.convictions,
        },
        QualityCount {
            column: name(col::STP_EVENT_DATE).into(),
            issue: "first PC 290 registration dated after the as-of date: not counted".into(),
            rows: left_out.pc290_registrations,
        },
        QualityCount {
            column: name(col::STP_EVENT_DATE).into(),
            issue: "death record dated after the as-of date: not counted".into(),
            rows: left_out.deaths,
        },
    ]
}
