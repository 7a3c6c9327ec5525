//! What a scenario means for people: gogen's three impact outcomes, computed correctly (the
//! 7-year window counts back from compute-at, not from the wall clock: gogen bug 1).

use chrono::NaiveDate;
use polars::prelude::*;

use super::Scenario;
use super::condition::{add_years, date_lit};
use super::determination::{DISMISSAL, FELONY_RELIEF};
use crate::normalize::columns as c;

/// Per-subject outcome columns of a scenario.
pub fn no_felony_left(s: &Scenario) -> String {
    format!("{}no_felony_left", s.prefix)
}
pub fn no_conviction_left(s: &Scenario) -> String {
    format!("{}no_conviction_left", s.prefix)
}
pub fn no_conviction_last_7_years(s: &Scenario) -> String {
    format!("{}no_conviction_last_7_years", s.prefix)
}
pub fn some_relief(s: &Scenario) -> String {
    format!("{}some_relief", s.prefix)
}

/// The subject had a felony conviction / a conviction in the 7 years before compute-at.
pub const HAD_FELONY: &str = "had_felony";
pub const HAD_CONVICTION_LAST_7_YEARS: &str = "had_conviction_last_7_years";

/// The conviction happened in the 7 years before compute-at (strictly after compute-at minus
/// 7 years, as gogen's `After`).
fn in_last_7_years(compute_at: NaiveDate) -> Expr {
    col(c::CONVICTION_DATE)
        .gt(date_lit(add_years(compute_at, -7)))
        .fill_null(lit(false))
}

/// One row per subject with a conviction: the outcome columns of every scenario. A subject
/// counts only if it had something to clear, and every such conviction (in any county, of
/// any offence) was relieved: a conviction the flow does not decide blocks, as in gogen.
pub fn by_subject(
    convictions: LazyFrame,
    scenarios: &[Scenario],
    compute_at: NaiveDate,
) -> LazyFrame {
    let recent = in_last_7_years(compute_at);
    let mut aggregates = vec![
        col(c::IS_FELONY).any(true).alias(HAD_FELONY),
        recent.clone().any(true).alias(HAD_CONVICTION_LAST_7_YEARS),
    ];
    for s in scenarios {
        let determination = || col(s.determination_column());
        let dismissed = determination().eq(lit(DISMISSAL)).fill_null(lit(false));
        let felony_relieved = determination()
            .is_in(
                lit(Series::new("relief".into(), FELONY_RELIEF)).implode(false),
                false,
            )
            .fill_null(lit(false));
        let all_where = |filter: Expr, relieved: Expr| {
            filter
                .clone()
                .any(true)
                .and(filter.and(relieved.not()).any(true).not())
        };
        aggregates.extend([
            all_where(col(c::IS_FELONY), felony_relieved.clone()).alias(no_felony_left(s)),
            all_where(lit(true), dismissed.clone()).alias(no_conviction_left(s)),
            all_where(recent.clone(), dismissed).alias(no_conviction_last_7_years(s)),
            felony_relieved
                .or(determination().eq(lit(DISMISSAL)).fill_null(lit(false)))
                .any(true)
                .alias(some_relief(s)),
        ]);
    }
    convictions
        .group_by_stable([col(c::SUBJECT_ID)])
        .agg(aggregates)
}
