//! What a scenario means for people: gogen's three impact outcomes, computed correctly (the
//! 7-year window counts back from compute-at, not from the wall clock: gogen bug 1).

use chrono::NaiveDate;
use polars::prelude::*;

use super::Scenario;
use super::determination::{DISMISSAL, FELONY_RELIEF};
use crate::dates::{add_years, date_lit};
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
    // Each conviction's flags first, then one `any` per flag and subject: plain columns take
    // Polars' fast path, where the same expressions inside the aggregation ran group by group.
    let recent = in_last_7_years(compute_at);
    let mut flags: Vec<(String, Expr)> = vec![
        (HAD_FELONY.into(), col(c::IS_FELONY)),
        (HAD_CONVICTION_LAST_7_YEARS.into(), recent.clone()),
    ];
    let mut outcomes = vec![col(HAD_FELONY), col(HAD_CONVICTION_LAST_7_YEARS)];
    for s in scenarios {
        let determination = || col(s.determination_column());
        let dismissed = determination().eq(lit(DISMISSAL)).fill_null(lit(false));
        let felony_relieved = determination()
            .is_in(
                lit(Series::new("relief".into(), FELONY_RELIEF)).implode(false),
                false,
            )
            .fill_null(lit(false));
        // A conviction that keeps the subject from an outcome.
        let blocks = |outcome: &str| format!("{}blocks_{outcome}", s.prefix);
        let (felony, conviction, last_7_years) = (
            blocks("felony"),
            blocks("conviction"),
            blocks("last_7_years"),
        );
        outcomes.extend([
            col(HAD_FELONY)
                .and(col(felony.as_str()).not())
                .alias(no_felony_left(s)),
            col(conviction.as_str()).not().alias(no_conviction_left(s)),
            col(HAD_CONVICTION_LAST_7_YEARS)
                .and(col(last_7_years.as_str()).not())
                .alias(no_conviction_last_7_years(s)),
            col(some_relief(s)),
        ]);
        flags.extend([
            (felony, col(c::IS_FELONY).and(felony_relieved.clone().not())),
            (conviction, dismissed.clone().not()),
            (last_7_years, recent.clone().and(dismissed.clone().not())),
            (some_relief(s), felony_relieved.or(dismissed)),
        ]);
    }
    let key = || std::iter::once(col(c::SUBJECT_KEY));
    let per_conviction = flags
        .iter()
        .map(|(name, flag)| flag.clone().alias(name.as_str()));
    let any = flags.iter().map(|(name, _)| col(name.as_str()).any(true));
    convictions
        .select(key().chain(per_conviction).collect::<Vec<_>>())
        .group_by_stable([col(c::SUBJECT_KEY)])
        .agg(any.collect::<Vec<_>>())
        .select(key().chain(outcomes).collect::<Vec<_>>())
}
