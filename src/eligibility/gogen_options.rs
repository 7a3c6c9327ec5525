//! gogen's eligibility options JSON (docs/gogen-compatibility.md) → the `configurable` flow.
//!
//! Same schema, keys matched case-insensitively, same ranges and messages as gogen; also
//! checked here: unknown sections, a section in both lists (errors) and unknown keys
//! (warnings).

use serde_json::{Map, Value};

use super::condition::Condition;
use super::determination::{DISMISSAL, REDUCTION};
use super::flow::{Flow, FlowError, Rule, Scope, is_prop64_section, no_rule_applied};
use crate::normalize::columns::PROP64_SECTIONS;

/// The options, as gogen read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GogenOptions {
    pub dismiss: Vec<String>,
    pub reduce: Vec<String>,
    pub under21_at_conviction: bool,
    /// 0 = off.
    pub age_threshold: u32,
    pub years_since_conviction: u32,
    pub years_crime_free: u32,
    pub deceased: bool,
    pub only_prop64: bool,
}

impl Default for GogenOptions {
    /// Without an options file: dismiss all four sections, nothing else.
    fn default() -> Self {
        GogenOptions {
            dismiss: PROP64_SECTIONS.iter().map(|s| s.to_string()).collect(),
            reduce: vec![],
            under21_at_conviction: false,
            age_threshold: 0,
            years_since_conviction: 0,
            years_crime_free: 0,
            deceased: false,
            only_prop64: false,
        }
    }
}

/// Looks a key up as Go's `encoding/json` does: exact match first, then case-insensitive.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn unknown_keys(
    object: &Map<String, Value>,
    known: &[&str],
    path: &str,
    warnings: &mut Vec<String>,
) {
    for key in object.keys() {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            warnings.push(format!("unknown key '{path}{key}' ignored"));
        }
    }
}

impl GogenOptions {
    /// Reads an options file. Returns the options and warnings; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<(GogenOptions, Vec<String>), FlowError> {
        let invalid = |message: String| FlowError::Invalid {
            file: file.to_string(),
            message,
        };
        let root: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
        let empty = Map::new();
        let root = match &root {
            Value::Object(o) => o,
            Value::Null => &empty,
            _ => return Err(invalid("expected a JSON object".into())),
        };
        let mut warnings = Vec::new();
        unknown_keys(
            root,
            &["baselineEligibility", "additionalRelief"],
            "",
            &mut warnings,
        );
        let object = |key: &str| -> Result<&Map<String, Value>, FlowError> {
            match field(root, key) {
                None | Some(Value::Null) => Ok(&empty),
                Some(Value::Object(o)) => Ok(o),
                Some(_) => Err(invalid(format!("{key} must be an object"))),
            }
        };
        let baseline = object("baselineEligibility")?;
        let additional = object("additionalRelief")?;
        unknown_keys(
            baseline,
            &["dismiss", "reduce"],
            "baselineEligibility.",
            &mut warnings,
        );
        unknown_keys(
            additional,
            &[
                "subjectUnder21AtConviction",
                "subjectAgeThreshold",
                "yearsSinceConvictionThreshold",
                "yearsCrimeFreeThreshold",
                "subjectIsDeceased",
                "subjectHasOnlyProp64Charges",
            ],
            "additionalRelief.",
            &mut warnings,
        );
        let sections = |key: &str| -> Result<Vec<String>, FlowError> {
            let path = format!("baselineEligibility.{key}");
            let list = match field(baseline, key) {
                None | Some(Value::Null) => return Ok(vec![]),
                Some(Value::Array(list)) => list,
                Some(_) => return Err(invalid(format!("{path} must be a list of sections"))),
            };
            list.iter()
                .map(|v| match v.as_str() {
                    Some(s) if is_prop64_section(s) => Ok(s.to_string()),
                    Some(s) => Err(invalid(format!(
                        "{path}: unknown section '{s}': use 11357, 11358, 11359 or 11360"
                    ))),
                    None => Err(invalid(format!(
                        "{path} must be a list of sections (strings)"
                    ))),
                })
                .collect()
        };
        let flag = |key: &str| -> Result<bool, FlowError> {
            match field(additional, key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(invalid(format!(
                    "additionalRelief.{key} must be true or false"
                ))),
            }
        };
        let threshold = |key: &str, low: u64, high: u64, name: &str| -> Result<u32, FlowError> {
            let path = format!("additionalRelief.{key}");
            let n = match field(additional, key) {
                None | Some(Value::Null) => return Ok(0),
                Some(v) => v.as_u64().ok_or_else(|| {
                    invalid(format!("{path} must be a whole number ({name} should be between {low} and {high}, or 0)"))
                })?,
            };
            if n != 0 && !(low..=high).contains(&n) {
                return Err(invalid(format!(
                    "{path}: {name} should be between {low} and {high}, or 0"
                )));
            }
            Ok(n as u32)
        };
        let options = GogenOptions {
            dismiss: sections("dismiss")?,
            reduce: sections("reduce")?,
            under21_at_conviction: flag("subjectUnder21AtConviction")?,
            age_threshold: threshold("subjectAgeThreshold", 40, 65, "SubjectAgeThreshold")?,
            years_since_conviction: threshold(
                "yearsSinceConvictionThreshold",
                1,
                15,
                "YearsSinceConvictionThreshold",
            )?,
            years_crime_free: threshold(
                "yearsCrimeFreeThreshold",
                1,
                15,
                "YearsCrimeFreeThreshold",
            )?,
            deceased: flag("subjectIsDeceased")?,
            only_prop64: flag("subjectHasOnlyProp64Charges")?,
        };
        if let Some(both) = options.dismiss.iter().find(|s| options.reduce.contains(s)) {
            return Err(invalid(format!(
                "baselineEligibility: section {both} is in both dismiss and reduce"
            )));
        }
        Ok((options, warnings))
    }

    /// gogen's decision order (docs/gogen-compatibility.md) as a rule table.
    pub fn to_flow(&self) -> Flow {
        let rule = |when: Condition, determination: &str, reason: String| Rule {
            when: vec![when],
            determination: determination.to_string(),
            reason,
        };
        let mut rules = vec![rule(
            Condition::Misdemeanor,
            DISMISSAL,
            "Misdemeanor or Infraction".into(),
        )];
        for s in &self.dismiss {
            rules.push(rule(
                Condition::Section(s.clone()),
                DISMISSAL,
                format!("Dismiss all HS {s} convictions"),
            ));
        }
        if self.under21_at_conviction {
            rules.push(rule(
                Condition::Under21AtConviction,
                DISMISSAL,
                "21 years or younger".into(),
            ));
        }
        if self.age_threshold != 0 {
            let n = self.age_threshold;
            rules.push(rule(
                Condition::AgeAtLeast(n),
                DISMISSAL,
                format!("{n} years or older"),
            ));
        }
        if self.years_since_conviction != 0 {
            let n = self.years_since_conviction;
            rules.push(rule(
                Condition::ConvictedAtLeastYearsAgo(n),
                DISMISSAL,
                format!("Conviction occurred {n} or more years ago"),
            ));
        }
        if self.years_crime_free != 0 {
            let n = self.years_crime_free;
            rules.push(rule(
                Condition::NoConvictionInYears(n),
                DISMISSAL,
                format!("No convictions in the past {n} years"),
            ));
        }
        if self.only_prop64 {
            rules.push(rule(
                Condition::OnlyProp64Convictions,
                DISMISSAL,
                "Only has 11357-60 charges".into(),
            ));
        }
        if self.deceased {
            rules.push(rule(
                Condition::Deceased,
                DISMISSAL,
                "Individual is deceased".into(),
            ));
        }
        for s in &self.reduce {
            rules.push(rule(
                Condition::Section(s.clone()),
                REDUCTION,
                format!("Reduce all HS {s} convictions"),
            ));
        }
        Flow {
            name: "configurable".to_string(),
            description: "gogen's configurable flow, from its options JSON".to_string(),
            scope: Scope::Prop64,
            rules,
            otherwise: no_rule_applied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        GogenOptions::from_json("o.json", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn reads_gogen_options_case_insensitively() {
        let (o, warnings) = GogenOptions::from_json(
            "o.json",
            r#"{"BaselineEligibility": {"DISMISS": ["11357"], "reduce": ["11360"]},
                "additionalRelief": {"subjectagethreshold": 57, "colour": "red"}}"#,
        )
        .unwrap();
        assert_eq!(
            (o.dismiss, o.reduce, o.age_threshold),
            (vec!["11357".into()], vec!["11360".into()], 57)
        );
        assert_eq!(warnings, ["unknown key 'additionalRelief.colour' ignored"]);
    }

    #[test]
    fn bad_options_name_the_key() {
        assert_eq!(
            error(r#"{"additionalRelief": {"subjectAgeThreshold": 30}}"#),
            "o.json: additionalRelief.subjectAgeThreshold: SubjectAgeThreshold should be between 40 and 65, or 0"
        );
        assert_eq!(
            error(r#"{"additionalRelief": {"yearsCrimeFreeThreshold": 16}}"#),
            "o.json: additionalRelief.yearsCrimeFreeThreshold: YearsCrimeFreeThreshold should be between 1 and 15, or 0"
        );
        assert_eq!(
            error(r#"{"baselineEligibility": {"dismiss": ["11361"]}}"#),
            "o.json: baselineEligibility.dismiss: unknown section '11361': use 11357, 11358, 11359 or 11360"
        );
        assert_eq!(
            error(r#"{"baselineEligibility": {"dismiss": ["11357"], "reduce": ["11357"]}}"#),
            "o.json: baselineEligibility: section 11357 is in both dismiss and reduce"
        );
        assert!(
            error(r#"{"additionalRelief": {"subjectIsDeceased": "yes"}}"#)
                .ends_with("additionalRelief.subjectIsDeceased must be true or false")
        );
        assert!(error("{bad").starts_with("o.json: not valid JSON: "));
    }
}
