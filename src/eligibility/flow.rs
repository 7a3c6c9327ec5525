//! Flows: ordered rules (conditions → determination, reason), compiled into one Polars
//! `when/then` chain whose value is the index of the first rule that holds.

use std::fmt::Write as _;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Deserialize;

use super::condition::Condition;
use super::determination;
use super::facts;
use crate::normalize::columns as c;
use crate::normalize::offense;

/// Which convictions a flow decides about (always only those in the county under review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Prop 64 convictions (H&S 11357–11360).
    Prop64,
    /// Prop 64 convictions and related charges.
    Prop64AndRelated,
}

/// One rule: when all conditions hold, the determination, for the reason given.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub when: Vec<Condition>,
    pub determination: String,
    pub reason: String,
}

/// An ordered list of rules; the first that holds decides.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub name: String,
    pub description: String,
    pub scope: Scope,
    pub rules: Vec<Rule>,
    /// What a relevant conviction gets when no rule holds.
    pub otherwise: (String, String),
}

/// Errors in a flow file or options file. They name the key, never a record value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// `true` for 11357, 11358, 11359 and 11360.
pub fn is_prop64_section(section: &str) -> bool {
    c::PROP64_SECTIONS.contains(&section)
}

/// The rule table as written in a flow file (JSON).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    name: String,
    #[serde(default)]
    description: String,
    scope: Scope,
    rules: Vec<RuleFile>,
    otherwise: Option<OutcomeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    when: Vec<String>,
    determination: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeFile {
    determination: String,
    reason: String,
}

impl Flow {
    /// Reads a flow from its JSON rule table. `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Flow, FlowError> {
        let invalid = |message: String| FlowError::Invalid {
            file: file.to_string(),
            message,
        };
        let parsed: FlowFile =
            serde_json::from_str(text).map_err(|e| invalid(format!("not a valid flow: {e}")))?;
        let check = |d: &str| {
            if determination::ALL.contains(&d) {
                Ok(d.to_string())
            } else {
                Err(invalid(format!(
                    "unknown determination '{d}': use one of {}",
                    determination::ALL.join(", ")
                )))
            }
        };
        let mut rules = Vec::with_capacity(parsed.rules.len());
        for (i, rule) in parsed.rules.into_iter().enumerate() {
            if rule.when.is_empty() {
                return Err(invalid(format!(
                    "rule {}: 'when' is empty (use [\"always\"])",
                    i + 1
                )));
            }
            let when = rule
                .when
                .iter()
                .map(|name| {
                    name.parse()
                        .map_err(|e| invalid(format!("rule {}: {e}", i + 1)))
                })
                .collect::<Result<Vec<Condition>, _>>()?;
            if rule.reason.contains('{')
                && (rule.reason != RELATED_CHARGE_REASON
                    || !when.contains(&Condition::RelatedCharge))
            {
                return Err(invalid(format!(
                    "rule {}: the only placeholder a reason may be is {RELATED_CHARGE_REASON}, \
                     in a rule whose 'when' has related_charge",
                    i + 1
                )));
            }
            rules.push(Rule {
                when,
                determination: check(&rule.determination)?,
                reason: rule.reason,
            });
        }
        let otherwise = match parsed.otherwise {
            Some(o) => (check(&o.determination)?, o.reason),
            None => no_rule_applied(),
        };
        Ok(Flow {
            name: parsed.name,
            description: parsed.description,
            scope: parsed.scope,
            rules,
            otherwise,
        })
    }

    /// The rules in words, numbered, for `clearstat flows` and the report.
    pub fn describe(&self) -> String {
        let mut text = format!("{}: {}\n", self.name, self.description);
        let scope = match self.scope {
            Scope::Prop64 => "Prop 64 convictions in the county",
            Scope::Prop64AndRelated => "Prop 64 convictions and related charges in the county",
        };
        let _ = writeln!(text, "  decides: {scope}");
        for (i, rule) in self.rules.iter().enumerate() {
            let when: Vec<String> = rule.when.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                text,
                "  {:>2}. when {} -> {}: {}",
                i + 1,
                when.join(" and "),
                rule.determination,
                rule.reason
            );
        }
        let _ = writeln!(
            text,
            "      otherwise -> {}: {}",
            self.otherwise.0, self.otherwise.1
        );
        text
    }

    /// True where this flow decides about the conviction.
    pub fn relevant(&self) -> Expr {
        let charge = match self.scope {
            Scope::Prop64 => col(c::IS_PROP64),
            Scope::Prop64AndRelated => col(c::IS_PROP64).or(col(c::IS_RELATED_CHARGE)),
        };
        charge.and(col(facts::IN_COUNTY))
    }

    /// The index of the deciding rule (`rules.len()` for "otherwise"), null where the flow
    /// does not decide. Built from the last rule up, each rule's `when/then` wrapping the
    /// rest in its `otherwise`, so the first rule that holds wins.
    pub fn rule_index(&self, compute_at: NaiveDate) -> Expr {
        let mut decision = lit(self.rules.len() as u32);
        for (i, rule) in self.rules.iter().enumerate().rev() {
            let holds = rule
                .when
                .iter()
                .map(|condition| condition.to_expr(compute_at))
                .reduce(|a, b| a.and(b))
                .unwrap_or(lit(true));
            decision = when(holds).then(lit(i as u32)).otherwise(decision);
        }
        when(self.relevant())
            .then(decision)
            .otherwise(lit(NULL).cast(DataType::UInt32))
    }

    /// Determination and reason of each rule index, the last being "otherwise".
    pub fn outcomes(&self) -> (Vec<String>, Vec<String>) {
        self.rules
            .iter()
            .map(|r| (r.determination.clone(), r.reason.clone()))
            .chain(std::iter::once(self.otherwise.clone()))
            .unzip()
    }

    /// The reason column of a decided frame: the rule's reason, or the related charge where
    /// the reason is [`RELATED_CHARGE_REASON`].
    pub fn reason_text(&self, reason: Expr) -> Expr {
        if self.rules.iter().all(|r| r.reason != RELATED_CHARGE_REASON) {
            return reason;
        }
        when(reason.clone().eq(lit(RELATED_CHARGE_REASON)))
            .then(offense::related_charge(col(c::CODE_SECTION)))
            .otherwise(reason.cast(DataType::String))
    }

    /// True when some rule needs a date of birth.
    pub fn uses_dob(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.when.iter().any(Condition::needs_dob))
    }
}

/// A reason that writes the related charge itself, as the code section names it (`11364 HS`,
/// `647(F) PC`): the Contra Costa and San Joaquin pilots' reason for a dismissed related
/// charge. Only the charge a related-charge pattern matched, never other text of the code
/// section (which may come from free text).
pub const RELATED_CHARGE_REASON: &str = "{related_charge}";

/// "No determination" / "No rule applied".
pub fn no_rule_applied() -> (String, String) {
    (
        determination::NO_DETERMINATION.to_string(),
        determination::NO_RULE_APPLIED.to_string(),
    )
}

/// The two what-if flows gogen computed beside the chosen one.
pub fn dismiss_all(related: bool) -> Flow {
    let (name, scope, reason) = if related {
        (
            "dismiss-all-related",
            Scope::Prop64AndRelated,
            "Dismiss all Prop 64 and related charges",
        )
    } else {
        ("dismiss-all", Scope::Prop64, "Dismiss all Prop 64 charges")
    };
    Flow {
        name: name.to_string(),
        description: format!("what-if: {}", reason.to_lowercase()),
        scope,
        rules: vec![Rule {
            when: vec![Condition::Always],
            determination: determination::DISMISSAL.to_string(),
            reason: reason.to_string(),
        }],
        otherwise: no_rule_applied(),
    }
}
