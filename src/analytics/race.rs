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
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header_ok = reader
            .headers()
            .is_ok_and(|h| h.iter().eq(["race_code", "race_descr", "group"]));
        if !header_ok {
            return Err(problem(
                1,
                "the header must be race_code,race_descr,group".into(),
            ));
        }
        let mut rows: Vec<(String, String, String)> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |at| at.line() as usize);
                problem(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |at| at.line() as usize);
            if record.iter().all(str::is_empty) {
                continue;
            }
            let [code, descr, group] = [0, 1, 2].map(|i| record.get(i).unwrap_or_default());
            if record.len() != 3 {
                return Err(problem(
                    line,
                    format!("{} fields, expected 3", record.len()),
                ));
            }
            let (code, group) = (code.to_uppercase(), group.to_uppercase());
            if code.is_empty() {
                return Err(problem(line, "empty race_code".into()));
            }
            if !crate::population::GROUPS.contains(&group.as_str()) && group != UNKNOWN {
                return Err(problem(
                    line,
                    format!(
                        "group '{group}' is not one of {}, {UNKNOWN}",
                        crate::population::GROUPS.join(", ")
                    ),
                ));
            }
            if rows.iter().any(|(c, _, _)| *c == code) {
                return Err(problem(line, format!("race_code '{code}' given twice")));
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

    /// Read with the `csv` crate: a quoted description may hold a comma; problems name their
    /// line.
    #[test]
    fn quoted_fields_and_line_numbers() {
        let text = "race_code,race_descr,group\nB,\"BLACK, AFRICAN AMERICAN\",BLACK\n\nW,WHITE,WHITE\nQ,Q\n";
        let error = RaceMap::from_csv("m", text).unwrap_err().to_string();
        assert!(
            error.contains("line 5") && error.contains("2 fields, expected 3"),
            "{error}"
        );
        let map = RaceMap::from_csv("m", &text.replace("Q,Q\n", "")).unwrap();
        assert_eq!(map.rows.len(), 2);
        assert_eq!(map.rows[0].1, "BLACK, AFRICAN AMERICAN");
    }

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
