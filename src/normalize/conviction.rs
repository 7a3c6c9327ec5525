//! The conviction table: one row per (subject, CNT_ORDER) conviction.
//!
//! The first row of a conviction wins (its offence, date, county and felony status are kept),
//! as in gogen; the sentence parts of all its rows are summed onto it, wherever the duplicate
//! rows are (gogen added them to whichever conviction was appended last, bug 10). A conviction
//! without CNT_ORDER is never merged with another.

use polars::prelude::*;

use super::columns as c;
use crate::ingest::{FILE_INDEX, SOURCE_LINE};

/// The conviction table from the typed rows of [`super::records`]. `files` names the input
/// files in command-line order (for the `source_file` column).
pub fn table(records: LazyFrame, files: &[String]) -> PolarsResult<LazyFrame> {
    let key = [col(c::SUBJECT_ID), conviction_key()];
    let parts_with_sentence = col(c::SENTENCE_DAYS).count().over(key.clone())?;
    Ok(records
        .with_columns(subject_facts_from_all_rows()?)
        .filter(col(c::IS_CONVICTION))
        .with_columns([
            when(parts_with_sentence.gt(lit(0)))
                .then(col(c::SENTENCE_DAYS).sum().over(key.clone())?)
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias(c::SENTENCE_TOTAL_DAYS),
            len().over(key.clone())?.alias(c::SOURCE_ROWS),
        ])
        .filter(col(c::RECORD_NR).eq(col(c::RECORD_NR).min().over(key)?))
        .select([
            col(c::SUBJECT_ID),
            col(c::COUNT_ORDER),
            col(c::CYCLE),
            col(c::STEP),
            col(c::COUNTY).cast(categorical()),
            col(c::EVENT_DATE).alias(c::CONVICTION_DATE),
            col(c::DISP_DATE),
            col(c::CODE_SECTION),
            col(c::OFFENSE_DESCR),
            col(c::PROP64_SECTION),
            col(c::PROP64_SUBSECTION),
            col(c::IS_PROP64),
            col(c::IS_RELATED_CHARGE),
            col(c::IS_SUPERSTRIKE),
            col(c::IS_PC290_OFFENSE),
            col(c::IS_FELONY),
            col(c::SENTENCE_TOTAL_DAYS),
            col(c::DOB),
            col(c::SUBJECT_DOB),
            col(c::RACE_CODE).cast(categorical()),
            col(c::RACE_DESCR).cast(categorical()),
            col(c::GENDER).cast(categorical()),
            col(c::COMMENT_TEXT),
            super::offense::possible_other_prop64_charge(
                col(c::OFFENSE_DESCR),
                col(c::COMMENT_TEXT),
            )
            .alias(c::POSSIBLE_OTHER_PROP64_CHARGE),
            col(c::OFN),
            col(c::CASE_NUMBER),
            col(c::HAS_PROP64_CHARGE_IN_CYCLE),
            col(c::SUBJECT_IS_DECEASED),
            col(c::SUBJECT_HAS_PC290_REGISTRATION),
            col(c::FIRST_PC290_REGISTRATION_DATE),
            source_file(files),
            col(FILE_INDEX),
            col(SOURCE_LINE),
            col(c::SOURCE_ROWS).cast(DataType::UInt32),
            col(c::RECORD_NR),
        ]))
}

/// Facts that come from every row of a subject, not only from convictions: the first known
/// date of birth (gogen took the subject's first row), a death record, a
/// PC 290 registration, a Prop 64 charge in the same arrest cycle (convicted or not), and the
/// case numbers (OFN of every court row of the same cycle and step, as gogen joined them).
fn subject_facts_from_all_rows() -> PolarsResult<Vec<Expr>> {
    let subject = [col(c::SUBJECT_ID)];
    let is_court_with_ofn = col(c::STEP_TYPE)
        .eq(lit("COURT ACTION"))
        .and(col(c::OFN).neq(lit("")));
    let case_numbers = col(c::OFN)
        .filter(is_court_with_ofn)
        .unique_stable()
        .str()
        .join("; ", true)
        .over([col(c::SUBJECT_ID), col(c::CYCLE), col(c::STEP)])?;
    let null_without = |key: &str, value: Expr| {
        when(col(key).is_null())
            .then(lit(NULL).cast(DataType::String))
            .otherwise(value)
    };
    Ok(vec![
        col(c::DOB)
            .drop_nulls()
            .first()
            .over(subject.clone())?
            .alias(c::SUBJECT_DOB),
        col(c::IS_DEATH_RECORD)
            .any(true)
            .over(subject.clone())?
            .alias(c::SUBJECT_IS_DECEASED),
        col(c::IS_PC290_REGISTRATION)
            .any(true)
            .over(subject.clone())?
            .alias(c::SUBJECT_HAS_PC290_REGISTRATION),
        when(col(c::IS_PC290_REGISTRATION))
            .then(col(c::EVENT_DATE))
            .otherwise(lit(NULL).cast(DataType::Date))
            .min()
            .over(subject)?
            .alias(c::FIRST_PC290_REGISTRATION_DATE),
        col(c::IS_PROP64)
            .any(true)
            .over([col(c::SUBJECT_ID), col(c::CYCLE)])?
            .and(col(c::CYCLE).is_not_null())
            .alias(c::HAS_PROP64_CHARGE_IN_CYCLE),
        null_without(c::STEP, case_numbers).alias(c::CASE_NUMBER),
    ])
}

/// CNT_ORDER, or the row's own number when CNT_ORDER is blank.
fn conviction_key() -> Expr {
    col(c::COUNT_ORDER).fill_null(concat_str(
        [lit("#"), col(c::RECORD_NR).cast(DataType::String)],
        "",
        false,
    ))
}

fn source_file(files: &[String]) -> Expr {
    let indexes: Vec<u32> = (0..files.len() as u32).collect();
    col(FILE_INDEX)
        .replace_strict(
            lit(Series::new("index".into(), indexes)),
            lit(Series::new("file".into(), files)),
            None,
            Some(DataType::String),
        )
        .alias(c::SOURCE_FILE)
}

/// Categorical type for low-cardinality text (county, race, gender).
pub fn categorical() -> DataType {
    DataType::from_categories(Categories::global())
}
