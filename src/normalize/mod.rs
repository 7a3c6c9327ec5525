//! Normalize: raw DOJ rows → typed rows with gogen's meaning (`docs/doj-research-file.md`;
//! gogen's bugs fixed), then the conviction table and the subject table.
//!
//! Decisions are Polars expressions over whole columns; the loops over records here are the
//! date parser, the lookups of distinct texts (`by_distinct`) and the case numbers
//! ([`conviction`]), each a measured speed-up.

pub mod charge;
pub mod columns;
pub mod conviction;
pub mod offense;
pub mod quality;
pub mod subject;

use polars::prelude::*;
use polars::series::IsSorted;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::ingest::layout::{COLUMNS, LAYOUT, READ_COLUMNS, Reading, col as doj};
use crate::ingest::{FILE_INDEX, SOURCE_LINE};
use columns as c;

fn raw(index: usize) -> Expr {
    col(COLUMNS[index])
}

/// The trimmed text of a column read as written (a [`Reading::Text`] column has lost its
/// blanks and placeholders already).
fn trimmed(index: usize) -> Expr {
    debug_assert_eq!(
        LAYOUT[index].reading,
        Reading::AsWritten,
        "{}",
        COLUMNS[index]
    );
    raw(index).str().strip_chars(lit(NULL))
}

/// Trimmed text, null when blank or a `-` placeholder (`"  -  "` in DOJ extracts).
fn text(index: usize) -> Expr {
    match LAYOUT[index].reading {
        Reading::Text => raw(index),
        _ => trimmed_or_null(raw(index)),
    }
}

/// [`text`] of any string expression.
fn trimmed_or_null(text: Expr) -> Expr {
    let t = text.str().strip_chars(lit(NULL));
    when(t.clone().eq(lit("")).or(t.clone().eq(lit("-"))))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(t)
}

/// A join of `how` that keeps the order of the left rows (outputs must not depend on the
/// order threads finish in).
pub fn ordered_join(how: JoinType) -> JoinArgs {
    JoinArgs {
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(how)
    }
}

/// One typed row per accepted input row (all step types: arrests, court actions, registrations,
/// deaths), from the raw rows of [`crate::ingest::read`]. The only columns kept are those later
/// stages use.
pub fn records(raw_rows: DataFrame) -> PolarsResult<DataFrame> {
    let mut records = RecordsBuilder::default();
    records.push(raw_rows)?;
    records.finish()
}

/// Builds [`records`] a frame of raw rows at a time, as [`crate::ingest::read`] hands them on:
/// each frame is typed on arrival (the charge texts kept as categoricals), and the charges
/// are looked up, for their distinct texts, when rows are handed on.
///
/// [`RecordsBuilder::in_batches`] hands the rows on in batches of whole subjects: research
/// files come grouped by subject, so a run can reduce each batch to its convictions and
/// facts instead of holding every typed row (at 10M rows, 2.5 GB).
pub struct RecordsBuilder {
    typed: Option<DataFrame>,
    rows: IdxSize,
    /// Rows from which a batch is handed on; `usize::MAX`: all at the end.
    batch_rows: usize,
}

impl Default for RecordsBuilder {
    fn default() -> Self {
        Self::in_batches(usize::MAX)
    }
}

impl RecordsBuilder {
    /// A builder that hands rows on once `batch_rows` are typed, cut where a subject's rows
    /// end (a subject's rows are never split between two batches, so far as they follow
    /// each other).
    pub fn in_batches(batch_rows: usize) -> Self {
        RecordsBuilder {
            typed: None,
            rows: 0,
            batch_rows: batch_rows.max(1),
        }
    }

    /// Types `raw_rows`, the rows that follow those pushed before; returns a batch of typed
    /// rows when one is complete.
    pub fn push(&mut self, raw_rows: DataFrame) -> PolarsResult<Option<DataFrame>> {
        let height = raw_rows.height() as IdxSize;
        let typed = typed(raw_rows, self.rows)?;
        self.rows += height;
        let all = stack(&mut self.typed, typed)?;
        if all.height() < self.batch_rows {
            return Ok(None);
        }
        // The last subject's rows may go on in the next frame: they wait for it.
        let cut = last_subject_start(all.column(c::SUBJECT_ID)?.str()?);
        if cut == 0 {
            return Ok(None);
        }
        let batch = all.slice(0, cut);
        *all = all.slice(cut as i64, all.height() - cut);
        charge::annotate(batch).map(Some)
    }

    /// The typed rows of everything pushed and not yet handed on.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let typed = match self.typed {
            Some(typed) => typed,
            None => typed(DataFrame::empty_with_schema(&raw_schema()), 0)?,
        };
        charge::annotate(typed)
    }
}

/// `frame`'s rows below those of `all` (or all of them, when there were none yet).
pub fn stack(all: &mut Option<DataFrame>, frame: DataFrame) -> PolarsResult<&mut DataFrame> {
    match all {
        Some(all) => {
            all.vstack_mut_owned(frame)?;
            Ok(all)
        }
        None => Ok(all.insert(frame)),
    }
}

/// Where the rows of the last subject of `ids` begin.
fn last_subject_start(ids: &StringChunked) -> usize {
    let last = ids.get(ids.len().saturating_sub(1));
    let mut start = ids.len();
    while start > 0 && ids.get(start - 1) == last {
        start -= 1;
    }
    start
}

/// [`records`] without the charges: the rows numbered from `first`, their charge texts
/// in [`charge::KEY`].
///
/// About 100 lines: the list of typed columns in the order of the table, each one expression;
/// the helpers around it hold what is longer than a line.
fn typed(raw_rows: DataFrame, first: IdxSize) -> PolarsResult<DataFrame> {
    // Status and code columns hold a few distinct texts: each is typed once per frame.
    let mut beside = Beside::new(&raw_rows);
    let upper = |text: Expr| text.str().to_uppercase().cast(conviction::categorical());
    // FELONY, or a blank (also whitespace-only, gogen bug 8, or the `-` placeholder) status
    // with offence type F:
    // the status decides, where it is blank (null here) the offence type does.
    let conv_stat = text(doj::CONV_STAT_DESCR).str().to_uppercase();
    let felony_by_status = beside.by_distinct(
        doj::CONV_STAT_DESCR,
        when(conv_stat.clone().is_null())
            .then(lit(NULL).cast(DataType::Boolean))
            .otherwise(conv_stat.eq(lit("FELONY"))),
    )?;
    let offence_type_f = beside.by_distinct(
        doj::OFFENSE_TOC,
        trimmed(doj::OFFENSE_TOC).str().to_uppercase().eq(lit("F")),
    )?;
    let is_felony = felony_by_status.fill_null(offence_type_f);
    let days_per_unit = beside.by_distinct(doj::SENT_TIME_CODE, days_per_unit())?;
    let (dob, dob_unreadable) = beside.date(doj::PRI_DOB)?;
    let (event, event_unreadable) = beside.date(doj::STP_EVENT_DATE)?;
    let (cycle, cycle_unreadable) = beside.date(doj::CYC_DATE)?;
    let (disposition, disposition_unreadable) = beside.date(doj::DISP_DATE)?;
    let count_order = text(doj::CNT_ORDER);
    let typed = [
        col(c::RECORD_NR),
        col(FILE_INDEX),
        col(SOURCE_LINE),
        text(doj::SUBJECT_ID).alias(c::SUBJECT_ID),
        text(doj::SUBJECT_ID)
            .is_null()
            .alias(c::HAS_BLANK_SUBJECT_ID),
        dob.alias(c::DOB),
        dob_unreadable.alias(c::DOB_INVALID),
        beside.categorical(doj::RACE_CODE)?.alias(c::RACE_CODE),
        beside.categorical(doj::RACE_DESCR)?.alias(c::RACE_DESCR),
        beside.categorical(doj::GENDER)?.alias(c::GENDER),
        event.alias(c::EVENT_DATE),
        event_unreadable.alias(c::EVENT_DATE_INVALID),
        cycle.alias(c::CYCLE_DATE),
        cycle_unreadable.alias(c::CYCLE_DATE_INVALID),
        disposition.alias(c::DISP_DATE),
        disposition_unreadable.alias(c::DISP_DATE_INVALID),
        beside
            .by_distinct(doj::STP_TYPE_DESCR, upper(trimmed(doj::STP_TYPE_DESCR)))?
            .alias(c::STEP_TYPE),
        beside
            .by_distinct(doj::STP_ORI_CNTY_NAME, upper(text(doj::STP_ORI_CNTY_NAME)))?
            .alias(c::COUNTY),
        count_order.clone().alias(c::COUNT_ORDER),
        cnt_order_part(count_order.clone(), 0, 3).alias(c::CYCLE),
        cnt_order_part(count_order, 3, 3).alias(c::STEP),
        raw(doj::OFN).alias(c::OFN),
        beside
            .by_distinct(
                doj::DISP_DESCR,
                trimmed(doj::DISP_DESCR)
                    .str()
                    .to_uppercase()
                    .str()
                    .starts_with(lit("CONVICTED")),
            )?
            .alias(c::IS_CONVICTION),
        is_felony.alias(c::IS_FELONY),
        sentence_days(days_per_unit.clone()).alias(c::SENTENCE_DAYS),
        sentence_unreadable(days_per_unit).alias(c::SENTENCE_UNREADABLE),
        // The offence half of a PC 290 registration; the step type is checked below.
        beside
            .by_distinct(
                doj::OFFENSE_DESCR,
                trimmed(doj::OFFENSE_DESCR).str().starts_with(lit("290")),
            )?
            .alias(c::IS_PC290_REGISTRATION),
    ];
    // The charge texts as categories, by their distinct texts too (OFFENSE_DESCR's were
    // numbered above).
    let charge_keys = charge::KEY_OF_RAW
        .iter()
        .zip(charge::KEY)
        .map(|(&index, key)| {
            let category = raw(index).cast(conviction::categorical());
            Ok(beside.by_distinct(index, category)?.alias(key))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    let beside = beside.columns;
    let mut raw_rows = raw_rows;
    raw_rows.hstack_mut(&beside)?;
    let typed = raw_rows
        .lazy()
        .with_row_index(c::RECORD_NR, Some(first))
        .select(typed.into_iter().chain(charge_keys).collect::<Vec<_>>())
        .with_columns([
            col(c::STEP_TYPE)
                .eq(lit("DECEASED"))
                .alias(c::IS_DEATH_RECORD),
            col(c::STEP_TYPE)
                .eq(lit("REGISTRATION"))
                .and(col(c::IS_PC290_REGISTRATION))
                .alias(c::IS_PC290_REGISTRATION),
        ])
        .collect()?;
    with_own_subject_ids(typed)
}

/// Columns computed row by row from the raw rows, in plain code, to be set beside them
/// before the typing query reads them.
struct Beside<'a> {
    rows: &'a DataFrame,
    columns: Vec<Column>,
    /// Each raw column's rows as codes into its distinct texts, by column index, once
    /// numbered (a column may be typed more than one way).
    numbered: HashMap<usize, (IdxCa, Series)>,
}

impl<'a> Beside<'a> {
    fn new(rows: &'a DataFrame) -> Self {
        Beside {
            rows,
            columns: Vec::new(),
            numbered: HashMap::new(),
        }
    }

    /// A column beside the raw rows, by name.
    fn add(&mut self, series: Series) -> PolarsResult<Expr> {
        let name = format!("{}#{}", series.name(), self.columns.len());
        let series = chunked_like(series, self.rows)?.with_name(name.as_str().into());
        self.columns.push(series.into_column());
        Ok(col(name))
    }

    /// Each date of the raw column `index` parsed once: (date, given but unreadable).
    fn date(&mut self, index: usize) -> PolarsResult<(Expr, Expr)> {
        let texts = self.rows.column(COLUMNS[index])?.str()?;
        let (dates, unreadable) = crate::dates::parse_column(texts);
        Ok((
            self.add(dates.into_series())?,
            self.add(unreadable.into_series())?,
        ))
    }

    /// The text of the raw column `index` as a category, by [`Self::by_distinct`].
    fn categorical(&mut self, index: usize) -> PolarsResult<Expr> {
        self.by_distinct(index, text(index).cast(conviction::categorical()))
    }

    /// `derive`, an expression over the raw column `index`, evaluated for the distinct texts
    /// of the rows only and gathered for each row. Trimming and upper-casing a million status
    /// texts cost three times the lookup (at 1M rows, 0.15 s against 0.05 s a column). One
    /// hash lookup a row, in place of Polars' `unique` and `replace_strict` (a hash join):
    /// padded 1M rows, "read and normalize" 1.98 -> 1.73 s (BENCHMARKS.md, session 18).
    fn by_distinct(&mut self, index: usize, derive: Expr) -> PolarsResult<Expr> {
        if self.rows.height() == 0 {
            // Nothing to look up (and Polars keeps the input's types in a select over no rows).
            return Ok(derive);
        }
        let raw = self.rows.column(COLUMNS[index])?.str()?;
        let (rows, texts) = match self.numbered.entry(index) {
            Entry::Occupied(numbered) => numbered.into_mut(),
            Entry::Vacant(entry) => {
                let (codes, distinct) = crate::distinct::texts_by_first_appearance(raw);
                let rows = IdxCa::from_vec(raw.name().clone(), codes);
                let texts =
                    StringChunked::from_iter_options(raw.name().clone(), distinct.into_iter());
                entry.insert((rows, texts.into_series()))
            }
        };
        let derived = texts
            .clone()
            .into_frame()
            .lazy()
            .select([derive])
            .collect()?;
        let derived = derived.columns()[0].as_materialized_series().take(rows)?;
        self.add(derived.with_name(raw.name().clone()))
    }
}

/// Numbers subjects for [`c::SUBJECT_KEY`], which the later stages group by: each subject ID
/// by its first appearance over every frame given to [`SubjectKeys::add`], so the keys do not
/// depend on thread timing. (Polars' categories numbered them as fast, but for every row;
/// here a row whose ID is the one before takes its key without a lookup.)
#[derive(Default)]
pub struct SubjectKeys {
    key_of: PlHashMap<String, u32>,
}

impl SubjectKeys {
    /// Subjects numbered so far: a key below it was given in an earlier [`Self::add`].
    pub fn numbered(&self) -> usize {
        self.key_of.len()
    }

    /// The typed rows with [`c::SUBJECT_KEY`] (null where the ID is, which typing never
    /// leaves).
    pub fn add(&mut self, mut records: DataFrame) -> PolarsResult<DataFrame> {
        let ids = records.column(c::SUBJECT_ID)?.str()?;
        let key_of = &mut self.key_of;
        let keys = crate::distinct::texts_unless_repeated(ids, |id| {
            let id = id?;
            let next = key_of.len() as u32;
            Some(match key_of.get(id) {
                Some(&key) => key,
                None => {
                    key_of.insert(id.to_string(), next);
                    next
                }
            })
        });
        let key = UInt32Chunked::from_iter_options(c::SUBJECT_KEY.into(), keys.into_iter());
        let key = key.into_series();
        let key = chunked_like(marked_if_sorted(key)?, &records)?;
        records.with_column(key.into_column())?;
        Ok(records)
    }
}

/// A subject key marked sorted when it never decreases. A person's rows follow each other in
/// DOJ files, so keys numbered in order of first appearance usually never decrease: said so,
/// every group-by by person takes Polars' sorted path instead of a hash table (at 10M rows,
/// the conviction facts 10% faster).
pub fn marked_if_sorted(mut key: Series) -> PolarsResult<Series> {
    if never_decreases(key.u32()?) {
        key.set_sorted_flag(IsSorted::Ascending);
    }
    Ok(key)
}

/// True when no value of `keys` is smaller than the one before (no nulls).
pub fn never_decreases(keys: &UInt32Chunked) -> bool {
    keys.null_count() == 0
        && keys
            .downcast_iter()
            .flat_map(|chunk| chunk.values().iter().copied())
            .try_fold(0u32, |last, key| (key >= last).then_some(key))
            .is_some()
}

/// `series` cut into the chunks of the columns of `frame` (zero-copy slices). A frame whose
/// columns are chunked differently is copied whole by every filter or join to line them up:
/// at 10M rows that made every step over the typed rows several times slower.
pub fn chunked_like(series: Series, frame: &DataFrame) -> PolarsResult<Series> {
    let Some(reference) = frame.columns().first() else {
        return Ok(series);
    };
    let lengths: Vec<usize> = reference.as_materialized_series().chunk_lengths().collect();
    if lengths.len() <= 1 {
        return Ok(series);
    }
    let mut offset = 0;
    let mut parts = lengths.into_iter().map(|length| {
        let part = series.slice(offset as i64, length);
        offset += length;
        part
    });
    let mut chunked = parts.next().unwrap_or_default();
    for part in parts {
        chunked.append(&part)?;
    }
    Ok(chunked)
}

/// The columns and types of [`records`].
pub fn records_schema() -> PolarsResult<SchemaRef> {
    Ok(RecordsBuilder::default().finish()?.schema().clone())
}

/// The columns and types of the raw rows [`crate::ingest::read`] hands on.
fn raw_schema() -> Schema {
    let mut raw = Schema::with_capacity(READ_COLUMNS.len() + 2);
    for &i in &READ_COLUMNS {
        raw.insert(COLUMNS[i].into(), DataType::String);
    }
    raw.insert(FILE_INDEX.into(), DataType::UInt32);
    raw.insert(SOURCE_LINE.into(), DataType::UInt64);
    raw
}

/// A row without SUBJECT_ID becomes a person of its own (`?file:line`), never one
/// pseudo-person for all blank ids (gogen bug 22). Only frames with such a row build the ids:
/// an expression would format every row's file and line (a third of the typing of the id).
fn with_own_subject_ids(typed: DataFrame) -> PolarsResult<DataFrame> {
    if !typed.column(c::HAS_BLANK_SUBJECT_ID)?.bool()?.any() {
        return Ok(typed);
    }
    let own_id = concat_str(
        [
            lit("?"),
            col(FILE_INDEX).cast(DataType::String),
            lit(":"),
            col(SOURCE_LINE).cast(DataType::String),
        ],
        "",
        false,
    );
    typed
        .lazy()
        .with_column(col(c::SUBJECT_ID).fill_null(own_id))
        .collect()
}

/// `len` characters of CNT_ORDER from `offset` (`CCCSSSNNN...`: cycle, step, count); null when
/// the value is too short (gogen panicked, bug 3).
fn cnt_order_part(count_order: Expr, offset: i64, len: u64) -> Expr {
    when(
        count_order
            .clone()
            .str()
            .len_chars()
            .gt_eq(lit(offset as u32 + len as u32)),
    )
    .then(count_order.str().slice(lit(offset), lit(len)))
    .otherwise(lit(NULL).cast(DataType::String))
}

/// Days in one unit of SENT_TIME_CODE: D, M (a twelfth of a year) or Y (365.25 days).
/// gogen used 366-day years and 30.5-day months; its sentence dates were never output.
fn days_per_unit() -> Expr {
    let code = trimmed(doj::SENT_TIME_CODE).str().to_uppercase();
    when(code.clone().eq(lit("D")))
        .then(lit(1.0))
        .when(code.clone().eq(lit("M")))
        .then(lit(365.25 / 12.0))
        .when(code.eq(lit("Y")))
        .then(lit(365.25))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// This row's sentence part in days (`days_per_unit` from [`days_per_unit`]); null when the
/// row has none.
fn sentence_days(days_per_unit: Expr) -> Expr {
    text(doj::SENT_LENGTH)
        .cast(DataType::Int64)
        .cast(DataType::Float64)
        * days_per_unit
}

/// True where a sentence is given (not blank, not the `-` placeholder) but its length or
/// unit cannot be read.
fn sentence_unreadable(days_per_unit: Expr) -> Expr {
    let given = text(doj::SENT_LENGTH).is_not_null();
    given.and(sentence_days(days_per_unit).is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_keys_are_said_sorted_only_when_they_are() {
        let key_of = |ids: &[&str]| {
            let frame = DataFrame::new(
                ids.len(),
                vec![Column::new(c::SUBJECT_ID.into(), ids.to_vec())],
            )
            .unwrap();
            let frame = SubjectKeys::default().add(frame).unwrap();
            let key = frame.column(c::SUBJECT_KEY).unwrap();
            key.as_materialized_series().is_sorted_flag()
        };
        assert_eq!(key_of(&["a", "a", "b"]), IsSorted::Ascending);
        assert_eq!(key_of(&["c", "d", "c"]), IsSorted::Not);
        let keys = |values: Vec<Option<u32>>| UInt32Chunked::from_iter(values);
        assert!(never_decreases(&keys(vec![Some(1), Some(1), Some(4)])));
        assert!(!never_decreases(&keys(vec![Some(1), Some(3), Some(2)])));
        assert!(!never_decreases(&keys(vec![Some(1), None])));
    }

    #[test]
    fn subjects_are_keyed_by_first_appearance_over_every_frame() {
        let frame = |ids: &[&str]| {
            DataFrame::new(
                ids.len(),
                vec![Column::new(c::SUBJECT_ID.into(), ids.to_vec())],
            )
            .unwrap()
        };
        let mut keys = SubjectKeys::default();
        let mut keyed = |ids: &[&str]| -> Vec<Option<u32>> {
            let frame = keys.add(frame(ids)).unwrap();
            frame
                .column(c::SUBJECT_KEY)
                .unwrap()
                .u32()
                .unwrap()
                .iter()
                .collect()
        };
        assert_eq!(
            keyed(&["x", "y", "y", "x"]),
            [Some(0), Some(1), Some(1), Some(0)]
        );
        assert_eq!(keyed(&["z", "y", "z"]), [Some(2), Some(1), Some(2)]);
    }

    /// One raw row with `text` in every used column.
    fn raw_row(text: &str) -> DataFrame {
        let mut columns: Vec<Column> = READ_COLUMNS
            .iter()
            .map(|&i| Column::new(COLUMNS[i].into(), [text]))
            .collect();
        columns.push(Column::new(FILE_INDEX.into(), [0u32]));
        columns.push(Column::new(SOURCE_LINE.into(), [2u64]));
        DataFrame::new(1, columns).unwrap()
    }

    #[test]
    fn every_column_of_the_typed_rows_is_chunked_alike() {
        // Frames pushed one by one, the charges and the subject key added later: a column
        // chunked differently would make Polars copy the whole frame in every filter.
        let mut builder = RecordsBuilder::default();
        for text in ["a", "b", "a"] {
            builder.push(raw_row(text)).unwrap();
        }
        let keyed = SubjectKeys::default()
            .add(builder.finish().unwrap())
            .unwrap();
        for column in keyed.columns() {
            let lengths: Vec<usize> = column.as_materialized_series().chunk_lengths().collect();
            assert_eq!(lengths, [1, 1, 1], "{}", column.name());
        }
        let key = keyed.column(c::SUBJECT_KEY).unwrap().u32().unwrap().clone();
        assert_eq!(key.get(0), key.get(2));
        assert_ne!(key.get(0), key.get(1));
    }

    #[test]
    fn a_column_typed_by_its_distinct_texts_is_typed_row_by_row() {
        let index = doj::STP_TYPE_DESCR;
        let texts = [
            Some(" court action"),
            Some("DECEASED "),
            None,
            Some(" court action"),
            Some(""),
            Some("Deceased"),
        ];
        let rows = DataFrame::new(6, vec![Column::new(COLUMNS[index].into(), texts)]).unwrap();
        let derive = || trimmed(index).str().to_uppercase();
        let mut beside = Beside::new(&rows);
        let looked_up = beside.by_distinct(index, derive()).unwrap();
        let mut with_beside = rows.clone();
        with_beside.hstack_mut(&beside.columns).unwrap();
        let typed = with_beside
            .lazy()
            .select([looked_up.alias(COLUMNS[index]), derive().alias("direct")]);
        let typed = typed.collect().unwrap();
        let expected = [
            Some("COURT ACTION"),
            Some("DECEASED"),
            None,
            Some("COURT ACTION"),
            Some(""),
            Some("DECEASED"),
        ];
        for name in [COLUMNS[index], "direct"] {
            let column: Vec<_> = typed.column(name).unwrap().str().unwrap().iter().collect();
            assert_eq!(column, expected, "{name}");
        }
    }

    #[test]
    fn records_read_only_the_used_columns() {
        // A frame with nothing but the used columns: any other column read would fail.
        let typed = records(raw_row("20100101")).unwrap();
        assert_eq!(typed.height(), 1);
        assert_eq!(typed.schema(), &records_schema().unwrap());
    }
}
