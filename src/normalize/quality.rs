//! The data-quality table: how many rows had each kind of unusable value. Such values become
//! null (never a made-up default) and are counted here.

use polars::prelude::*;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::columns as c;
use crate::ingest::layout::col as doj;
use crate::ingest::layout::name;

/// The data-quality line of the convictions the chosen flow decided without a date of birth:
/// a count of the review itself, so the report does not print it (it could give away a
/// withheld cell of the age bands).
pub const DECIDED_WITHOUT_DOB: &str = "decided without a date of birth (age rules skipped)";

/// One line of the data-quality table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityCount {
    /// The DOJ column concerned.
    pub column: Cow<'static, str>,
    /// What was wrong, in words.
    pub issue: Cow<'static, str>,
    /// Rows affected.
    pub rows: u64,
}

fn blank(date: &str, invalid: &str) -> Expr {
    col(date).is_null().and(col(invalid).not())
}

/// The checks, as (DOJ column, issue, row condition).
fn checks() -> Vec<(&'static str, &'static str, Expr)> {
    vec![
        (
            name(doj::SUBJECT_ID),
            "blank (row treated as a person of its own)",
            col(c::HAS_BLANK_SUBJECT_ID),
        ),
        (name(doj::PRI_DOB), "blank", blank(c::DOB, c::DOB_INVALID)),
        (
            name(doj::PRI_DOB),
            "not a valid YYYYMMDD date",
            col(c::DOB_INVALID),
        ),
        (
            name(doj::STP_EVENT_DATE),
            "blank",
            blank(c::EVENT_DATE, c::EVENT_DATE_INVALID),
        ),
        (
            name(doj::STP_EVENT_DATE),
            "not a valid YYYYMMDD date",
            col(c::EVENT_DATE_INVALID),
        ),
        (
            name(doj::CYC_DATE),
            "blank",
            blank(c::CYCLE_DATE, c::CYCLE_DATE_INVALID),
        ),
        (
            name(doj::CYC_DATE),
            "not a valid YYYYMMDD date",
            col(c::CYCLE_DATE_INVALID),
        ),
        (
            name(doj::DISP_DATE),
            "blank",
            blank(c::DISP_DATE, c::DISP_DATE_INVALID),
        ),
        (
            name(doj::DISP_DATE),
            "not a valid YYYYMMDD date",
            col(c::DISP_DATE_INVALID),
        ),
        (
            name(doj::CNT_ORDER),
            "blank (no cycle or step)",
            col(c::COUNT_ORDER).is_null(),
        ),
        (
            name(doj::CNT_ORDER),
            "shorter than 6 characters (no cycle or step)",
            col(c::COUNT_ORDER)
                .is_not_null()
                .and(col(c::STEP).is_null()),
        ),
        (
            name(doj::SENT_LENGTH),
            "sentence length or unit unreadable",
            col(c::SENTENCE_UNREADABLE),
        ),
    ]
}

/// The data-quality table from its row counts alone (a prepared input stores only those),
/// in the order of [`count`]; None when there are not as many counts as checks.
pub fn from_rows(rows: &[u64]) -> Option<Vec<QualityCount>> {
    let checks = checks();
    (rows.len() == checks.len()).then(|| {
        checks
            .into_iter()
            .zip(rows)
            .map(|((column, issue, _), &rows)| QualityCount {
                column: column.into(),
                issue: issue.into(),
                rows,
            })
            .collect()
    })
}

/// Counts every check over the typed rows; lines with no affected row are kept (zeros say the
/// check ran).
pub fn count(records: LazyFrame) -> PolarsResult<Vec<QualityCount>> {
    let checks = checks();
    let sums: Vec<Expr> = checks
        .iter()
        .enumerate()
        .map(|(i, (_, _, condition))| {
            condition
                .clone()
                .fill_null(lit(false))
                .sum()
                .cast(DataType::UInt64)
                .alias(format!("c{i}"))
        })
        .collect();
    let totals = records.select(sums).collect()?;
    checks
        .into_iter()
        .enumerate()
        .map(|(i, (column, issue, _))| {
            let rows = totals.column(&format!("c{i}"))?.u64()?.get(0).unwrap_or(0);
            Ok(QualityCount {
                column: column.into(),
                issue: issue.into(),
                rows,
            })
        })
        .collect()
}
