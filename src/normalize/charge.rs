//! The charge dictionary: every distinct (OFFENSE_DESCR, COMMENT_TEXT) pair of the input once,
//! with its code section and what it is (Prop 64, related, superstrike, PC 290).
//!
//! A research file repeats a few thousand charge texts over millions of rows, so the pattern
//! expressions run once per distinct text and each row takes its text's answers by number:
//! the same result as running them on every row, at a fraction of the cost.

use polars::prelude::*;

use super::columns as c;
use super::{offense, trimmed_or_null};
use crate::ingest::layout::{COLUMNS, col as doj};

/// The raw texts a charge is known by (OFFENSE_DESCR and COMMENT_TEXT), as categoricals:
/// the typed rows keep them until the charges are joined on.
pub const KEY: [&str; 2] = ["charge_offense_key", "charge_comment_key"];

/// The raw columns [`KEY`] is made of (as categoricals).
pub const KEY_OF_RAW: [usize; 2] = [doj::OFFENSE_DESCR, doj::COMMENT_TEXT];

/// The columns [`dictionary`] adds to the key.
pub const COLUMNS_ADDED: [&str; 11] = [
    c::OFFENSE_DESCR,
    c::COMMENT_TEXT,
    c::CODE_SECTION,
    c::PROP64_SECTION,
    c::PROP64_SUBSECTION,
    c::IS_PROP64,
    c::IS_RELATED_CHARGE,
    c::IS_SUPERSTRIKE,
    c::IS_PC290_OFFENSE,
    c::GOGEN_POSSIBLE_OTHER_CHARGES,
    c::POSSIBLE_OTHER_PROP64_CHARGE,
];

/// [`COLUMNS_ADDED`] of each row of `keys` ([`KEY`], each distinct pair once), in its order.
/// Its texts are categorical: every row then holds a 4-byte code for each, not its own string.
pub fn dictionary(keys: LazyFrame) -> LazyFrame {
    let [offense_raw, comment_raw] =
        [doj::OFFENSE_DESCR, doj::COMMENT_TEXT].map(|i| col(COLUMNS[i]));
    let code_section = col(c::CODE_SECTION);
    keys.with_columns([
        col(KEY[0])
            .cast(DataType::String)
            .alias(COLUMNS[doj::OFFENSE_DESCR]),
        col(KEY[1])
            .cast(DataType::String)
            .alias(COLUMNS[doj::COMMENT_TEXT]),
    ])
    .with_column(
        offense::code_section(COLUMNS[doj::OFFENSE_DESCR], COLUMNS[doj::COMMENT_TEXT])
            .alias(c::CODE_SECTION),
    )
    .with_columns([
        offense::prop64_section(code_section.clone()).alias(c::PROP64_SECTION),
        offense::prop64_subsection(code_section.clone()).alias(c::PROP64_SUBSECTION),
        offense::matches(code_section.clone(), offense::related_pattern())
            .alias(c::IS_RELATED_CHARGE),
        offense::matches(code_section.clone(), offense::superstrike_pattern())
            .alias(c::IS_SUPERSTRIKE),
        offense::matches(
            code_section,
            offense::anchored_any(&offense::PC290_PATTERNS),
        )
        .alias(c::IS_PC290_OFFENSE),
        offense::possible_other_prop64_charge(offense_raw.clone(), comment_raw.clone())
            .alias(c::GOGEN_POSSIBLE_OTHER_CHARGES),
        offense::possible_other_prop64_charge(
            trimmed_or_null(offense_raw.clone()),
            trimmed_or_null(comment_raw.clone()),
        )
        .alias(c::POSSIBLE_OTHER_PROP64_CHARGE),
        trimmed_or_null(offense_raw).alias(c::OFFENSE_DESCR),
        trimmed_or_null(comment_raw).alias(c::COMMENT_TEXT),
    ])
    .with_column(col(c::PROP64_SECTION).is_not_null().alias(c::IS_PROP64))
    .with_columns(
        COLUMNS_ADDED
            .iter()
            .filter(|&&name| !name.starts_with("is_"))
            .map(|&name| col(name).cast(super::conviction::categorical()))
            .collect::<Vec<_>>(),
    )
    .select(
        KEY.into_iter()
            .chain(COLUMNS_ADDED)
            .map(col)
            .collect::<Vec<_>>(),
    )
}

/// `rows` with the columns of their charges' [`dictionary`] in place of [`KEY`]. The rows'
/// key pairs are numbered by first appearance in one pass over their category codes, and
/// each row takes its charge's columns by that number (in place of Polars' unique and join
/// on the two keys, which hashed every row twice).
pub fn annotate(rows: DataFrame) -> PolarsResult<DataFrame> {
    let codes = |name: &str| -> PolarsResult<UInt32Chunked> {
        let column = rows
            .column(name)?
            .as_materialized_series()
            .to_physical_repr();
        Ok(column.u32()?.clone())
    };
    let (offense, comment) = (codes(KEY[0])?, codes(KEY[1])?);
    let (charge_of_row, _) =
        crate::distinct::by_first_appearance(offense.iter().zip(comment.iter()));
    // Charges are numbered in order of first appearance: the first row of each in turn.
    let mut first_rows: Vec<IdxSize> = Vec::new();
    for (row, &charge) in charge_of_row.iter().enumerate() {
        if charge as usize == first_rows.len() {
            first_rows.push(row as IdxSize);
        }
    }
    let keys = rows
        .select(KEY)?
        .take(&IdxCa::from_vec("row".into(), first_rows))?;
    let charges = dictionary(keys.lazy())
        .select(COLUMNS_ADDED.map(col))
        .collect()?
        .take(&IdxCa::from_vec("charge".into(), charge_of_row))?;
    let rows = rows.drop_many(KEY);
    let charges = charges
        .columns()
        .iter()
        .map(|charge| super::chunked_like(charge.as_materialized_series().clone(), &rows))
        .map(|charge| charge.map(Column::from))
        .collect::<PolarsResult<Vec<_>>>()?;
    rows.hstack(&charges)
}
