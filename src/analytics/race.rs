//! The race mapping: DOJ race codes → the census groups of the population tables.
//!
//! The bundled table (`race_map.csv` beside this file: `race_code,race_descr,group`) maps the
//! codes clearstat knows. DOJ's code list is not in the material this project holds, so check
//! the table against the DOJ research-file specification before publishing. A code not in
//! the table becomes `UNKNOWN`: counted, never dropped.

use polars::prelude::*;

/// The bundled mapping, as CSV text.
pub const BUNDLED: &str = include_str!("race_map.csv");
/// The group of a code the mapping does not know.
pub const UNKNOWN: &str = "UNKNOWN";
/// The column the mapping adds.
pub const RACE_GROUP: &str = "race_group";

/// DOJ race code → census group.
#[derive(Debug, Clone)]
pub struct RaceMap {
    /// The table as given (kept with the run, shown in the report).
    pub text: String,
    /// (code, description, group), upper case.
    pub rows: Vec<(String, String, String)>,
}

/// A race mapping that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("race mapping {source_name}, line {line}: {problem}")]
pub struct RaceMapError {
    pub source_name: String,
    pub line: usize,
    pub problem: String,
}

impl RaceMap {
    /// The bundled mapping.
    pub fn bundled() -> RaceMap {
        match RaceMap::from_csv("bundled", BUNDLED) {
            Ok(map) => map,
            // The bundled table is checked by a test; an empty mapping would show up as
            // everyone UNKNOWN, counted in the report.
            Err(_) => RaceMap {
                text: String::new(),
                rows: Vec::new(),
            },
        }
    }

    /// A mapping from CSV text with the header `race_code,race_descr,group`; every group must
    /// be a census group of the population tables (or UNKNOWN), every code given once.
    pub fn from_csv(source_name: &str, text: &str) -> Result<RaceMap, RaceMapError> {
        let problem = |line: usize, problem: String| RaceMapError {
            source_name: source_name.to_string(),
            line,
            problem,
        };
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some("race_code,race_descr,group") {
            return Err(problem(
                1,
                "the header must be race_code,race_descr,group".into(),
            ));
        }
        let mut rows: Vec<(String, String, String)> = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [code, descr, group] = fields[..] else {
                return Err(problem(
                    i + 2,
                    format!("{} fields, expected 3", fields.len()),
                ));
            };
            let (code, group) = (code.to_uppercase(), group.to_uppercase());
            if code.is_empty() {
                return Err(problem(i + 2, "empty race_code".into()));
            }
            if !crate::population::GROUPS.contains(&group.as_str()) && group != UNKNOWN {
                return Err(problem(
                    i + 2,
                    format!(
                        "group '{group}' is not one of {}, {UNKNOWN}",
                        crate::population::GROUPS.join(", ")
                    ),
                ));
            }
            if rows.iter().any(|(c, _, _)| *c == code) {
                return Err(problem(i + 2, format!("race_code '{code}' given twice")));
            }
            rows.push((code, descr.to_uppercase(), group));
        }
        Ok(RaceMap {
            text: text.to_string(),
            rows,
        })
    }

    /// `race_group` from the code column `race_code` (categorical or text).
    pub fn group_of(&self, race_code: &str) -> Expr {
        col(race_code)
            .cast(DataType::String)
            .str()
            .to_uppercase()
            .replace_strict(
                lit(Series::new("codes".into(), self.column(|r| &r.0))),
                lit(Series::new("groups".into(), self.column(|r| &r.2))),
                Some(lit(UNKNOWN)),
                Some(DataType::String),
            )
            .fill_null(lit(UNKNOWN))
            .alias(RACE_GROUP)
    }

    fn column(&self, field: fn(&(String, String, String)) -> &String) -> Vec<String> {
        self.rows.iter().map(|r| field(r).clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_census_groups_and_unknown_stays() {
        let df = df!("race_code" => [Some("B"), Some("c"), Some("Q"), None]).unwrap();
        let out = df
            .lazy()
            .select([RaceMap::bundled().group_of("race_code")])
            .collect()
            .unwrap();
        let got: Vec<&str> = out
            .column(RACE_GROUP)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(got, ["BLACK", "ASIAN", "UNKNOWN", "UNKNOWN"]);
    }

    #[test]
    fn the_bundled_mapping_is_valid_and_bad_ones_are_refused() {
        assert!(RaceMap::from_csv("bundled", BUNDLED).unwrap().rows.len() > 10);
        let bad = |text: &str| RaceMap::from_csv("m.csv", text).unwrap_err().to_string();
        assert!(bad("code,group\n").contains("header"));
        assert!(bad("race_code,race_descr,group\nB,BLACK,MARTIAN\n").contains("line 2"));
        assert!(bad("race_code,race_descr,group\nB,BLACK\n").contains("2 fields"));
        assert!(bad("race_code,race_descr,group\nB,X,BLACK\nb,Y,WHITE\n").contains("twice"));
    }
}
