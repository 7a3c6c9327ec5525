//! The published tables' catalogue: every bundled query and view, and what a query's header
//! says ([`super::publication::write_all`] runs them, withholds small cells and writes
//! `tables/NAME.parquet` and `tables/NAME.csv`).
//!
//! Each query's header says which columns are counts (`-- counts:`, each a measure of
//! `queries/measures.csv` limited to the row's `-- keys:`), which columns are computed from
//! them (`-- derived: share <- people, county_people`: withheld when any of them is), and
//! how the columns add up; [`super::suppress`] withholds small cells over all the tables at
//! once.

/// The views in `queries/views/`, registered (in this order: each may read those before it)
/// before any query runs.
pub const VIEWS: [(&str, &str); 3] = [
    ("reviewed", include_str!("../../queries/views/reviewed.sql")),
    (
        "period_residents",
        include_str!("../../queries/views/period_residents.sql"),
    ),
    (
        "period_rates",
        include_str!("../../queries/views/period_rates.sql"),
    ),
];

/// The queries in `queries/`, bundled so that an installed binary has them.
pub const BUNDLED: [(&str, &str); 18] = [
    ("headline", include_str!("../../queries/headline.sql")),
    (
        "convictions_by_race",
        include_str!("../../queries/convictions_by_race.sql"),
    ),
    (
        "convictions_by_gender",
        include_str!("../../queries/convictions_by_gender.sql"),
    ),
    (
        "convictions_by_age_band",
        include_str!("../../queries/convictions_by_age_band.sql"),
    ),
    (
        "convictions_by_conviction_year",
        include_str!("../../queries/convictions_by_conviction_year.sql"),
    ),
    (
        "convictions_by_code_section",
        include_str!("../../queries/convictions_by_code_section.sql"),
    ),
    (
        "convictions_by_level",
        include_str!("../../queries/convictions_by_level.sql"),
    ),
    (
        "convictions_by_prop64_timing",
        include_str!("../../queries/convictions_by_prop64_timing.sql"),
    ),
    (
        "convictions_by_period_and_race",
        include_str!("../../queries/convictions_by_period_and_race.sql"),
    ),
    (
        "reasons_by_race",
        include_str!("../../queries/reasons_by_race.sql"),
    ),
    (
        "relief_by_race_and_scenario",
        include_str!("../../queries/relief_by_race_and_scenario.sql"),
    ),
    (
        "disparity_vs_population",
        include_str!("../../queries/disparity_vs_population.sql"),
    ),
    (
        "rate_ratios_vs_white",
        include_str!("../../queries/rate_ratios_vs_white.sql"),
    ),
    (
        "rates_by_period",
        include_str!("../../queries/rates_by_period.sql"),
    ),
    (
        "statewide_by_county",
        include_str!("../../queries/statewide_by_county.sql"),
    ),
    (
        "state_disparity_vs_population",
        include_str!("../../queries/state_disparity_vs_population.sql"),
    ),
    (
        "state_rate_ratios_vs_white",
        include_str!("../../queries/state_rate_ratios_vs_white.sql"),
    ),
    (
        "state_rates_by_period",
        include_str!("../../queries/state_rates_by_period.sql"),
    ),
];

/// The `-- key: value` lines at the top of a query file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Header {
    pub question: String,
    pub counts: Vec<String>,
    /// The columns that key a row (`-- keys: county, race_group`).
    pub keys: Vec<String>,
    /// (key, value) a query leaves out (`-- without: race_group = UNKNOWN`): its rows do not
    /// add up to the whole.
    pub without: Vec<(String, String)>,
    /// (count column, what it counts) where that is not the column's own measure in
    /// `queries/measures.csv` limited to the row's keys (`-- cells: c = people[-race_group]`).
    pub cells: Vec<(String, Source)>,
    /// (derived column, the counts it is computed from).
    pub derived: Vec<(String, Vec<Source>)>,
    /// Sets of count columns that add up within a row (`-- adds up: total = a + b + c`).
    pub row_sums: Vec<Vec<String>>,
}

/// A count of the same row, or of the same row's identity changed: `people`,
/// `people[race_group=WHITE]` (the White row's), `people[-race_group]` (all groups').
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub measure: String,
    /// (dimension, Some(value) to set it, None to drop it).
    pub changes: Vec<(String, Option<String>)>,
}

impl Source {
    /// Applies the changes to a row's `filters`.
    pub fn change(&self, filters: &mut std::collections::BTreeMap<String, String>) {
        for (dim, value) in &self.changes {
            match value {
                Some(v) => filters.insert(dim.clone(), v.clone()),
                None => filters.remove(dim),
            };
        }
    }

    /// `people[race_group=WHITE, -county]`.
    pub fn parse(text: &str) -> Source {
        let (measure, changes) = text.split_once('[').unwrap_or((text, ""));
        let changes = changes
            .trim_end_matches(']')
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| match c.strip_prefix('-') {
                Some(dim) => (dim.trim().to_string(), None),
                None => {
                    let (dim, value) = c.split_once('=').unwrap_or((c, ""));
                    (dim.trim().to_string(), Some(value.trim().to_string()))
                }
            })
            .collect();
        Source {
            measure: measure.trim().to_string(),
            changes,
        }
    }
}

impl Header {
    /// Reads the leading comment block of `sql`.
    pub fn parse(sql: &str) -> Header {
        let mut header = Header::default();
        for line in sql.lines().take_while(|l| l.trim_start().starts_with("--")) {
            let Some((key, value)) = line.trim_start_matches('-').split_once(':') else {
                continue;
            };
            let list = |separator: char| {
                value
                    .split(separator)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            };
            let pairs = |arrow: &str| -> Vec<(String, String)> {
                list(';')
                    .iter()
                    .filter_map(|pair| pair.split_once(arrow))
                    .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                    .collect()
            };
            match key.trim() {
                "question" => header.question = value.trim().to_string(),
                "counts" => header.counts = list(','),
                "keys" => header.keys = list(','),
                "without" => header.without = pairs("="),
                "cells" => {
                    header.cells = pairs("=")
                        .into_iter()
                        .map(|(c, s)| (c, Source::parse(&s)))
                        .collect()
                }
                "adds up" => header.row_sums.push(
                    value
                        .split(['=', '+'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ),
                "derived" => {
                    header.derived = pairs("<-")
                        .into_iter()
                        .map(|(d, sources)| {
                            let sources = split_sources(&sources).map(Source::parse).collect();
                            (d, sources)
                        })
                        .collect()
                }
                _ => {}
            }
        }
        header
    }
}

/// `a, b[x=1, -y]` -> `a`, `b[x=1, -y]`: commas inside brackets stay.
fn split_sources(text: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, ch) in text.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::publication::measures;
    use super::super::suppress::UNKNOWN_RACE;
    use super::*;

    /// A bundled query is a file in `queries/`: every file there is in [`BUNDLED`] under its
    /// own name, and every entry is a file.
    #[test]
    fn every_query_file_is_bundled() {
        let mut bundled: Vec<String> = BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
        bundled.sort();
        assert_eq!(crate::file_stems("queries", ".sql"), bundled);
    }

    /// Every file in `queries/views/` is registered, under its own name.
    #[test]
    fn every_view_file_is_registered() {
        let mut views: Vec<String> = VIEWS.iter().map(|(n, _)| n.to_string()).collect();
        views.sort();
        assert_eq!(crate::file_stems("queries/views", ".sql"), views);
    }

    #[test]
    fn every_bundled_query_declares_what_its_counts_count() {
        let measures = measures().unwrap();
        for (name, sql) in BUNDLED {
            let header = Header::parse(sql);
            assert!(!header.question.is_empty(), "{name}: question");
            assert!(!header.counts.is_empty(), "{name}: counts");
            let declared = |column: &String| {
                let cell = header.cells.iter().find(|(c, _)| c == column);
                let measure = cell.map_or(column, |(_, s)| &s.measure);
                measures.contains_key(measure)
            };
            for column in &header.counts {
                assert!(declared(column), "{name}: {column} is not a measure");
            }
            for (derived, sources) in &header.derived {
                for source in sources {
                    assert!(
                        header.counts.contains(&source.measure),
                        "{name}: {derived} is derived from a count"
                    );
                }
            }
            for (dim, value) in &header.without {
                assert_eq!((dim.as_str(), value.as_str()), ("race_group", UNKNOWN_RACE));
            }
        }
    }

    #[test]
    fn sources_read_with_their_changes() {
        let header = Header::parse(
            "-- derived: r <- people, people[race_group=WHITE]; s <- relieved[-race_group, x = 1]\n",
        );
        let change = |d: &str, v: Option<&str>| (d.to_string(), v.map(String::from));
        assert_eq!(
            header.derived[0].1[1].changes,
            [change("race_group", Some("WHITE"))]
        );
        assert_eq!(header.derived[1].1[0].measure, "relieved");
        assert_eq!(
            header.derived[1].1[0].changes,
            [change("race_group", None), change("x", Some("1"))]
        );
    }
}
