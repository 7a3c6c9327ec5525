//! The gogen bundle: `All_Results.csv`, `All_Results_Condensed.csv`, `Prop64_Results.csv` and
//! `gogen.json`, in gogen 0.2.13's exact layout and formatting
//! (`docs/gogen-compatibility.md`), so offices that used BEAR can diff old and new.
//!
//! Deliberate differences, each a gogen bug (the README's table of differences): an unknown
//! date prints as an empty cell, not `01/01/0001` / `-1.0`; a relevant conviction no rule
//! decides still prints empty determination and reason (as gogen) but is "No determination"
//! in `convictions.parquet`; counts use the 7 years before compute-at; people are merged across input files;
//! `processingTimeInSeconds` is 0 (outputs hold no wall-clock figures).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AtomicFile, OutputError};
use crate::dates::days_since_epoch;
use crate::eligibility::determination::{DISMISSAL, NO_DETERMINATION, REDUCTION};
use crate::eligibility::impact;
use crate::eligibility::{GogenOptions, Scenario, facts};
use crate::ingest::layout::{COLUMNS, IDENTIFIERS, col as doj};
use crate::ingest::records::{Encoding, Fields, RecordCopy};
use crate::ingest::{FILE_INDEX, IngestOptions, SOURCE_LINE};
use crate::normalize::columns as c;
use crate::outputs::pseudonym::Pseudonymizer;
use crate::progress::Progress;

/// The 18 columns gogen appends, in order.
pub const ELIGIBILITY_HEADERS: [&str; 18] = [
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
];

/// The DOJ columns of the condensed layout, in order.
pub const CONDENSED: [usize; 20] = [
    doj::CII_NUMBER,
    doj::PRI_NAME,
    doj::GENDER,
    doj::PRI_DOB,
    doj::RACE_DESCR,
    doj::CYC_DATE,
    doj::STP_EVENT_DATE,
    doj::STP_ORI_DESCR,
    doj::STP_ORI_CNTY_NAME,
    doj::DISP_DATE,
    doj::OFN,
    doj::OFFENSE_DESCR,
    doj::DISP_DESCR,
    doj::CONV_STAT_DESCR,
    doj::SENT_LOC_DESCR,
    doj::SENT_LENGTH,
    doj::SENT_TIME_CODE,
    doj::CYC_AGE,
    doj::COMMENT_TEXT,
    doj::END_OF_REC,
];

/// The 18 eligibility cells of a row nothing decided, without another Prop 64 charge.
const BLANK_CELLS: &[u8] = b",,,,,,,,,,,,,,,,,\n";

/// Prefix of the formatted eligibility columns while they are joined to the raw rows.
const E: &str = "gogen_";

fn eligibility_column(i: usize) -> String {
    format!("{E}{i}")
}

/// Years from `date` to compute-at as gogen printed them (`%.1f` of days / 365.25).
fn years_since(date: Expr, compute_at: NaiveDate) -> Expr {
    let today = days_since_epoch(compute_at);
    ((lit(today) - date.cast(DataType::Int32).cast(DataType::Int64)).cast(DataType::Float64)
        / lit(365.25))
    .round(1, RoundMode::HalfToEven)
    .cast(DataType::String)
}

/// `Case Number` … `Eligibility Reason` (all but "Possible Other P64 Charges") for each
/// conviction the chosen flow decides, keyed by file and line.
fn eligibility_cells(decided: LazyFrame, chosen: &Scenario, compute_at: NaiveDate) -> LazyFrame {
    let or_dash = |name: &str| {
        when(col(name).eq(lit("")))
            .then(lit("-"))
            .otherwise(col(name))
            .fill_null(lit("-"))
    };
    let count = |name: String| col(name.as_str()).cast(DataType::String);
    let determination = col(chosen.determination_column());
    let cells = [
        col(c::CASE_NUMBER).fill_null(lit("")),
        count(facts::SUBJECT_CONVICTIONS.to_string()),
        lit(""),
        when(col(facts::IS_AFTER_PROP64))
            .then(lit("Y"))
            .otherwise(lit("N")),
        or_dash(facts::SUBJECT_SUPERSTRIKE_SECTIONS),
        or_dash(facts::SUBJECT_PC290_SECTIONS),
        when(col(c::SUBJECT_HAS_PC290_REGISTRATION))
            .then(lit("Yes"))
            .otherwise(lit("-")),
        col(c::CONVICTION_DATE).dt().strftime("%m/%d/%Y"),
        years_since(col(c::CONVICTION_DATE), compute_at),
        years_since(col(facts::SUBJECT_LAST_CONVICTION_DATE), compute_at),
        count(facts::SUBJECT_PROP64_CONVICTIONS.to_string()),
        count(facts::subject_prop64_in("11357")),
        count(facts::subject_prop64_in("11358")),
        count(facts::subject_prop64_in("11359")),
        count(facts::subject_prop64_in("11360")),
        when(col(c::SUBJECT_IS_DECEASED))
            .then(lit("Deceased"))
            .otherwise(lit("-")),
        when(determination.clone().eq(lit(NO_DETERMINATION)))
            .then(lit(""))
            .otherwise(determination),
        when(col(chosen.determination_column()).eq(lit(NO_DETERMINATION)))
            .then(lit(""))
            .otherwise(col(chosen.reason_column())),
    ];
    let mut select = vec![col(FILE_INDEX), col(SOURCE_LINE)];
    for (i, cell) in cells.into_iter().enumerate() {
        if i != 2 {
            select.push(cell.fill_null(lit("")).alias(eligibility_column(i)));
        }
    }
    decided
        .filter(col(chosen.rule_column()).is_not_null())
        .select(select)
}

/// Where the gogen bundle's rows come from, and how identifiers are written.
pub struct Source<'a> {
    /// The input files, in run order.
    pub inputs: &'a [&'a Path],
    pub ingest: &'a IngestOptions,
    /// With `--pseudonymize`: the identifier columns are replaced by keyed pseudonyms.
    pub pseudonymizer: Option<&'a Pseudonymizer>,
}

/// What the gogen bundle needs of the rows a run read, besides the rows themselves (read
/// again): how many rows of each file were accepted, and the "Possible Other P64 Charges"
/// cells that are not empty (most are).
pub struct ReadRows {
    /// File, line and "Possible Other P64 Charges" (as categories) of the rows whose cell is
    /// not empty, in input order.
    pub possible_other_charges: DataFrame,
    /// The rows accepted in each input file, in run order.
    pub rows_in_file: Vec<usize>,
}

/// Writes the three CSVs (one set per input file, `_1`, `_2`… when there are several, as
/// gogen named them) into `folder`.
///
/// Streamed: each input file is read again record by record and each output row written as
/// it is read, with the cells of the decided rows and of the rows with another possible
/// Prop 64 charge looked up by (file, line). The 95 DOJ columns are never held in memory.
/// Each input is read and split once; the full and the condensed layouts are written by
/// threads of their own (one writer alone was the last thing running at 10M rows, with the
/// other core idle).
pub fn write_csvs(
    folder: &Path,
    source: &Source,
    read: ReadRows,
    decided: LazyFrame,
    chosen: &Scenario,
    compute_at: NaiveDate,
) -> Result<(), OutputError> {
    let lookup =
        Lookup::new(read, decided, chosen, compute_at, source.pseudonymizer).map_err(|e| {
            OutputError::Write {
                path: folder.to_path_buf(),
                message: crate::redact::polars_message(&e),
            }
        })?;
    for (index, input) in source.inputs.iter().enumerate() {
        let part = if source.inputs.len() > 1 {
            format!("_{}", index + 1)
        } else {
            String::new()
        };
        let file = FilePass {
            folder,
            part: &part,
            index: index as u32,
            input,
            size: std::fs::metadata(input).map_or(0, |m| m.len()),
            // A file whose rows were all rejected has none.
            rows: lookup.rows_in_file.get(index).copied().unwrap_or(0),
        };
        let mut full = lookup.pass(source, &file, Layout::Full)?;
        let mut condensed = lookup.pass(source, &file, Layout::Condensed)?;
        let mut progress = Progress::bytes("writing gogen CSVs", file.size, source.ingest.progress);
        let streamed = crate::ingest::for_each_accepted(
            file.input,
            source.ingest.encoding,
            &mut progress,
            vec![
                Box::new(|record| full.visit(record)),
                Box::new(|record| condensed.visit(record)),
            ],
        );
        progress.finish();
        streamed.map_err(|message| OutputError::Write {
            path: full.main.path().to_path_buf(),
            message,
        })?;
        full.finish(&file)?;
        condensed.finish(&file)?;
    }
    Ok(())
}

/// The files one pass over an input writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `All_Results.csv` and `Prop64_Results.csv`: every DOJ column.
    Full,
    /// `All_Results_Condensed.csv`: the [`CONDENSED`] columns.
    Condensed,
}

/// One input file of the bundle.
struct FilePass<'a> {
    folder: &'a Path,
    /// `_1`, `_2`… when there are several input files.
    part: &'a str,
    index: u32,
    input: &'a Path,
    /// Its bytes.
    size: u64,
    /// The rows the run accepted in the file.
    rows: usize,
}

/// "Possible Other P64 Charges" of the rows kept as category codes (rechunked), and the
/// text of each code. The cell copies the comment: pseudonymized, it is treated as COMMENT_TEXT
/// is (once a text, not once a row).
fn possible_charges(
    possible: &Column,
    pseudonymizer: Option<&Pseudonymizer>,
) -> PolarsResult<(UInt32Chunked, Vec<String>)> {
    let possible = possible.cat32()?;
    let codes = possible.physical().rechunk().into_owned();
    let mut texts = Vec::new();
    for code in codes.unique()?.iter().flatten() {
        let text = possible.get_mapping().cat_to_str(code).unwrap_or_default();
        let text = match pseudonymizer {
            Some(p) => p.cell(doj::COMMENT_TEXT, text).into_owned(),
            None => text.to_string(),
        };
        if texts.len() <= code as usize {
            texts.resize(code as usize + 1, String::new());
        }
        texts[code as usize] = text;
    }
    Ok((codes, texts))
}

/// Rows keyed by (file, line), in input order, walked in step with the records read again.
struct Keyed(Vec<(u32, u64)>);

impl Keyed {
    /// From a frame's file and line columns (neither null: a null sorts first and would
    /// match no row).
    fn new(frame: &DataFrame) -> PolarsResult<Keyed> {
        let files = typed(frame, FILE_INDEX, DataType::UInt32)?;
        let lines = typed(frame, SOURCE_LINE, DataType::UInt64)?;
        let keys = files.u32()?.iter().zip(lines.u64()?.iter());
        Ok(Keyed(
            keys.map(|(f, l)| (f.unwrap_or(0), l.unwrap_or(0)))
                .collect(),
        ))
    }

    /// Where `file`'s rows start.
    fn start(&self, file: u32) -> usize {
        self.0.partition_point(|&(f, _)| f < file)
    }

    /// The row at `key`, if any, with `next` (the first row not yet passed) moved past it.
    /// A row passed by without being found was not read again: the file has changed.
    fn find(&self, next: &mut usize, key: (u32, u64)) -> Result<Option<usize>, String> {
        match self.0.get(*next) {
            Some(&row) if row == key => {
                *next += 1;
                Ok(Some(*next - 1))
            }
            Some(&row) if row < key => Err(changed(row.1)),
            _ => Ok(None),
        }
    }

    /// An error if `file` has rows from `next` on: rows the run read, not read again.
    fn finished(&self, next: usize, file: u32) -> Result<(), String> {
        match self.0.get(next) {
            Some(&(f, line)) if f == file => Err(changed(line)),
            _ => Ok(()),
        }
    }
}

fn changed(line: u64) -> String {
    format!(
        "line {line}: the rows read again do not match the rows decided (was the file \
         changed during the run?)"
    )
}

/// The eligibility cells of the decided rows as they are written (CSV-encoded, with the
/// line end), one row after another, "Possible Other P64 Charges" left out: it is every
/// row's own. At 10M rows, 17 text columns took three times the memory.
struct DecidedCells {
    bytes: Vec<u8>,
    /// Where each row's cells end in `bytes` (a row starts where the one before ends).
    ends: Vec<usize>,
    /// Where "Possible Other P64 Charges" goes in each row (after the row's second comma).
    gaps: Vec<u32>,
}

impl DecidedCells {
    /// From the cells of [`eligibility_cells`], in its row order.
    fn new(cells: &DataFrame, pseudonymizer: Option<&Pseudonymizer>) -> PolarsResult<Self> {
        let mut columns = (0..ELIGIBILITY_HEADERS.len())
            .map(|i| match i {
                2 => Ok(None),
                _ => Ok(Some(
                    cells.column(eligibility_column(i).as_str())?.str()?.iter(),
                )),
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        let rows = cells.height();
        let mut encoded = DecidedCells {
            // About 96 bytes a row (dates, counts, a determination and its reason).
            bytes: Vec::with_capacity(rows * 96),
            ends: Vec::with_capacity(rows),
            gaps: Vec::with_capacity(rows),
        };
        let bytes = &mut encoded.bytes;
        for _ in 0..rows {
            let start = bytes.len();
            for (i, column) in columns.iter_mut().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                let Some(values) = column else {
                    encoded.gaps.push((bytes.len() - start) as u32);
                    continue;
                };
                let value = values.next().flatten().unwrap_or("");
                match pseudonymizer.filter(|_| i == 0) {
                    // "Case Number" lists OFNs: each becomes its pseudonym.
                    Some(p) => encode_field(bytes, &p.pseudonym_list(value)),
                    None => encode_field(bytes, value),
                }
            }
            bytes.push(b'\n');
            encoded.ends.push(bytes.len());
        }
        Ok(encoded)
    }

    /// Row `row`'s cells with `other` as its "Possible Other P64 Charges", into `line`.
    fn write(&self, row: usize, other: &str, line: &mut Vec<u8>) {
        let start = row.checked_sub(1).map_or(0, |before| self.ends[before]);
        let gap = start + self.gaps[row] as usize;
        line.extend_from_slice(&self.bytes[start..gap]);
        encode_field(line, other);
        line.extend_from_slice(&self.bytes[gap..self.ends[row]]);
    }
}

/// What every pass looks up row by row, in input order.
struct Lookup {
    /// The decided rows, with their cells.
    decided: Keyed,
    cells: DecidedCells,
    /// The rows with another possible Prop 64 charge, and its text (as a code into
    /// `possible_texts`).
    possible: Keyed,
    possible_codes: UInt32Chunked,
    possible_texts: Vec<String>,
    rows_in_file: Vec<usize>,
}

/// The decided rows in file and line order, and their eligibility cells.
fn decided_cells(
    decided: LazyFrame,
    chosen: &Scenario,
    compute_at: NaiveDate,
    pseudonymizer: Option<&Pseudonymizer>,
) -> PolarsResult<(Keyed, DecidedCells)> {
    // In file and line order, as the rows are read again: the two are walked side by side
    // (a map of millions of rows cost more per lookup the more rows it held).
    let cells = eligibility_cells(decided, chosen, compute_at)
        .sort([FILE_INDEX, SOURCE_LINE], SortMultipleOptions::default())
        .collect()?;
    Ok((
        Keyed::new(&cells)?,
        DecidedCells::new(&cells, pseudonymizer)?,
    ))
}

impl Lookup {
    fn new(
        read: ReadRows,
        decided: LazyFrame,
        chosen: &Scenario,
        compute_at: NaiveDate,
        pseudonymizer: Option<&Pseudonymizer>,
    ) -> PolarsResult<Lookup> {
        let (decided, cells) = decided_cells(decided, chosen, compute_at, pseudonymizer)?;
        let possible = &read.possible_other_charges;
        let cell = possible.column(c::GOGEN_POSSIBLE_OTHER_CHARGES)?;
        let (possible_codes, possible_texts) = possible_charges(cell, pseudonymizer)?;
        Ok(Lookup {
            decided,
            cells,
            possible: Keyed::new(possible)?,
            possible_codes,
            possible_texts,
            rows_in_file: read.rows_in_file,
        })
    }

    /// Starts the files of `layout` for `file` (their header written).
    fn pass<'a>(
        &'a self,
        source: &'a Source,
        file: &FilePass,
        layout: Layout,
    ) -> Result<Pass<'a>, OutputError> {
        let name = |stem: &str| file.folder.join(format!("{stem}{}.csv", file.part));
        // `All_Results` (a row of every row read, a little larger than the input) goes
        // straight to the device: the kernel's copy into fresh page-cache pages was the
        // largest cost of the bundle's writing threads (perf, padded 1M: 1.54 of their 3.3
        // CPU-s). On a slow device (a spinning disk) the thread waits for it instead.
        let all_results = |stem: &str| AtomicFile::create_large(&name(stem));
        let (mut main, mut prop64) = match layout {
            Layout::Full => (
                all_results("All_Results")?,
                Some(AtomicFile::create(&name("Prop64_Results"))?),
            ),
            Layout::Condensed => (all_results("All_Results_Condensed")?, None),
        };
        let mut line = Vec::with_capacity(8192);
        match layout {
            Layout::Full => encode_record(
                &mut line,
                COLUMNS.iter().chain(ELIGIBILITY_HEADERS.iter()).copied(),
            ),
            Layout::Condensed => encode_record(
                &mut line,
                CONDENSED
                    .iter()
                    .map(|&i| COLUMNS[i])
                    .chain(ELIGIBILITY_HEADERS.iter().copied()),
            ),
        }
        for out in std::iter::once(&mut main).chain(prop64.as_mut()) {
            out.writer()
                .write_all(&line)
                .map_err(|e| write_failed(out.path(), e))?;
        }
        Ok(Pass {
            lookup: self,
            source,
            layout,
            index: file.index,
            main,
            prop64,
            rows: 0,
            next_decided: self.decided.start(file.index),
            next_possible: self.possible.start(file.index),
            line,
            cells: Vec::with_capacity(256),
            fields: Fields::default(),
            pseudonyms: Pseudonyms::new(source.pseudonymizer),
        })
    }
}

/// The files of one layout for one input file, written row by row as the input is read
/// again.
struct Pass<'a> {
    lookup: &'a Lookup,
    source: &'a Source<'a>,
    layout: Layout,
    index: u32,
    main: AtomicFile,
    /// `Prop64_Results.csv` (decided rows only), with the full layout.
    prop64: Option<AtomicFile>,
    /// The records read so far.
    rows: usize,
    /// The first decided row, and the first row with another possible charge, not yet
    /// passed.
    next_decided: usize,
    next_possible: usize,
    line: Vec<u8>,
    /// The eligibility cells of the current row, encoded.
    cells: Vec<u8>,
    fields: Fields,
    pseudonyms: Pseudonyms<'a>,
}

impl Pass<'_> {
    /// Writes the row of `record`. About 80 lines, kept in one piece: the per-row step of
    /// the bundle (find the row's cells, then write it as the file has it or re-encoded).
    fn visit(&mut self, record: &RecordCopy) -> Result<(), String> {
        let lookup = self.lookup;
        let key = (self.index, record.line);
        self.rows += 1;
        let decided = lookup.decided.find(&mut self.next_decided, key)?;
        let other = lookup.possible.find(&mut self.next_possible, key)?;
        let other = other
            .and_then(|row| lookup.possible_codes.get(row))
            .map(|code| lookup.possible_texts[code as usize].as_str());
        self.cells.clear();
        match (decided, other.unwrap_or("")) {
            // Most rows: nothing decided, no other Prop 64 charge.
            (None, "") => self.cells.extend_from_slice(BLANK_CELLS),
            (None, other) => {
                let cells = (0..ELIGIBILITY_HEADERS.len()).map(|i| if i == 2 { other } else { "" });
                encode_record(&mut self.cells, cells);
            }
            (Some(row), other) => lookup.cells.write(row, other, &mut self.cells),
        }
        let io = |e: std::io::Error| e.to_string();
        let encoding = self.source.ingest.encoding;
        let as_is =
            self.source.pseudonymizer.is_none() && written_as_is(record, encoding, self.layout);
        let line = &mut self.line;
        line.clear();
        match (self.layout, as_is) {
            (Layout::Full, true) => {
                // Most rows: the file's own bytes are what Go's writer would write.
                let row = [record.bytes.as_slice(), b",", &self.cells];
                write_parts(self.main.writer(), &row).map_err(io)?;
                if let Some(prop64) = self.prop64.as_mut().filter(|_| decided.is_some()) {
                    write_parts(prop64.writer(), &row).map_err(io)?;
                }
                return Ok(());
            }
            (Layout::Condensed, true) => {
                for &i in &CONDENSED {
                    line.extend_from_slice(record.raw_field(i));
                    line.push(b',');
                }
            }
            (_, false) => {
                self.fields.split(&record.bytes, encoding);
                self.pseudonyms.prepare(&self.fields);
                let columns: &mut dyn Iterator<Item = usize> = match self.layout {
                    Layout::Full => &mut (0..self.fields.len()),
                    Layout::Condensed => &mut CONDENSED.iter().copied(),
                };
                let (fields, pseudonyms) = (&self.fields, &self.pseudonyms);
                encode_record(line, columns.map(|i| pseudonyms.field(fields, i)));
                // The record's line end becomes the separator before the cells.
                line.pop();
                line.push(b',');
            }
        }
        line.extend_from_slice(&self.cells);
        self.main.writer().write_all(line).map_err(io)?;
        match self.prop64.as_mut().filter(|_| decided.is_some()) {
            Some(prop64) => prop64.writer().write_all(line).map_err(io),
            None => Ok(()),
        }
    }

    /// Moves the finished files into place, once the rows read again were the rows of the
    /// run (`file`).
    fn finish(self, file: &FilePass) -> Result<(), OutputError> {
        let lookup = self.lookup;
        let all_read = match self.rows == file.rows {
            true => lookup
                .decided
                .finished(self.next_decided, file.index)
                .and_then(|()| lookup.possible.finished(self.next_possible, file.index)),
            false => Err(format!(
                "{} rows read again, {} when the run read them (was the file changed during \
                 the run?)",
                self.rows, file.rows
            )),
        };
        all_read.map_err(|message| OutputError::Write {
            path: self.main.path().to_path_buf(),
            message,
        })?;
        self.main.finish()?;
        self.prop64.map_or(Ok(()), AtomicFile::finish)
    }
}

/// The fields of the current row as `--pseudonymize` writes them. Rows of one person follow
/// each other in DOJ files, so an identifier's pseudonym is computed again only when its
/// value changes from the row before.
struct Pseudonyms<'a> {
    pseudonymizer: Option<&'a Pseudonymizer>,
    /// (value, pseudonym) per [`IDENTIFIERS`] column, from the last row that had it.
    current: Vec<(String, String)>,
}

impl<'a> Pseudonyms<'a> {
    fn new(pseudonymizer: Option<&'a Pseudonymizer>) -> Self {
        Pseudonyms {
            pseudonymizer,
            current: vec![(String::new(), String::new()); IDENTIFIERS.len()],
        }
    }

    fn prepare(&mut self, fields: &Fields) {
        let Some(pseudonymizer) = self.pseudonymizer else {
            return;
        };
        for (slot, &column) in self.current.iter_mut().zip(&IDENTIFIERS) {
            let value = fields.get(column);
            if slot.0 != value || slot.1.is_empty() != value.is_empty() {
                *slot = (value.to_string(), pseudonymizer.pseudonym(value));
            }
        }
    }

    fn field<'f>(&'f self, fields: &'f Fields, i: usize) -> Cow<'f, str> {
        let Some(pseudonymizer) = self.pseudonymizer else {
            return Cow::Borrowed(fields.get(i));
        };
        match IDENTIFIERS.binary_search(&i) {
            Ok(slot) => Cow::Borrowed(&self.current[slot].1),
            Err(_) => pseudonymizer.cell(i, fields.get(i)),
        }
    }
}

/// Writes `parts` one after the other.
fn write_parts(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    parts.iter().try_for_each(|part| out.write_all(part))
}

/// A column of `frame` as `dtype`.
fn typed(frame: &DataFrame, name: &str, dtype: DataType) -> PolarsResult<Column> {
    frame.column(name)?.cast(&dtype)
}

fn write_failed(path: &Path, e: std::io::Error) -> OutputError {
    OutputError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One CSV record as Go's `csv.Writer` writes it (docs/gogen-compatibility.md), appended to `line`.
fn encode_record<S: AsRef<str>>(line: &mut Vec<u8>, fields: impl Iterator<Item = S>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(b',');
        }
        encode_field(line, field.as_ref());
    }
    line.push(b'\n');
}

/// One field as Go's CSV writer writes it.
fn encode_field(line: &mut Vec<u8>, field: &str) {
    if needs_quotes(field) {
        line.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(field.as_bytes());
    }
}

/// True when Go's writer would write every field `layout` takes from `record` as the file
/// has it (the case of almost every row), and nothing is to be transcoded.
fn written_as_is(record: &RecordCopy, encoding: Encoding, layout: Layout) -> bool {
    if encoding != Encoding::Utf8 && !record.bytes.is_ascii() {
        return false;
    }
    let returns = record.holds_return();
    let as_is = |i| field_written_as_is(record.raw_field(i), returns);
    if layout == Layout::Condensed {
        // Only its own fields are written: a padded row's 75 others need no look.
        return CONDENSED.iter().all(|&i| as_is(i));
    }
    let bytes = record.bytes.as_slice();
    if !returns && memchr::memchr(b'"', bytes).is_none() {
        // No field is quoted (almost every row): only each field's first bytes matter.
        return record.field_starts().all(|at| match bytes.get(at..) {
            None | Some([] | [b',', ..]) => true,
            Some([b'\\', b'.'] | [b'\\', b'.', b',', ..]) => false,
            Some(field) => starts_with(field, false),
        });
    }
    // Padded rows: most fields are a quoted value that starts with a space (DOJ's `"  -  "`),
    // which Go quotes too; two bytes settle each of those.
    record
        .field_starts()
        .enumerate()
        .all(|(i, at)| bytes.get(at..at + 2) == Some(b"\" ") || as_is(i))
}

/// True when `text` starts with an ASCII character that is (`space`) or is not white space.
fn starts_with(text: &[u8], space: bool) -> bool {
    text.first()
        .is_some_and(|&b| b.is_ascii() && (b as char).is_whitespace() == space)
}

/// True when Go's writer quotes a field exactly when the file did, the same way: a quoted
/// field whose value must be quoted, or an unquoted one whose value must not. (Doubled
/// quotes are the one way to write a quote in either.) A non-ASCII first character is left
/// to [`needs_quotes`], which knows Unicode white space. `returns`: whether the row holds a
/// carriage return anywhere ([`RecordCopy::holds_return`]).
fn field_written_as_is(raw: &[u8], returns: bool) -> bool {
    let has_return = |text| returns && memchr::memchr(b'\r', text).is_some();
    match raw {
        [] => true,
        [b'"', inner @ .., b'"'] => {
            inner == br"\."
                || starts_with(inner, true)
                || memchr::memchr3(b',', b'"', b'\n', inner).is_some()
                || has_return(inner)
        }
        _ => raw != br"\." && starts_with(raw, false) && !has_return(raw),
    }
}

fn needs_quotes(field: &str) -> bool {
    let Some(first) = field.chars().next() else {
        return false;
    };
    field == r"\."
        || first.is_whitespace()
        || field
            .bytes()
            .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// gogen's summary (docs/gogen-compatibility.md), computed correctly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GogenSummary {
    pub county: String,
    pub earliest_conviction: Option<String>,
    pub line_count: u64,
    pub processing_time_in_seconds: u64,
    pub relief_with_current_eligibility_choices: BTreeMap<String, u64>,
    pub relief_with_dismiss_all_prop64: BTreeMap<String, u64>,
    pub prop64_convictions_count_in_county_by_code_section: BTreeMap<String, u64>,
    pub subjects_with_prop64_conviction_count_in_county: u64,
    pub prop64_felony_convictions_count_in_county: u64,
    pub prop64_non_felony_convictions_count_in_county: u64,
    pub subjects_with_some_relief_count: u64,
    pub conviction_dismissal_count_by_code_section: BTreeMap<String, u64>,
    pub conviction_reduction_count_by_code_section: BTreeMap<String, u64>,
    pub conviction_dismissal_count_by_additional_relief: BTreeMap<String, u64>,
}

fn relief(outcomes: &DataFrame, s: &Scenario) -> PolarsResult<BTreeMap<String, u64>> {
    let sum = |name: String| -> PolarsResult<u64> {
        outcomes
            .column(name.as_str())?
            .as_materialized_series()
            .sum::<u64>()
    };
    Ok(BTreeMap::from([
        (
            "CountSubjectsNoConviction".into(),
            sum(impact::no_conviction_left(s))?,
        ),
        (
            "CountSubjectsNoConvictionLast7Years".into(),
            sum(impact::no_conviction_last_7_years(s))?,
        ),
        (
            "CountSubjectsNoFelony".into(),
            sum(impact::no_felony_left(s))?,
        ),
    ]))
}

/// Counts of `key` values over the frame, as a sorted map.
fn count_by(frame: &DataFrame, key: &str) -> PolarsResult<BTreeMap<String, u64>> {
    let counts = frame
        .clone()
        .lazy()
        .group_by([col(key)])
        .agg([len().cast(DataType::UInt64).alias("n")])
        .collect()?;
    let keys = counts.column(key)?.cast(&DataType::String)?;
    let n = counts.column("n")?.u64()?.clone();
    Ok(keys
        .str()?
        .iter()
        .zip(n.iter())
        .filter_map(|(k, n)| Some((k?.to_string(), n?)))
        .collect())
}

/// The county's Prop 64 convictions, only the columns the summary counts (a filter of every
/// column copied gigabytes at 10M rows).
fn prop64_in_county(decided: &DataFrame, chosen: &Scenario) -> PolarsResult<DataFrame> {
    decided
        .clone()
        .lazy()
        .filter(col(facts::IN_COUNTY).and(col(c::IS_PROP64)))
        .select([
            col(c::CONVICTION_DATE),
            col(c::IS_FELONY),
            col(c::SUBJECT_ID),
            col(c::PROP64_SECTION),
            col(chosen.determination_column()),
            col(chosen.reason_column()),
        ])
        .collect()
}

/// For each of `sections`, the count of the reason `{verb} all HS {section} convictions`.
fn per_section(
    sections: &[String],
    counts: &BTreeMap<String, u64>,
    verb: &str,
) -> BTreeMap<String, u64> {
    sections
        .iter()
        .map(|s| {
            let reason = format!("{verb} all HS {s} convictions");
            (s.clone(), counts.get(&reason).copied().unwrap_or(0))
        })
        .collect()
}

impl GogenSummary {
    /// Computes the summary from the decided convictions and the per-subject outcomes.
    pub fn new(
        county: &str,
        line_count: u64,
        decided: &DataFrame,
        outcomes: &DataFrame,
        scenarios: &[Scenario],
        options: &GogenOptions,
    ) -> PolarsResult<GogenSummary> {
        let chosen = &scenarios[0];
        let in_county = prop64_in_county(decided, chosen)?;
        let earliest = in_county
            .column(c::CONVICTION_DATE)?
            .as_materialized_series()
            .date()?
            .as_date_iter()
            .flatten()
            .min()
            .map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
        let felonies = in_county.column(c::IS_FELONY)?.bool()?.sum().unwrap_or(0) as u64;
        let people = in_county.column(c::SUBJECT_ID)?.n_unique()? as u64;
        let by = |d: &str| -> PolarsResult<BTreeMap<String, u64>> {
            let with = in_county
                .clone()
                .lazy()
                .filter(col(chosen.determination_column()).eq(lit(d.to_string())))
                .collect()?;
            count_by(&with, chosen.reason_column().as_str())
        };
        let (dismissals, reductions) = (by(DISMISSAL)?, by(REDUCTION)?);
        Ok(GogenSummary {
            county: county.to_string(),
            earliest_conviction: earliest,
            line_count,
            processing_time_in_seconds: 0,
            relief_with_current_eligibility_choices: relief(outcomes, chosen)?,
            relief_with_dismiss_all_prop64: relief(outcomes, &scenarios[1])?,
            prop64_convictions_count_in_county_by_code_section: count_by(
                &in_county,
                c::PROP64_SECTION,
            )?,
            subjects_with_prop64_conviction_count_in_county: people,
            prop64_felony_convictions_count_in_county: felonies,
            prop64_non_felony_convictions_count_in_county: in_county.height() as u64 - felonies,
            subjects_with_some_relief_count: outcomes
                .column(impact::some_relief(chosen).as_str())?
                .bool()?
                .sum()
                .unwrap_or(0) as u64,
            conviction_dismissal_count_by_code_section: per_section(
                &options.dismiss,
                &dismissals,
                "Dismiss",
            ),
            conviction_reduction_count_by_code_section: per_section(
                &options.reduce,
                &reductions,
                "Reduce",
            ),
            conviction_dismissal_count_by_additional_relief: dismissals
                .into_iter()
                .filter(|(reason, _)| {
                    !reason.starts_with("Dismiss all HS") && reason != "Misdemeanor or Infraction"
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::records::Records;

    /// The rows looked up are found as the records are read again, file by file; one passed
    /// by, or left at the end of its file, means the file is not the one the run read.
    #[test]
    fn rows_looked_up_are_each_found_once_in_order() {
        let keyed = Keyed(vec![(0, 2), (0, 5), (1, 3)]);
        let walk = |file: u32, lines: &[u64]| -> Result<Vec<Option<usize>>, String> {
            let mut next = keyed.start(file);
            let found = lines
                .iter()
                .map(|&line| keyed.find(&mut next, (file, line)))
                .collect::<Result<Vec<_>, _>>()?;
            keyed.finished(next, file)?;
            Ok(found)
        };
        assert_eq!(
            walk(0, &[2, 3, 4, 5]),
            Ok(vec![Some(0), None, None, Some(1)])
        );
        assert_eq!(walk(1, &[1, 3, 4]), Ok(vec![None, Some(2), None]));
        assert_eq!(walk(2, &[1]), Ok(vec![None]));
        let passed = walk(0, &[2, 6]).expect_err("line 5 passed by");
        assert!(passed.starts_with("line 5: "), "{passed}");
        let left = walk(0, &[2, 4]).expect_err("line 5 never read");
        assert!(left.starts_with("line 5: "), "{left}");
    }

    #[test]
    fn blank_cells_are_eighteen_empty_fields() {
        let mut line = Vec::new();
        encode_record(&mut line, [""; ELIGIBILITY_HEADERS.len()].into_iter());
        assert_eq!(line, BLANK_CELLS);
    }

    #[test]
    fn rows_written_as_is_are_what_go_would_write() {
        let fields = [
            "",
            "x",
            " x",
            "\"\"",
            "\"a,b\"",
            "\"ab\"",
            "\" a\"",
            "\"a\"\"b\"",
            "\"a\nb\"",
            "\\.",
            "\\.x",
            "\\",
            "\"\\.\"",
            "a\rb",
            "\"a\rb\"",
            "\u{a0}x",
            "\"\u{a0}x\"",
            "é",
            "\"é,\"",
            "\t",
            "\"\t\"",
            "\u{b}x",
        ];
        // The field first, in the middle (outside and inside the condensed layout) and last.
        let cases = fields
            .iter()
            .flat_map(|raw| [0, 50, doj::OFN, 94].map(|at| (*raw, at)));
        for (raw, at) in cases {
            let mut row = vec!["y"; crate::ingest::layout::FIELD_COUNT];
            row[at] = raw;
            let text = row.join(",");
            let mut records = Records::new(text.as_bytes(), 1);
            let record = records.next_record(Encoding::Utf8).unwrap().unwrap();
            assert_eq!(record.verdict, Ok(()), "{raw:?} at {at}");
            let mut copy = RecordCopy::default();
            copy.copy_from(&record);
            let mut fields = Fields::default();
            fields.split(&copy.bytes, Encoding::Utf8);
            for layout in [Layout::Full, Layout::Condensed] {
                let columns: Vec<usize> = match layout {
                    Layout::Full => (0..fields.len()).collect(),
                    Layout::Condensed => CONDENSED.to_vec(),
                };
                let mut go = Vec::new();
                encode_record(&mut go, columns.iter().map(|&i| fields.get(i)));
                let raw_fields: Vec<&[u8]> = columns.iter().map(|&i| copy.raw_field(i)).collect();
                let as_go = go.strip_suffix(b"\n") == Some(raw_fields.join(&b","[..]).as_slice());
                // As is only where Go writes the same; and plain rows never go the slow way.
                let as_is = written_as_is(&copy, Encoding::Utf8, layout);
                assert!(!as_is || as_go, "{raw:?} at {at}, {layout:?}");
                if as_go && raw.is_ascii() {
                    assert!(as_is, "{raw:?} at {at}, {layout:?}");
                }
            }
        }
    }
}
