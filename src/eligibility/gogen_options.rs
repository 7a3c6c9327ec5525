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

/// The keys of `additionalRelief`, as gogen spells them.
const ADDITIONAL_RELIEF: [&str; 6] = [
    "subjectUnder21AtConviction",
    "subjectAgeThreshold",
    "yearsSinceConvictionThreshold",
    "yearsCrimeFreeThreshold",
    "subjectIsDeceased",
    "subjectHasOnlyProp64Charges",
];

/// The parts of an options file, read with errors that name the file and the key. A part
/// that is missing or null is absent (`None`): its lists are empty, its flags false.
struct OptionsFile<'a> {
    file: &'a str,
}

impl OptionsFile<'_> {
    fn invalid(&self, message: String) -> FlowError {
        FlowError::Invalid {
            file: self.file.to_string(),
            message,
        }
    }

    fn object<'v>(
        &self,
        parent: Option<&'v Map<String, Value>>,
        key: &str,
    ) -> Result<Option<&'v Map<String, Value>>, FlowError> {
        match parent.and_then(|p| field(p, key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(self.invalid(format!("{key} must be an object"))),
        }
    }

    /// `baselineEligibility.KEY`: a list of Prop 64 sections.
    fn sections(
        &self,
        baseline: Option<&Map<String, Value>>,
        key: &str,
    ) -> Result<Vec<String>, FlowError> {
        let path = format!("baselineEligibility.{key}");
        let list = match baseline.and_then(|b| field(b, key)) {
            None | Some(Value::Null) => return Ok(vec![]),
            Some(Value::Array(list)) => list,
            Some(_) => return Err(self.invalid(format!("{path} must be a list of sections"))),
        };
        list.iter()
            .map(|v| match v.as_str() {
                Some(s) if is_prop64_section(s) => Ok(s.to_string()),
                Some(s) => Err(self.invalid(format!(
                    "{path}: unknown section '{s}': use 11357, 11358, 11359 or 11360"
                ))),
                None => Err(self.invalid(format!("{path} must be a list of sections (strings)"))),
            })
            .collect()
    }

    /// `additionalRelief.KEY`: true or false.
    fn flag(&self, additional: Option<&Map<String, Value>>, key: &str) -> Result<bool, FlowError> {
        match additional.and_then(|a| field(a, key)) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.invalid(format!("additionalRelief.{key} must be true or false"))),
        }
    }

    /// `additionalRelief.KEY`: 0 (off) or a whole number from `low` to `high`. Errors name
    /// it as gogen's messages did (`YearsCrimeFreeThreshold`).
    fn threshold(
        &self,
        additional: Option<&Map<String, Value>>,
        key: &str,
        low: u64,
        high: u64,
    ) -> Result<u32, FlowError> {
        let path = format!("additionalRelief.{key}");
        let mut name = key.to_string();
        name[..1].make_ascii_uppercase();
        let n = match additional.and_then(|a| field(a, key)) {
            None | Some(Value::Null) => return Ok(0),
            Some(v) => v.as_u64().ok_or_else(|| {
                self.invalid(format!(
                    "{path} must be a whole number ({name} should be between {low} and {high}, or 0)"
                ))
            })?,
        };
        if n != 0 && !(low..=high).contains(&n) {
            return Err(self.invalid(format!(
                "{path}: {name} should be between {low} and {high}, or 0"
            )));
        }
        Ok(n as u32)
    }
}

impl GogenOptions {
    /// Reads an options file. Returns the options and warnings; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<(GogenOptions, Vec<String>), FlowError> {
        let reader = OptionsFile { file };
        let root: Value = serde_json::from_str(text)
            .map_err(|e| reader.invalid(format!("not valid JSON: {e}")))?;
        let root = match &root {
            Value::Object(o) => Some(o),
            Value::Null => None,
            _ => return Err(reader.invalid("expected a JSON object".into())),
        };
        let baseline = reader.object(root, "baselineEligibility")?;
        let additional = reader.object(root, "additionalRelief")?;
        let mut warnings = Vec::new();
        for (object, known, path) in [
            (root, &["baselineEligibility", "additionalRelief"][..], ""),
            (baseline, &["dismiss", "reduce"], "baselineEligibility."),
            (additional, &ADDITIONAL_RELIEF, "additionalRelief."),
        ] {
            if let Some(object) = object {
                unknown_keys(object, known, path, &mut warnings);
            }
        }
        let options = GogenOptions {
            dismiss: reader.sections(baseline, "dismiss")?,
            reduce: reader.sections(baseline, "reduce")?,
            under21_at_conviction: reader.flag(additional, "subjectUnder21AtConviction")?,
            age_threshold: reader.threshold(additional, ADDITIONAL_RELIEF[1], 40, 65)?,
            years_since_conviction: reader.threshold(additional, ADDITIONAL_RELIEF[2], 1, 15)?,
            years_crime_free: reader.threshold(additional, ADDITIONAL_RELIEF[3], 1, 15)?,
            deceased: reader.flag(additional, "subjectIsDeceased")?,
            only_prop64: reader.flag(additional, "subjectHasOnlyProp64Charges")?,
        };
        if let Some(both) = options.dismiss.iter().find(|s| options.reduce.contains(s)) {
            return Err(reader.invalid(format!(
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
