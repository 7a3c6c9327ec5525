//! The conviction table: one row per (subject, CNT_ORDER) conviction.
//!
//! The first row of a conviction wins (its offence, date, county and felony status are kept),
//! as in gogen; the sentence parts of all its rows are summed onto it, wherever the duplicate
//! rows are (gogen added them to whichever conviction was appended last, bug 10). A conviction
//! without CNT_ORDER is never merged with another.

use polars::prelude::*;

use super::columns as c;
use super::ordered_join;
use crate::ingest::{FILE_INDEX, SOURCE_LINE};

/// The conviction table from the typed rows of [`super::records`] and their subjects'
/// [`super::subject::facts`]. `files` names the input files in command-line order (for the
/// `source_file` column).
///
/// The rows are taken: once the facts that need every row are known, only the conviction
/// rows are kept (at 10M rows, the typed rows are the largest thing in memory).
///
/// About 95 lines, one lazy query read top to bottom (merge duplicate rows, attach the
/// subject's facts and the case's, then the columns the rules read): cut into functions,
/// its steps would hide the order of joins that keeps the rows in file order.
pub fn table(records: DataFrame, subjects: LazyFrame, files: &[String]) -> PolarsResult<LazyFrame> {
    let cycles = cycle_facts(records.clone().lazy()).collect()?;
    let cases = case_numbers(&records)?;
    let conviction_rows = records.lazy().filter(col(c::IS_CONVICTION)).collect()?;
    let (first, merged) = merged_rows(&conviction_rows)?;
    let convictions = conviction_rows
        .filter(&first)?
        .hstack(&merged)?
        .lazy()
        .select([
            col(c::SUBJECT_ID),
            col(c::SUBJECT_KEY),
            col(c::COUNT_ORDER),
            col(c::CYCLE),
            col(c::STEP),
            col(c::COUNTY),
            col(c::EVENT_DATE).alias(c::CONVICTION_DATE),
            col(c::DISP_DATE),
            col(c::CODE_SECTION).cast(DataType::String),
            col(c::OFFENSE_DESCR),
            col(c::PROP64_SECTION).cast(DataType::String),
            col(c::PROP64_SUBSECTION).cast(DataType::String),
            col(c::IS_PROP64),
            col(c::IS_RELATED_CHARGE),
            col(c::IS_SUPERSTRIKE),
            col(c::IS_PC290_OFFENSE),
            col(c::IS_FELONY),
            col(c::SENTENCE_TOTAL_DAYS),
            col(c::DOB),
            col(c::RACE_CODE),
            col(c::RACE_DESCR),
            col(c::GENDER),
            col(c::COMMENT_TEXT),
            col(c::POSSIBLE_OTHER_PROP64_CHARGE),
            col(c::OFN),
            source_file(files)?,
            col(FILE_INDEX),
            col(SOURCE_LINE),
            col(c::SOURCE_ROWS).cast(DataType::UInt32),
            col(c::RECORD_NR),
        ])
        .collect()?;
    // The facts from other rows are joined on the keys alone and set beside the table:
    // joining the wide table itself would copy each of its columns once per join.
    let subject = [col(c::SUBJECT_KEY)];
    let cycle = [col(c::SUBJECT_KEY), col(c::CYCLE)];
    let step = [col(c::SUBJECT_KEY), col(c::CYCLE), col(c::STEP)];
    let facts = convictions
        .clone()
        .lazy()
        .select([col(c::SUBJECT_KEY), col(c::CYCLE), col(c::STEP)])
        .join(
            subjects.select([
                col(c::SUBJECT_KEY),
                col(c::DOB).alias(c::SUBJECT_DOB),
                col(c::IS_DECEASED).alias(c::SUBJECT_IS_DECEASED),
                col(c::HAS_PC290_REGISTRATION).alias(c::SUBJECT_HAS_PC290_REGISTRATION),
                col(c::FIRST_PC290_REGISTRATION_DATE),
                col(c::DEATH_DATE),
            ]),
            subject.clone(),
            subject,
            ordered_join(JoinType::Left),
        )
        .join(
            cycles.lazy(),
            cycle.clone(),
            cycle,
            ordered_join(JoinType::Left),
        )
        .join(
            cases.lazy(),
            step.clone(),
            step,
            ordered_join(JoinType::Left),
        )
        .select([
            col(c::SUBJECT_DOB),
            // A conviction without a step has no case; one with a step but no court row
            // with an OFN has an empty one (as gogen printed it).
            when(col(c::STEP).is_null())
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col(c::CASE_NUMBER).fill_null(lit("")))
                .alias(c::CASE_NUMBER),
            col(c::HAS_PROP64_CHARGE_IN_CYCLE)
                .fill_null(lit(false))
                .and(col(c::CYCLE).is_not_null()),
            col(c::SUBJECT_IS_DECEASED),
            col(c::SUBJECT_HAS_PC290_REGISTRATION),
            col(c::FIRST_PC290_REGISTRATION_DATE),
            col(c::DEATH_DATE),
        ])
        .collect()?;
    let order: Vec<Expr> = COLUMNS.iter().map(|&name| col(name)).collect();
    Ok(convictions.hstack(facts.columns())?.lazy().select(order))
}

/// The columns of the conviction table, in order.
pub const COLUMNS: [&str; 37] = [
    c::SUBJECT_ID,
    c::SUBJECT_KEY,
    c::COUNT_ORDER,
    c::CYCLE,
    c::STEP,
    c::COUNTY,
    c::CONVICTION_DATE,
    c::DISP_DATE,
    c::CODE_SECTION,
    c::OFFENSE_DESCR,
    c::PROP64_SECTION,
    c::PROP64_SUBSECTION,
    c::IS_PROP64,
    c::IS_RELATED_CHARGE,
    c::IS_SUPERSTRIKE,
    c::IS_PC290_OFFENSE,
    c::IS_FELONY,
    c::SENTENCE_TOTAL_DAYS,
    c::DOB,
    c::SUBJECT_DOB,
    c::RACE_CODE,
    c::RACE_DESCR,
    c::GENDER,
    c::COMMENT_TEXT,
    c::POSSIBLE_OTHER_PROP64_CHARGE,
    c::OFN,
    c::CASE_NUMBER,
    c::HAS_PROP64_CHARGE_IN_CYCLE,
    c::SUBJECT_IS_DECEASED,
    c::SUBJECT_HAS_PC290_REGISTRATION,
    c::FIRST_PC290_REGISTRATION_DATE,
    c::DEATH_DATE,
    c::SOURCE_FILE,
    FILE_INDEX,
    SOURCE_LINE,
    c::SOURCE_ROWS,
    c::RECORD_NR,
];

/// Which conviction rows (in file order) are the first of their conviction, one (subject,
/// CNT_ORDER), or of their own without CNT_ORDER; and, for each conviction in turn, the
/// sentence parts of all its rows summed (null when none has one) and the count of its
/// rows. One pass in place of Polars' group-by on the three keys and a join back on the
/// record number.
fn merged_rows(rows: &DataFrame) -> PolarsResult<(BooleanChunked, [Column; 2])> {
    let keys = rows.column(c::SUBJECT_KEY)?.u32()?;
    let orders = rows.column(c::COUNT_ORDER)?.str()?;
    let days = rows.column(c::SENTENCE_DAYS)?.f64()?;
    let mut conviction_of: PlHashMap<(u32, &str), usize> = PlHashMap::default();
    let mut first = Vec::with_capacity(rows.height());
    let (mut totals, mut counts): (Vec<Option<f64>>, Vec<u32>) = (Vec::new(), Vec::new());
    for ((key, order), days) in keys.iter().zip(orders.iter()).zip(days.iter()) {
        let next = totals.len();
        let at = match (key, order) {
            (Some(key), Some(order)) => *conviction_of.entry((key, order)).or_insert(next),
            _ => next,
        };
        first.push(at == next);
        if at == next {
            totals.push(None);
            counts.push(0);
        }
        counts[at] += 1;
        if let Some(days) = days {
            *totals[at].get_or_insert(0.0) += days;
        }
    }
    let merged = [
        Column::new(c::SENTENCE_TOTAL_DAYS.into(), totals),
        Column::new(c::SOURCE_ROWS.into(), counts),
    ];
    Ok((BooleanChunked::from_slice("first".into(), &first), merged))
}

/// The arrest cycles with a Prop 64 charge, convicted or not (the others are not listed: at
/// 10M rows, grouping only the Prop 64 rows takes a third of the time of grouping all).
fn cycle_facts(records: LazyFrame) -> LazyFrame {
    records
        .filter(col(c::CYCLE).is_not_null().and(col(c::IS_PROP64)))
        .group_by([col(c::SUBJECT_KEY), col(c::CYCLE)])
        .agg([lit(true).alias(c::HAS_PROP64_CHARGE_IN_CYCLE)])
}

/// The case numbers: the OFN of every court row of the same cycle and step, each once, in
/// row order, as gogen joined them. One pass over the court rows, in place of Polars'
/// group-by, de-duplication and list join (1M padded rows, where most cases have several
/// OFNs, in one batch: the conviction table 0.82 -> 0.52 s).
fn case_numbers(records: &DataFrame) -> PolarsResult<DataFrame> {
    let court_rows = records
        .clone()
        .lazy()
        .filter(
            col(c::STEP)
                .is_not_null()
                .and(col(c::STEP_TYPE).eq(lit("COURT ACTION")))
                .and(col(c::OFN).neq(lit(""))),
        )
        .select([
            col(c::SUBJECT_KEY),
            col(c::CYCLE),
            col(c::STEP),
            col(c::OFN),
        ])
        .collect()?;
    let column = |name: &str| court_rows.column(name);
    let (keys, cycles) = (column(c::SUBJECT_KEY)?.u32()?, column(c::CYCLE)?.str()?);
    let (steps, ofns) = (column(c::STEP)?.str()?, column(c::OFN)?.str()?);
    // A case is a subject's (cycle, step); its OFNs listed once each, in row order.
    type Case<'a> = (u32, &'a str, &'a str);
    let mut case_of: PlHashMap<Case, usize> = PlHashMap::default();
    let mut cases: Vec<(Case, Vec<&str>)> = Vec::new();
    let rows = keys
        .iter()
        .zip(cycles.iter())
        .zip(steps.iter())
        .zip(ofns.iter());
    for (((key, cycle), step), ofn) in rows {
        // The filter leaves no null: a step implies a cycle, a subject key is never null.
        let (Some(key), Some(cycle), Some(step), Some(ofn)) = (key, cycle, step, ofn) else {
            continue;
        };
        let case = (key, cycle, step);
        let at = *case_of.entry(case).or_insert_with(|| {
            cases.push((case, Vec::new()));
            cases.len() - 1
        });
        let listed = &mut cases[at].1;
        if !listed.contains(&ofn) {
            listed.push(ofn);
        }
    }
    let keys: Vec<u32> = cases.iter().map(|((key, _, _), _)| *key).collect();
    let cycles: Vec<&str> = cases.iter().map(|((_, cycle, _), _)| *cycle).collect();
    let steps: Vec<&str> = cases.iter().map(|((_, _, step), _)| *step).collect();
    let numbers: Vec<String> = cases.iter().map(|(_, ofns)| ofns.join("; ")).collect();
    let columns = vec![
        Column::new(c::SUBJECT_KEY.into(), keys),
        Column::new(c::CYCLE.into(), cycles),
        Column::new(c::STEP.into(), steps),
        Column::new(c::CASE_NUMBER.into(), numbers),
    ];
    DataFrame::new(cases.len(), columns)
}

/// Each row's file name, a category (a 4-byte code a row, the name once): as held, so
/// holding costs nothing.
fn source_file(files: &[String]) -> PolarsResult<Expr> {
    let names = Series::new("file".into(), files).cast(&categorical())?;
    Ok(lit(names)
        .gather(col(FILE_INDEX), false)
        .alias(c::SOURCE_FILE))
}

/// Categorical type for low-cardinality text (county, race, gender).
pub fn categorical() -> DataType {
    DataType::from_categories(Categories::global())
}
