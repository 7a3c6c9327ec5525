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
    codes: Vec<String>,
    groups: Vec<String>,
}

impl RaceMap {
    /// The bundled mapping.
    pub fn bundled() -> RaceMap {
        RaceMap::from_csv(BUNDLED)
    }

    /// A mapping from CSV text with a header and the columns `race_code,race_descr,group`.
    pub fn from_csv(text: &str) -> RaceMap {
        let (codes, groups) = text
            .lines()
            .skip(1)
            .filter_map(|line| {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                match fields[..] {
                    [code, _, group] if !code.is_empty() => {
                        Some((code.to_uppercase(), group.to_uppercase()))
                    }
                    _ => None,
                }
            })
            .unzip();
        RaceMap { codes, groups }
    }

    /// `race_group` from the code column `race_code` (categorical or text).
    pub fn group_of(&self, race_code: &str) -> Expr {
        col(race_code)
            .cast(DataType::String)
            .str()
            .to_uppercase()
            .replace_strict(
                lit(Series::new("codes".into(), self.codes.clone())),
                lit(Series::new("groups".into(), self.groups.clone())),
                Some(lit(UNKNOWN)),
                Some(DataType::String),
            )
            .fill_null(lit(UNKNOWN))
            .alias(RACE_GROUP)
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
}
