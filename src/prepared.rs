//! What a run decides from, and the prepared input that stores it.
//!
//! A run makes from the typed rows a [`Prepared`]: the conviction table with the facts the
//! rules look at, the subject table, the counties the rows name and their data-quality
//! counts, a batch of whole subjects at a time ([`PreparedBuilder`]). None of it depends on a
//! run's options (county, date, flow), so `clearstat ingest` writes it, with the row
//! accounting of the files it came from (rejected rows included), to a prepared input, and a
//! run from that starts at the as-of date and the decisions and reports exactly what a run
//! from the files would. A run from the files settles each batch as it comes ([`Settle`]).
//!
//! The prepared input is one Parquet file holding both tables side by side: the conviction
//! table's columns under their own names, the subject table's under `subjects.NAME`, the
//! shorter table padded with nulls to the height of the longer. The file's key-value
//! metadata holds the provenance, the counties, the data-quality counts and each table's
//! height. Subjects are keyed by their number in order of first appearance, so the file does
//! not depend on thread timing.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::date_lit;
use crate::eligibility::{self, Scenario, facts, held};
use crate::ingest::{Encoding, FileAccount, IngestError, OnBadRows, RejectedRow};
use crate::normalize::quality::{self, QualityCount};
use crate::normalize::{self, columns as c, conviction, subject};
use crate::outputs::{self, OutputError};

/// What a run decides from (both tables keyed by [`c::SUBJECT_KEY`]).
#[derive(Clone)]
pub struct Prepared {
    /// [`conviction::table`] with the [`facts`] that do not depend on the county.
    pub convictions: DataFrame,
    /// [`subject::table`]: one row per subject, in the order of their first row. Made when
    /// first collected (a run from the research files makes it beside the gogen bundle).
    pub subjects: LazyFrame,
    /// The counties the rows name, sorted.
    pub counties: Vec<String>,
    /// [`quality::count`] of the typed rows.
    pub data_quality: Vec<QualityCount>,
}

/// What a run from research files settles a batch at a time, so that no stage holds every
/// conviction twice: the as-of date (the county for what it leaves out) and the flows that
/// decide ([`Prepared::as_of`], [`eligibility::decide`]). A prepared input, which serves
/// every date and flow, is stored unsettled; the run that reads it settles it the same way
/// ([`Prepared::settle`]).
#[derive(Clone, Copy)]
pub struct Settle<'a> {
    pub as_of: NaiveDate,
    pub county: &'a str,
    pub scenarios: &'a [Scenario],
}

/// Builds a [`Prepared`] from typed rows pushed in batches of whole subjects: each batch is
/// reduced to its convictions and its subjects' facts as it comes (and settled, for a run),
/// so the typed rows of one batch at a time are held, not all of them.
pub struct PreparedBuilder<'a> {
    files: &'a [String],
    settle: Option<Settle<'a>>,
    counties: std::collections::BTreeSet<String>,
    data_quality: Vec<QualityCount>,
    /// The subjects' facts, or, once settled, the subject table.
    subjects: Option<DataFrame>,
    /// The conviction table, or, once settled, the decided convictions.
    convictions: Option<DataFrame>,
    left_out: LeftOut,
    /// Numbers the subjects of every batch (in order of first appearance, so a batch's key
    /// below the count before it is a subject found in an earlier batch).
    keys: normalize::SubjectKeys,
    /// True once a subject was found in two batches: the batches' facts would be wrong.
    pub split_subject: bool,
}

impl<'a> PreparedBuilder<'a> {
    /// `files` names the input files in command-line order.
    pub fn new(files: &'a [String], settle: Option<Settle<'a>>) -> Self {
        PreparedBuilder {
            files,
            settle,
            counties: Default::default(),
            data_quality: Vec::new(),
            subjects: None,
            convictions: None,
            left_out: LeftOut::default(),
            keys: Default::default(),
            split_subject: false,
        }
    }

    /// Reduces `records`, typed rows none of whose subjects has rows in an earlier batch
    /// (else [`Self::split_subject`] is set). `mark` is told when each part ends.
    pub fn push(
        &mut self,
        records: DataFrame,
        mark: &mut dyn FnMut(&'static str),
    ) -> PolarsResult<()> {
        let records = self.number(records)?;
        let batch = self.reducer().reduce(records, mark)?;
        self.add(batch)
    }

    /// `records` with their subjects numbered, the one step of a batch that must see the
    /// batches before it; sets [`Self::split_subject`] when a subject has rows in an earlier
    /// batch.
    pub fn number(&mut self, records: DataFrame) -> PolarsResult<DataFrame> {
        let known = self.keys.numbered();
        let records = self.keys.add(records)?;
        let first_key = records.column(c::SUBJECT_KEY)?.u32()?.min();
        if first_key.is_some_and(|key| (key as usize) < known) {
            self.split_subject = true;
        }
        Ok(records)
    }

    /// What reduces a numbered batch, on any thread.
    pub fn reducer(&self) -> BatchReducer<'a> {
        BatchReducer {
            files: self.files,
            settle: self.settle,
        }
    }

    /// Adds a reduced batch below the batches added before it.
    pub fn add(&mut self, batch: ReducedBatch) -> PolarsResult<()> {
        self.counties.extend(batch.counties);
        match self.data_quality.is_empty() {
            true => self.data_quality = batch.data_quality,
            false => {
                for (sum, line) in self.data_quality.iter_mut().zip(batch.data_quality) {
                    sum.rows += line.rows;
                }
            }
        }
        self.left_out.add(&batch.left_out);
        stack_batch(
            (&mut self.subjects, &mut self.convictions),
            (batch.subjects, batch.convictions),
        )
    }

    /// The tables of every batch pushed and, when settled, what the as-of date left out:
    /// the conviction table is then the decided convictions.
    pub fn finish(mut self) -> PolarsResult<(Prepared, Option<LeftOut>)> {
        if self.convictions.is_none() {
            // No batch: an empty one gives every column its type.
            let records = DataFrame::empty_with_schema(&*normalize::records_schema()?);
            self.push(records, &mut |_| {})?;
        }
        let (Some(convictions), Some(subjects)) = (self.convictions, self.subjects) else {
            polars_bail!(ComputeError: "no batch was reduced");
        };
        let (subjects, left_out) = match self.settle {
            Some(_) => (subjects.lazy(), Some(self.left_out)),
            None => (
                subject::table(subjects.lazy(), convictions.clone().lazy()),
                None,
            ),
        };
        let prepared = Prepared {
            convictions,
            subjects,
            counties: self.counties.into_iter().collect(),
            data_quality: self.data_quality,
        };
        Ok((prepared, left_out))
    }
}

/// Reduces one batch of numbered rows (of whole subjects) to its tables. It needs nothing
/// of the other batches, so a batch can be reduced while the next is read.
#[derive(Clone, Copy)]
pub struct BatchReducer<'a> {
    files: &'a [String],
    settle: Option<Settle<'a>>,
}

/// One batch reduced, for [`PreparedBuilder::add`].
pub struct ReducedBatch {
    counties: Vec<String>,
    data_quality: Vec<QualityCount>,
    /// The subjects' facts, or, settled, their subject table.
    subjects: DataFrame,
    /// The conviction table, or, settled, the decided convictions.
    convictions: DataFrame,
    left_out: LeftOut,
}

impl BatchReducer<'_> {
    /// The batch's counties, data-quality counts, subjects and convictions (settled when
    /// asked). `mark` is told when each part ends.
    pub fn reduce(
        self,
        records: DataFrame,
        mark: &mut dyn FnMut(&'static str),
    ) -> PolarsResult<ReducedBatch> {
        let counties = records.column(c::COUNTY)?.drop_nulls().unique()?;
        let counties = counties.cast(&DataType::String)?;
        let counties = counties.str()?.iter().flatten().map(String::from).collect();
        let data_quality = quality::count(records.clone().lazy())?;
        mark("county, data quality");
        let subject_facts = subject::facts(records.clone().lazy()).collect()?;
        let convictions = conviction::table(records, subject_facts.clone().lazy(), self.files)?;
        // Settled, the facts are added once the as-of date has left out what it does.
        let convictions = match &self.settle {
            None => facts::add(convictions)?,
            Some(_) => convictions.collect()?,
        };
        mark("conviction table");
        let (subjects, convictions, left_out) = match &self.settle {
            None => (subject_facts, convictions, LeftOut::default()),
            Some(settle) => {
                // The facts in place of the subject table, which the date makes again.
                let batch = Prepared {
                    subjects: subject_facts.lazy(),
                    convictions,
                    counties: Vec::new(),
                    data_quality: Vec::new(),
                };
                batch.settle_batch(settle, mark)?
            }
        };
        Ok(ReducedBatch {
            counties,
            data_quality,
            subjects,
            convictions,
            left_out,
        })
    }
}

impl Prepared {
    /// From the typed rows of [`normalize::records`] (taken: they are let go of as soon as
    /// the conviction table has what it needs). `files` names the input files in
    /// command-line order; `mark` is told when each part ends.
    pub fn from_records(
        records: DataFrame,
        files: &[String],
        mark: &mut dyn FnMut(&'static str),
    ) -> PolarsResult<Prepared> {
        let mut builder = PreparedBuilder::new(files, None);
        builder.push(records, mark)?;
        Ok(builder.finish()?.0)
    }

    /// Settled as a run from the research files settles them ([`Settle`]), a batch of about
    /// `batch_rows` convictions of whole subjects at a time, so that no stage holds every
    /// conviction twice (at 10M rows, a rerun from a prepared input peaked at 2.58 GB settled
    /// at once, 2.09 GB in batches). Batches are cut only when the subject keys never
    /// decrease down the conviction table (as they do in a prepared input of files grouped
    /// by subject), so that the rows keep their order; else all at once. The conviction
    /// table is then the decided convictions, and the subject table collected.
    pub fn settle(
        self,
        settle: &Settle,
        batch_rows: usize,
        mark: &mut dyn FnMut(&'static str),
    ) -> PolarsResult<(Prepared, LeftOut)> {
        let keys = self.convictions.column(c::SUBJECT_KEY)?.u32()?.clone();
        let starts = batch_starts(&keys, batch_rows);
        let Prepared {
            mut convictions,
            subjects: all_subjects,
            counties,
            data_quality,
        } = self;
        // Several batches each take their subjects from the table collected once; one takes
        // it as it is.
        let several = starts.len() > 1;
        let all_subjects = match several {
            true => all_subjects.collect()?.lazy(),
            false => all_subjects,
        };
        let (mut subjects, mut decided) = (None, None);
        let mut left_out = LeftOut::default();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(keys.len());
            let mut theirs = all_subjects.clone();
            if several {
                // The subjects whose keys fall from this batch's first to the next batch's.
                let key = col(c::SUBJECT_KEY);
                let first = if i == 0 { 0 } else { key_at(&keys, start)? };
                let mut range = key.clone().gt_eq(lit(first));
                if end < keys.len() {
                    range = range.and(key.lt(lit(key_at(&keys, end)?)));
                }
                theirs = theirs.filter(range);
            }
            // One batch takes the table itself, so that it is let go of once settled.
            let rows = match several {
                true => convictions.slice(start as i64, end - start),
                false => std::mem::take(&mut convictions),
            };
            let batch = Prepared {
                convictions: rows,
                subjects: theirs,
                counties: Vec::new(),
                data_quality: Vec::new(),
            };
            let (batch_subjects, batch_decided, batch_left_out) =
                batch.settle_batch(settle, mark)?;
            left_out.add(&batch_left_out);
            stack_batch(
                (&mut subjects, &mut decided),
                (batch_subjects, batch_decided),
            )?;
        }
        let (Some(subjects), Some(decided)) = (subjects, decided) else {
            polars_bail!(ComputeError: "no batch was settled");
        };
        let settled = Prepared {
            convictions: decided,
            subjects: subjects.lazy(),
            counties,
            data_quality,
        };
        Ok((settled, left_out))
    }

    /// A batch of whole subjects as of the date, decided, its texts held: its subject table,
    /// its decided convictions and what the date left out.
    fn settle_batch(
        self,
        settle: &Settle,
        mark: &mut dyn FnMut(&'static str),
    ) -> PolarsResult<(DataFrame, DataFrame, LeftOut)> {
        let (batch, left_out) = self.as_of(settle.as_of, settle.county)?;
        let subjects = batch.subjects.collect()?;
        mark("as of");
        let decided = eligibility::decide(
            batch.convictions.lazy(),
            settle.scenarios,
            settle.county,
            settle.as_of,
        )?
        .collect()?;
        let decided = held::hold(decided, &held::columns(settle.scenarios))?;
        mark("decide");
        Ok((subjects, decided, left_out))
    }

    /// The records as they stood on `as_of`: a conviction dated after it is left out (a
    /// conviction without a readable date stays), and so are a PC 290 registration and a
    /// death first dated after it; the facts and the subject table are made again without
    /// them (a conviction table without its facts gets them here; its subjects may then be
    /// their [`subject::facts`] rather than their table: only [`subject::KEPT_FACTS`] are
    /// read). Returns what was left out (`county`: the county under review, upper case, or
    /// `ALL`).
    pub fn as_of(self, as_of: NaiveDate, county: &str) -> PolarsResult<(Prepared, LeftOut)> {
        let (left_out, registered_later, died_later) = self.left_out(as_of, county)?;
        let has_facts = self
            .convictions
            .schema()
            .contains(facts::SUBJECT_CONVICTIONS);
        if left_out == LeftOut::default() && has_facts {
            return Ok((self, left_out));
        }
        let after = |date: &str| col(date).gt(date_lit(as_of)).fill_null(lit(false));
        let conviction_after = after(c::CONVICTION_DATE);
        // An event dated later has not happened yet: its flag off, its date unknown.
        let not_yet = |flag: &str, date: &str| {
            [
                col(flag).and(after(date).not()).alias(flag),
                when(after(date))
                    .then(lit(NULL).cast(DataType::Date))
                    .otherwise(col(date))
                    .alias(date),
            ]
        };
        let columns = self.convictions.schema().clone();
        let without_facts = self
            .convictions
            .lazy()
            .filter(conviction_after.not())
            .with_columns(not_yet(
                c::SUBJECT_HAS_PC290_REGISTRATION,
                c::FIRST_PC290_REGISTRATION_DATE,
            ))
            .with_columns(not_yet(c::SUBJECT_IS_DECEASED, c::DEATH_DATE))
            .drop(by_name(facts::columns(), false, false));
        let convictions = facts::add(without_facts)?;
        if has_facts && convictions.schema().iter_names().ne(columns.iter_names()) {
            polars_bail!(SchemaMismatch: "the facts made again are not the prepared ones");
        }
        let mut subject_facts = self.subjects.select(subject::KEPT_FACTS.map(col));
        for (flag, later) in [
            (c::HAS_PC290_REGISTRATION, registered_later),
            (c::IS_DECEASED, died_later),
        ] {
            subject_facts = subject_facts
                .join(
                    later.lazy(),
                    [col(c::SUBJECT_KEY)],
                    [col(c::SUBJECT_KEY)],
                    normalize::ordered_join(JoinType::Left),
                )
                .with_column(
                    col(flag)
                        .and(col(LATER).fill_null(lit(false)).not())
                        .alias(flag),
                )
                .drop(by_name([LATER], true, false));
        }
        let subjects = subject::table(subject_facts, convictions.clone().lazy());
        let prepared = Prepared {
            convictions,
            subjects,
            ..self
        };
        Ok((prepared, left_out))
    }

    /// What [`Prepared::as_of`] leaves out, with the people whose registration and whose
    /// death are dated later (their keys, and a [`LATER`] column).
    fn left_out(
        &self,
        as_of: NaiveDate,
        county: &str,
    ) -> PolarsResult<(LeftOut, DataFrame, DataFrame)> {
        let after = |date: &str| col(date).gt(date_lit(as_of)).fill_null(lit(false));
        let prop64_after = after(c::CONVICTION_DATE).and(col(c::IS_PROP64));
        let counted = self
            .convictions
            .clone()
            .lazy()
            .select([
                after(c::CONVICTION_DATE).sum().alias("all"),
                prop64_after.clone().sum().alias("prop64"),
                prop64_after
                    .and(facts::in_county(county))
                    .sum()
                    .alias("in_county"),
            ])
            .collect()?;
        let count = |i: usize| -> PolarsResult<u64> {
            let column = counted.select_at_idx(i).expect("three columns");
            Ok(column.cast(&DataType::UInt64)?.u64()?.get(0).unwrap_or(0))
        };
        // The conviction table carries each person's first dates.
        let later = |date: &str| -> PolarsResult<DataFrame> {
            self.convictions
                .clone()
                .lazy()
                .filter(after(date))
                .select([col(c::SUBJECT_KEY), lit(true).alias(LATER)])
                .unique(None, UniqueKeepStrategy::First)
                .collect()
        };
        let (registered_later, died_later) = (
            later(c::FIRST_PC290_REGISTRATION_DATE)?,
            later(c::DEATH_DATE)?,
        );
        let left_out = LeftOut {
            convictions: count(0)?,
            prop64_convictions: count(1)?,
            prop64_convictions_in_county: count(2)?,
            pc290_registrations: registered_later.height() as u64,
            deaths: died_later.height() as u64,
        };
        Ok((left_out, registered_later, died_later))
    }

    /// The columns and types of the two tables.
    pub fn schemas() -> PolarsResult<(SchemaRef, SchemaRef)> {
        let records = DataFrame::empty_with_schema(&*normalize::records_schema()?);
        // One file name: with none, the lookup of `source_file` would keep its index type.
        let empty = Prepared::from_records(records, &[String::new()], &mut |_| {})?;
        Ok((
            empty.convictions.schema().clone(),
            empty.subjects.collect()?.schema().clone(),
        ))
    }
}

/// What an as-of date left out of a run ([`Prepared::as_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LeftOut {
    /// Convictions dated after the as-of date, all counties, all offences.
    pub convictions: u64,
    /// Of those, Prop 64 convictions.
    pub prop64_convictions: u64,
    /// Of those, in the county under review: the convictions the review would otherwise hold.
    pub prop64_convictions_in_county: u64,
    /// People with a conviction whose first PC 290 registration is dated after the as-of
    /// date.
    pub pc290_registrations: u64,
    /// People with a conviction whose death record is dated after the as-of date.
    pub deaths: u64,
}

impl LeftOut {
    /// Adds what another batch left out.
    fn add(&mut self, other: &LeftOut) {
        self.convictions += other.convictions;
        self.prop64_convictions += other.prop64_convictions;
        self.prop64_convictions_in_county += other.prop64_convictions_in_county;
        self.pc290_registrations += other.pc290_registrations;
        self.deaths += other.deaths;
    }
}

/// A person's event is dated after the as-of date (a work column).
const LATER: &str = "later";

/// The metadata key the provenance is stored under.
const KEY: &str = "clearstat.prepared";
/// The layout written; a run refuses any other (5: the charge texts and file name stored as
/// categories).
const FORMAT: u32 = 5;
/// The prefix of the subject table's columns.
const SUBJECTS: &str = "subjects.";

/// What the metadata holds besides the provenance.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    provenance: Provenance,
    counties: Vec<String>,
    /// [`quality::count`]'s rows, in order.
    data_quality: Vec<u64>,
    /// The heights of the two tables.
    convictions: usize,
    subjects: usize,
}

/// Where the rows came from and how they were read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    pub format: u32,
    pub clearstat_version: String,
    pub on_bad_rows: OnBadRows,
    pub encoding: Encoding,
    /// Every research file read, with its SHA-256 and row accounting.
    pub files: Vec<FileAccount>,
    pub rejected: Vec<RejectedRow>,
}

impl Provenance {
    /// The provenance of rows read now by this clearstat.
    pub fn new(
        on_bad_rows: OnBadRows,
        encoding: Encoding,
        files: Vec<FileAccount>,
        rejected: Vec<RejectedRow>,
    ) -> Self {
        Provenance {
            format: FORMAT,
            clearstat_version: env!("CARGO_PKG_VERSION").to_string(),
            on_bad_rows,
            encoding,
            files,
            rejected,
        }
    }
}

/// True when `path` starts as a Parquet file does (research files are text).
pub fn is_prepared(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PAR1"
}

/// Writes `prepared` and its provenance to `path` (readable by its owner only).
pub fn write(path: &Path, prepared: &Prepared, provenance: &Provenance) -> Result<(), OutputError> {
    let failed = |message: String| OutputError::Write {
        path: path.to_path_buf(),
        message,
    };
    let polars_failed = |e: PolarsError| failed(crate::redact::polars_message(&e));
    let subjects = prepared.subjects.clone().collect().map_err(polars_failed)?;
    let stored = Stored {
        provenance: provenance.clone(),
        counties: prepared.counties.clone(),
        data_quality: prepared.data_quality.iter().map(|q| q.rows).collect(),
        convictions: prepared.convictions.height(),
        subjects: subjects.height(),
    };
    let text = serde_json::to_string(&stored).map_err(|e| failed(e.to_string()))?;
    let frame = side_by_side(&prepared.convictions, &subjects).map_err(polars_failed)?;
    outputs::write_parquet_with_metadata(&frame, path, vec![(KEY.to_string(), text)])
}

/// The two tables in one frame, subjects numbered in order of first appearance.
fn side_by_side(convictions: &DataFrame, subjects: &DataFrame) -> PolarsResult<DataFrame> {
    let number = subjects
        .select([c::SUBJECT_KEY])?
        .with_row_index("number".into(), None)?
        .lazy()
        .select([col(c::SUBJECT_KEY), col("number").cast(DataType::UInt32)]);
    let numbered = |frame: &DataFrame| -> PolarsResult<Column> {
        let numbers = frame
            .select([c::SUBJECT_KEY])?
            .lazy()
            .join(
                number.clone(),
                [col(c::SUBJECT_KEY)],
                [col(c::SUBJECT_KEY)],
                normalize::ordered_join(JoinType::Left),
            )
            .collect()?;
        Ok(numbers
            .column("number")?
            .clone()
            .with_name(c::SUBJECT_KEY.into()))
    };
    let height = convictions.height().max(subjects.height());
    let padded = |column: Column, name: String| -> PolarsResult<Column> {
        let mut series = column.take_materialized_series().with_name(name.into());
        let missing = height - series.len();
        if missing > 0 {
            series.append(&Series::full_null(
                series.name().clone(),
                missing,
                series.dtype(),
            ))?;
        }
        Ok(series.into_column())
    };
    let mut columns = Vec::with_capacity(convictions.width() + subjects.width());
    for (frame, prefix) in [(convictions, ""), (subjects, SUBJECTS)] {
        let keys = numbered(frame)?;
        for column in frame.columns() {
            let column = match column.name().as_str() {
                c::SUBJECT_KEY => keys.clone(),
                _ => column.clone(),
            };
            let name = format!("{prefix}{}", column.name());
            columns.push(padded(column, name)?);
        }
    }
    DataFrame::new(height, columns)
}

/// Reads a prepared input: its tables (checked against the columns this clearstat makes)
/// and their provenance.
pub fn read(path: &Path) -> Result<(Prepared, Provenance), IngestError> {
    let problem = |problem: String| IngestError::Prepared {
        path: path.to_path_buf(),
        problem,
    };
    let file = File::open(path).map_err(|source| IngestError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = ParquetReader::new(file);
    let stored = stored_metadata(&mut reader, &problem)?;
    let data_quality = quality::from_rows(&stored.data_quality)
        .ok_or_else(|| problem("its provenance cannot be read".into()))?;
    let polars_problem = |e: PolarsError| problem(crate::redact::polars_message(&e));
    // The columns this clearstat makes (an empty run through the stages) are found beside
    // the read.
    let (frame, schemas) = std::thread::scope(|scope| {
        let schemas = scope.spawn(Prepared::schemas);
        let frame = reader.finish();
        let schemas = schemas
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (frame, schemas)
    });
    let frame = frame.map_err(polars_problem)?;
    let (conviction_schema, subject_schema) = schemas.map_err(polars_problem)?;
    let not_ours = |detail: String| {
        problem(format!(
            "its columns are not those clearstat {} makes ({detail})",
            env!("CARGO_PKG_VERSION")
        ))
    };
    let expected = conviction_schema.len() + subject_schema.len();
    if frame.width() != expected {
        return Err(not_ours(format!(
            "{} columns, expected {expected}",
            frame.width()
        )));
    }
    let table = |schema: &Schema, prefix: &str, height: usize| {
        stored_table(&frame, (schema, prefix, height), &not_ours, &polars_problem)
    };
    let prepared = Prepared {
        convictions: table(&conviction_schema, "", stored.convictions)?,
        subjects: table(&subject_schema, SUBJECTS, stored.subjects)?.lazy(),
        counties: stored.counties,
        data_quality,
    };
    Ok((prepared, stored.provenance))
}

/// What `clearstat ingest` stored in the file's metadata, if this clearstat reads its layout.
fn stored_metadata(
    reader: &mut ParquetReader<File>,
    problem: &dyn Fn(String) -> IngestError,
) -> Result<Stored, IngestError> {
    let metadata = reader
        .get_metadata()
        .map_err(|e| problem(format!("not a readable Parquet file ({e})")))?;
    let text = metadata
        .key_value_metadata()
        .as_ref()
        .and_then(|pairs| pairs.iter().find(|pair| pair.key == KEY))
        .and_then(|pair| pair.value.clone())
        .ok_or_else(|| problem("a Parquet file, but not one `clearstat ingest` wrote".into()))?;
    let unreadable = || problem("its provenance cannot be read".into());
    // The layout first: an older one has other fields.
    let written: serde_json::Value = serde_json::from_str(&text).map_err(|_| unreadable())?;
    if written["format"] != FORMAT {
        return Err(problem(format!(
            "written by clearstat {} in layout {}; this clearstat reads layout {FORMAT}",
            written["clearstat_version"].as_str().unwrap_or("?"),
            written["format"]
        )));
    }
    serde_json::from_value(written).map_err(|_| unreadable())
}

/// One table of the stored `frame`: the columns of `schema` stored under `prefix`, cut to
/// `height`, under their own names; a column missing or of another type is `not_ours`.
fn stored_table(
    frame: &DataFrame,
    (schema, prefix, height): (&Schema, &str, usize),
    not_ours: &dyn Fn(String) -> IngestError,
    polars_problem: &dyn Fn(PolarsError) -> IngestError,
) -> Result<DataFrame, IngestError> {
    let mut columns = Vec::with_capacity(schema.len());
    for (name, dtype) in schema.iter() {
        let stored = format!("{prefix}{name}");
        let column = frame
            .column(&stored)
            .map_err(|_| not_ours(format!("column {stored} missing")))?;
        if column.dtype() != dtype || column.len() < height {
            return Err(not_ours(format!(
                "column {stored}: {}, expected {dtype}",
                column.dtype()
            )));
        }
        let mut column = column.slice(0, height).with_name(name.clone());
        if name == c::SUBJECT_KEY {
            let key = normalize::marked_if_sorted(column.take_materialized_series());
            column = key.map_err(polars_problem)?.into_column();
        }
        columns.push(column);
    }
    DataFrame::new(height, columns).map_err(polars_problem)
}

/// A batch's subject and conviction tables below those of the batches before, each one
/// chunk alike in every column (else Polars copies to line them up).
fn stack_batch(
    (subjects, convictions): (&mut Option<DataFrame>, &mut Option<DataFrame>),
    (mut batch_subjects, mut batch_convictions): (DataFrame, DataFrame),
) -> PolarsResult<()> {
    batch_subjects.rechunk_mut();
    batch_convictions.rechunk_mut();
    normalize::stack(subjects, batch_subjects)?;
    normalize::stack(convictions, batch_convictions)?;
    Ok(())
}

/// Where batches of about `batch_rows` rows of whole subjects start in a table with `keys`
/// (subject keys): the first row, then the first row of a subject past each `batch_rows`.
/// Only the first row when the keys ever decrease (a subject's rows may be apart).
fn batch_starts(keys: &UInt32Chunked, batch_rows: usize) -> Vec<usize> {
    let mut starts = vec![0];
    if !normalize::never_decreases(keys) {
        return starts;
    }
    let values: Vec<u32> = keys.into_no_null_iter().collect();
    let mut next = batch_rows.max(1);
    while next < values.len() {
        let key = values[next - 1];
        match values[next..].iter().position(|&k| k != key) {
            Some(more) => {
                starts.push(next + more);
                next += more + batch_rows.max(1);
            }
            None => break,
        }
    }
    starts
}

fn key_at(keys: &UInt32Chunked, row: usize) -> PolarsResult<u32> {
    keys.get(row)
        .ok_or_else(|| polars_err!(ComputeError: "a conviction without a subject key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::layout::{COLUMNS, READ_COLUMNS, col as doj};
    use crate::ingest::{FILE_INDEX, SOURCE_LINE};

    /// Typed rows of the subjects `ids`, one row each.
    fn rows_of(ids: &[&str]) -> DataFrame {
        let mut columns: Vec<Column> = READ_COLUMNS
            .iter()
            .map(|&i| {
                let text = if i == doj::SUBJECT_ID { "" } else { "20100101" };
                Column::new(COLUMNS[i].into(), vec![text; ids.len()])
            })
            .collect();
        columns[0] = Column::new(COLUMNS[doj::SUBJECT_ID].into(), ids.to_vec());
        columns.push(Column::new(FILE_INDEX.into(), vec![0u32; ids.len()]));
        columns.push(Column::new(SOURCE_LINE.into(), vec![2u64; ids.len()]));
        normalize::records(DataFrame::new(ids.len(), columns).unwrap()).unwrap()
    }

    #[test]
    fn a_subject_found_in_two_batches_is_told() {
        let files = [String::from("in.csv")];
        let mut builder = PreparedBuilder::new(&files, None);
        builder
            .push(rows_of(&["batch-test-a", "batch-test-a"]), &mut |_| {})
            .unwrap();
        builder
            .push(rows_of(&["batch-test-b"]), &mut |_| {})
            .unwrap();
        assert!(!builder.split_subject);
        builder
            .push(rows_of(&["batch-test-c", "batch-test-a"]), &mut |_| {})
            .unwrap();
        assert!(builder.split_subject);
    }

    #[test]
    fn batches_start_where_a_subject_does_past_each_batch_of_rows() {
        let keys = |k: &[u32]| UInt32Chunked::from_slice("k".into(), k);
        let grouped = keys(&[0, 0, 1, 1, 1, 2, 3, 3]);
        assert_eq!(batch_starts(&grouped, 3), [0, 5]);
        assert_eq!(batch_starts(&grouped, 1), [0, 2, 5, 6]);
        assert_eq!(batch_starts(&grouped, 8), [0]);
        // A subject's rows apart: one batch, or the rows would change order.
        assert_eq!(batch_starts(&keys(&[0, 1, 0, 2]), 1), [0]);
    }
}
