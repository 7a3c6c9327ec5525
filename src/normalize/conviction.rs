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
            col(c::RACE_CODE).cast(categorical()),
            col(c::RACE_DESCR).cast(categorical()),
            col(c::GENDER).cast(categorical()),
            col(c::COMMENT_TEXT),
            col(c::OFN),
            source_file(files),
            col(SOURCE_LINE),
            col(c::SOURCE_ROWS).cast(DataType::UInt32),
            col(c::RECORD_NR),
        ]))
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
