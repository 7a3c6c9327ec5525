//! Named conditions: the vocabulary of flow rules. Each name becomes one boolean Polars
//! expression over the conviction table with its facts ([`super::facts`]). A condition on an
//! unknown value (a blank date of birth, an unreadable date) is unknown, and stays unknown
//! under `not:` (three-valued logic); a rule holds only when every condition is known to
//! hold, so the conviction falls through to the next rule.

use std::fmt;

use chrono::NaiveDate;
use polars::prelude::*;

use super::facts;
use crate::dates::{add_years, born_by, date_lit, days_since_epoch};
use crate::normalize::columns as c;

/// A named condition, written in flow files as `name` or `name:argument`, and `not:` before
/// any of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `always`
    Always,
    /// `felony`: CONV_STAT_DESCR is FELONY, or blank with offence type F.
    Felony,
    /// `misdemeanor`: not a felony (misdemeanor or infraction).
    Misdemeanor,
    /// `section:11357`: the Prop 64 section.
    Section(String),
    /// `subsection:A,B`: the first subsection of the Prop 64 section is one of these.
    Subsection(Vec<String>),
    /// `prop64_charge`: the conviction is a Prop 64 offence.
    Prop64Charge,
    /// `related_charge`: the conviction is a related charge (gogen's list).
    RelatedCharge,
    /// `prop64_charge_in_cycle`: a Prop 64 charge in the same arrest cycle.
    Prop64ChargeInCycle,
    /// `code_section_matches:REGEX`: the code section matches (case-insensitive).
    CodeSectionMatches(String),
    /// `under_21_at_conviction`: convicted before the 21st birthday.
    Under21AtConviction,
    /// `age_at_least:N`: N years old or more on the compute-at date.
    AgeAtLeast(u32),
    /// `convicted_at_least_years_ago:N`: convicted on or before compute-at minus N years.
    ConvictedAtLeastYearsAgo(u32),
    /// `no_conviction_in_years:N`: the subject's last conviction is before compute-at minus N
    /// years.
    NoConvictionInYears(u32),
    /// `only_prop64_convictions`: every conviction of the subject is a Prop 64 conviction.
    OnlyProp64Convictions,
    /// `more_than_one_conviction`: the subject has more than one conviction on record.
    MoreThanOneConviction,
    /// `deceased`: the subject has a DECEASED record.
    Deceased,
    /// `after_prop64_passed`: convicted after 2016-11-09, strictly (gogen's informational
    /// flag "Occurred after 11/9/2016").
    AfterProp64Passed,
    /// `on_or_after_prop64`: convicted on or after 2016-11-09, the day Prop 64 took effect
    /// (the pilots' rule).
    OnOrAfterProp64,
    /// `superstrike_before`: a superstrike conviction before this one.
    SuperstrikeBefore,
    /// `pc290_before`: a PC 290 conviction or registration before this conviction.
    Pc290Before,
    /// `two_priors_same_section`: two or more earlier Prop 64 convictions in this section.
    TwoPriorsSameSection,
    /// `sentence_completed`: conviction date plus all sentence parts is before compute-at (a
    /// conviction without sentence counts as completed).
    SentenceCompleted,
    /// `all_sentences_completed`: every sentence of the person (all convictions) ends before
    /// compute-at.
    AllSentencesCompleted,
    /// `last_conviction_at_least_years_ago:N`: the person's last conviction is on or before
    /// compute-at minus N years (no conviction dated after that day).
    LastConvictionAtLeastYearsAgo(u32),
    /// `not:CONDITION`
    Not(Box<Condition>),
}

/// The condition names, with what each means, for `clearstat flows` and the README.
pub const VOCABULARY: &[(&str, &str)] = &[
    ("always", "every relevant conviction"),
    (
        "felony",
        "a felony: CONV_STAT_DESCR is FELONY, or blank with OFFENSE_TOC F",
    ),
    ("misdemeanor", "not a felony (misdemeanor or infraction)"),
    (
        "section:S",
        "the Prop 64 section is S (11357, 11358, 11359 or 11360)",
    ),
    (
        "subsection:A,B",
        "the first subsection of the Prop 64 section is one of those letters",
    ),
    ("prop64_charge", "the conviction is a Prop 64 offence"),
    (
        "related_charge",
        "the conviction is a related charge (647(f), 148, 602, 11364, ...)",
    ),
    (
        "prop64_charge_in_cycle",
        "the same arrest cycle holds a Prop 64 charge",
    ),
    (
        "code_section_matches:REGEX",
        "the code section matches REGEX (case-insensitive)",
    ),
    (
        "under_21_at_conviction",
        "convicted before the 21st birthday",
    ),
    (
        "age_at_least:N",
        "N years old or more on the compute-at date",
    ),
    (
        "convicted_at_least_years_ago:N",
        "convicted N or more years before compute-at",
    ),
    (
        "no_conviction_in_years:N",
        "the person's last conviction is more than N years before compute-at",
    ),
    (
        "last_conviction_at_least_years_ago:N",
        "the person's last conviction is N years or more before compute-at",
    ),
    (
        "only_prop64_convictions",
        "every conviction of the person is a Prop 64 conviction",
    ),
    (
        "more_than_one_conviction",
        "the person has more than one conviction on record",
    ),
    ("deceased", "the person has a DECEASED record"),
    (
        "after_prop64_passed",
        "convicted after 2016-11-09, strictly (gogen's flag 'Occurred after 11/9/2016')",
    ),
    (
        "on_or_after_prop64",
        "convicted on or after 2016-11-09, the day Prop 64 took effect",
    ),
    (
        "superstrike_before",
        "a superstrike conviction (PC 667(e)(2)(C)(iv)) before this one",
    ),
    (
        "pc290_before",
        "a PC 290 conviction or registration before this conviction",
    ),
    (
        "two_priors_same_section",
        "two or more earlier Prop 64 convictions in the same section",
    ),
    (
        "sentence_completed",
        "this conviction's sentence (its date plus all sentence parts) ended before compute-at",
    ),
    (
        "all_sentences_completed",
        "every sentence of the person (all convictions) ended before compute-at",
    ),
    (
        "not:CONDITION",
        "the condition does not hold (unknown when the condition is unknown)",
    ),
];

/// A condition name that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown condition '{0}': run `clearstat flows` for the vocabulary")]
pub struct UnknownCondition(pub String);

impl std::str::FromStr for Condition {
    type Err = UnknownCondition;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownCondition(text.to_string());
        let text = text.trim();
        let (name, argument) = match text.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (text, None),
        };
        let number = || {
            argument
                .and_then(|a| a.parse::<u32>().ok())
                .ok_or_else(unknown)
        };
        let condition = match (name, argument) {
            ("not", Some(inner)) => Condition::Not(Box::new(inner.parse()?)),
            ("always", None) => Condition::Always,
            ("felony", None) => Condition::Felony,
            ("misdemeanor", None) => Condition::Misdemeanor,
            ("section", Some(s)) if super::flow::is_prop64_section(s) => {
                Condition::Section(s.to_string())
            }
            ("subsection", Some(list)) => Condition::Subsection(
                list.split(',')
                    .map(|s| s.trim().to_uppercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            ("prop64_charge", None) => Condition::Prop64Charge,
            ("related_charge", None) => Condition::RelatedCharge,
            ("prop64_charge_in_cycle", None) => Condition::Prop64ChargeInCycle,
            ("code_section_matches", Some(pattern)) if !pattern.is_empty() => {
                Condition::CodeSectionMatches(pattern.to_string())
            }
            ("under_21_at_conviction", None) => Condition::Under21AtConviction,
            ("age_at_least", Some(_)) => Condition::AgeAtLeast(number()?),
            ("convicted_at_least_years_ago", Some(_)) => {
                Condition::ConvictedAtLeastYearsAgo(number()?)
            }
            ("no_conviction_in_years", Some(_)) => Condition::NoConvictionInYears(number()?),
            ("only_prop64_convictions", None) => Condition::OnlyProp64Convictions,
            ("more_than_one_conviction", None) => Condition::MoreThanOneConviction,
            ("deceased", None) => Condition::Deceased,
            ("after_prop64_passed", None) => Condition::AfterProp64Passed,
            ("on_or_after_prop64", None) => Condition::OnOrAfterProp64,
            ("all_sentences_completed", None) => Condition::AllSentencesCompleted,
            ("last_conviction_at_least_years_ago", Some(_)) => {
                Condition::LastConvictionAtLeastYearsAgo(number()?)
            }
            ("superstrike_before", None) => Condition::SuperstrikeBefore,
            ("pc290_before", None) => Condition::Pc290Before,
            ("two_priors_same_section", None) => Condition::TwoPriorsSameSection,
            ("sentence_completed", None) => Condition::SentenceCompleted,
            _ => return Err(unknown()),
        };
        Ok(condition)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Always => write!(f, "always"),
            Condition::Felony => write!(f, "felony"),
            Condition::Misdemeanor => write!(f, "misdemeanor"),
            Condition::Section(s) => write!(f, "section:{s}"),
            Condition::Subsection(list) => write!(f, "subsection:{}", list.join(",")),
            Condition::Prop64Charge => write!(f, "prop64_charge"),
            Condition::RelatedCharge => write!(f, "related_charge"),
            Condition::Prop64ChargeInCycle => write!(f, "prop64_charge_in_cycle"),
            Condition::CodeSectionMatches(p) => write!(f, "code_section_matches:{p}"),
            Condition::Under21AtConviction => write!(f, "under_21_at_conviction"),
            Condition::AgeAtLeast(n) => write!(f, "age_at_least:{n}"),
            Condition::ConvictedAtLeastYearsAgo(n) => write!(f, "convicted_at_least_years_ago:{n}"),
            Condition::NoConvictionInYears(n) => write!(f, "no_conviction_in_years:{n}"),
            Condition::OnlyProp64Convictions => write!(f, "only_prop64_convictions"),
            Condition::MoreThanOneConviction => write!(f, "more_than_one_conviction"),
            Condition::Deceased => write!(f, "deceased"),
            Condition::AfterProp64Passed => write!(f, "after_prop64_passed"),
            Condition::OnOrAfterProp64 => write!(f, "on_or_after_prop64"),
            Condition::AllSentencesCompleted => write!(f, "all_sentences_completed"),
            Condition::LastConvictionAtLeastYearsAgo(n) => {
                write!(f, "last_conviction_at_least_years_ago:{n}")
            }
            Condition::SuperstrikeBefore => write!(f, "superstrike_before"),
            Condition::Pc290Before => write!(f, "pc290_before"),
            Condition::TwoPriorsSameSection => write!(f, "two_priors_same_section"),
            Condition::SentenceCompleted => write!(f, "sentence_completed"),
            Condition::Not(inner) => write!(f, "not:{inner}"),
        }
    }
}

impl Condition {
    /// The condition as a boolean expression for a rule: unknown (null) never holds.
    pub fn to_expr(&self, compute_at: NaiveDate) -> Expr {
        self.truth(compute_at).fill_null(lit(false))
    }

    /// True, false, or null when the condition is unknown (three-valued, as SQL's).
    fn truth(&self, compute_at: NaiveDate) -> Expr {
        let date = || col(c::CONVICTION_DATE);
        // "A date before this conviction" is false, not unknown, for a person without one.
        let before_this = |first: &str| {
            when(col(first).is_null())
                .then(lit(false))
                .otherwise(col(first).lt(date()))
        };
        let years_before = |n: u32| date_lit(add_years(compute_at, -(n as i32)));
        match self {
            Condition::Always => lit(true),
            Condition::Felony => col(c::IS_FELONY),
            Condition::Misdemeanor => col(c::IS_FELONY).not(),
            // Not a Prop 64 charge, or no subsection: known not to be this one.
            Condition::Section(s) => col(c::PROP64_SECTION)
                .eq(lit(s.clone()))
                .fill_null(lit(false)),
            Condition::Subsection(list) => col(c::PROP64_SUBSECTION)
                .is_in(
                    lit(Series::new("subsections".into(), list.clone())).implode(false),
                    false,
                )
                .fill_null(lit(false)),
            Condition::Prop64Charge => col(c::IS_PROP64),
            Condition::RelatedCharge => col(c::IS_RELATED_CHARGE),
            Condition::Prop64ChargeInCycle => col(c::HAS_PROP64_CHARGE_IN_CYCLE),
            Condition::CodeSectionMatches(pattern) => col(c::CODE_SECTION)
                .str()
                .contains(lit(format!("(?i){pattern}")), true),
            Condition::Under21AtConviction => col(facts::AGE_AT_CONVICTION).lt(lit(21)),
            Condition::AgeAtLeast(n) => {
                col(c::SUBJECT_DOB).lt_eq(date_lit(born_by(compute_at, *n)))
            }
            Condition::ConvictedAtLeastYearsAgo(n) => date().lt_eq(years_before(*n)),
            Condition::NoConvictionInYears(n) => {
                col(facts::SUBJECT_LAST_CONVICTION_DATE).lt(years_before(*n))
            }
            Condition::LastConvictionAtLeastYearsAgo(n) => {
                col(facts::SUBJECT_LAST_CONVICTION_DATE).lt_eq(years_before(*n))
            }
            Condition::OnlyProp64Convictions => {
                col(facts::SUBJECT_CONVICTIONS).eq(col(facts::SUBJECT_PROP64_CONVICTIONS))
            }
            Condition::MoreThanOneConviction => col(facts::SUBJECT_CONVICTIONS).gt(lit(1u32)),
            Condition::Deceased => col(c::SUBJECT_IS_DECEASED),
            Condition::AfterProp64Passed => col(facts::IS_AFTER_PROP64),
            Condition::OnOrAfterProp64 => date().gt_eq(date_lit(facts::prop64_effective())),
            Condition::SuperstrikeBefore => before_this(facts::FIRST_SUPERSTRIKE_DATE),
            Condition::Pc290Before => before_this(facts::FIRST_PC290_DATE),
            Condition::TwoPriorsSameSection => col(facts::EARLIER_SAME_SECTION).gt_eq(lit(2u32)),
            Condition::SentenceCompleted => {
                facts::sentence_end().lt(lit(days_since_epoch(compute_at) as f64))
            }
            Condition::AllSentencesCompleted => {
                col(facts::SUBJECT_LAST_SENTENCE_END).lt(lit(days_since_epoch(compute_at) as f64))
            }
            Condition::Not(inner) => inner.truth(compute_at).not(),
        }
    }

    /// Conditions that need a known date of birth (a blank one falls through and is counted).
    pub fn needs_dob(&self) -> bool {
        match self {
            Condition::Under21AtConviction | Condition::AgeAtLeast(_) => true,
            Condition::Not(inner) => inner.needs_dob(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "always",
            "felony",
            "section:11357",
            "subsection:A,B",
            "age_at_least:57",
            "not:sentence_completed",
            "code_section_matches:^4060",
        ] {
            let condition: Condition = name.parse().unwrap();
            assert_eq!(condition.to_string(), name);
        }
        assert!("section:11361".parse::<Condition>().is_err());
        assert!("age_at_least:old".parse::<Condition>().is_err());
        assert!("sometimes".parse::<Condition>().is_err());
    }
}
