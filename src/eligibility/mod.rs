//! Eligibility: flows of rules decide each relevant conviction, as column expressions.
//!
//! The chosen flow is evaluated beside the two what-if flows gogen computed (dismiss all
//! Prop 64 convictions; dismiss them and related charges), so every table can show who each
//! choice leaves behind.

pub mod condition;
pub mod determination;
pub mod facts;
pub mod flow;
pub mod gogen_options;
pub mod held;
pub mod impact;

use chrono::NaiveDate;
use polars::prelude::*;

pub use flow::{Flow, FlowError};
pub use gogen_options::GogenOptions;

/// The county presets, as rule tables (data, not code).
const PRESETS: [(&str, &str); 4] = [
    ("los-angeles", include_str!("presets/los-angeles.json")),
    ("sacramento", include_str!("presets/sacramento.json")),
    ("contra-costa", include_str!("presets/contra-costa.json")),
    ("san-joaquin", include_str!("presets/san-joaquin.json")),
];

/// The county presets.
pub fn presets() -> Result<Vec<Flow>, FlowError> {
    PRESETS
        .iter()
        .map(|(name, json)| Flow::from_json(&format!("preset {name}"), json))
        .collect()
}

/// Every built-in flow by name: `configurable` (gogen's default options), `dismiss-all`,
/// `dismiss-all-related` and the presets.
pub fn built_in(name: &str) -> Result<Option<Flow>, FlowError> {
    Ok(match name {
        "configurable" => Some(GogenOptions::default().to_flow()),
        "dismiss-all" => Some(flow::dismiss_all(false)),
        "dismiss-all-related" => Some(flow::dismiss_all(true)),
        _ => presets()?.into_iter().find(|f| f.name == name),
    })
}

/// The names of the built-in flows.
pub fn built_in_names() -> Vec<&'static str> {
    let mut names = vec!["configurable", "dismiss-all", "dismiss-all-related"];
    names.extend(PRESETS.iter().map(|(n, _)| *n));
    names
}

/// One evaluated flow and the prefix of its columns.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `""` for the chosen flow, `dismiss_all_` and `dismiss_all_related_` for the what-ifs.
    pub prefix: &'static str,
    pub flow: Flow,
}

impl Scenario {
    /// The chosen flow and the two what-if flows.
    pub fn all(chosen: Flow) -> Vec<Scenario> {
        vec![
            Scenario {
                prefix: "",
                flow: chosen,
            },
            Scenario {
                prefix: "dismiss_all_",
                flow: flow::dismiss_all(false),
            },
            Scenario {
                prefix: "dismiss_all_related_",
                flow: flow::dismiss_all(true),
            },
        ]
    }

    /// Column of the deciding rule's number (1-based, null where the flow does not decide).
    pub fn rule_column(&self) -> String {
        format!("{}rule", self.prefix)
    }
    pub fn determination_column(&self) -> String {
        format!("{}determination", self.prefix)
    }
    pub fn reason_column(&self) -> String {
        format!("{}reason", self.prefix)
    }
}

/// Adds [`facts::IN_COUNTY`], then rule, determination and reason of every scenario, to the
/// conviction table with its other facts ([`facts::add`]). `county` is upper case or `ALL`.
pub fn decide(
    convictions: LazyFrame,
    scenarios: &[Scenario],
    county: &str,
    compute_at: NaiveDate,
) -> PolarsResult<LazyFrame> {
    let mut frame = convictions.with_column(facts::in_county(county));
    for scenario in scenarios {
        let index = "rule_index";
        let (determinations, reasons) = scenario.flow.outcomes();
        // Gathered from the few texts by rule, as categories: a 4-byte code a row, as they
        // are held (a text a row took over a gigabyte at 10M rows).
        let by_index = |values: Vec<String>| -> PolarsResult<Expr> {
            let texts = Series::new("value".into(), values)
                .cast(&crate::normalize::conviction::categorical())?;
            Ok(lit(texts).gather(col(index), false))
        };
        frame = frame
            .with_column(scenario.flow.rule_index(compute_at).alias(index))
            .with_columns([
                (col(index) + lit(1u32)).alias(scenario.rule_column()),
                by_index(determinations)?.alias(scenario.determination_column()),
                scenario
                    .flow
                    .reason_text(by_index(reasons)?)
                    .alias(scenario.reason_column()),
            ])
            .drop(by_name([index], true, false));
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A preset is a JSON file in `presets/`: each file is listed in [`PRESETS`] under the
    /// name it gives itself, and every built-in name is one.
    #[test]
    fn every_preset_file_is_listed_under_its_own_name() {
        let mut listed: Vec<String> = PRESETS.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(
            crate::file_stems("src/eligibility/presets", ".json"),
            listed
        );
        for (name, flow) in PRESETS.iter().zip(presets().unwrap()) {
            assert_eq!(name.0, flow.name);
        }
        for name in built_in_names() {
            assert!(built_in(name).unwrap().is_some(), "{name}");
        }
    }
}
