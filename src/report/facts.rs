//! The fact sheet: press-ready sentences, each number taken from one published table cell
//! and cited with its table, row, column and query, so that a reader (and a test) can check it.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Value;
use serde::Serialize;

use crate::analytics::published::{Published, TableError, busiest_county, csv_text};
use crate::charts::{group_label, title_case};
use crate::population::Baseline;

/// A number in a sentence and the cell it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cited {
    pub table: &'static str,
    /// (key column, key value) of the row; empty for a one-row table.
    pub row: Vec<(&'static str, String)>,
    pub column: &'static str,
    /// The cell as the CSV shows it.
    pub text: String,
    pub value: f64,
}

/// One sentence of the fact sheet, before it is worded (`reports/facts.txt` words each kind):
/// its numbers, formatted and named, and the cells they come from.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Which sentence: `people`, `decisions`, `share`, `rate`, `period`...
    pub kind: &'static str,
    /// The numbers by column, as the sentence shows them, and the words it needs (`group`).
    pub values: BTreeMap<&'static str, Value>,
    pub sources: Vec<Cited>,
}

/// How a fact shows a number.
#[derive(Clone, Copy)]
enum Shown {
    Count,
    Percent,
    Ratio,
    /// As the table's CSV shows it (a year).
    Text,
}
use Shown::{Count, Percent, Ratio, Text};

/// The fact `kind` whose numbers are `cited`, each named by its column and shown as `shown`.
fn figures(kind: &'static str, cited: &[Cited], shown: &[Shown]) -> Fact {
    let values = cited
        .iter()
        .zip(shown)
        .map(|(c, shown)| {
            let text = match shown {
                Count => count(c.value),
                Percent => percent(c.value),
                Ratio => ratio(c.value),
                Text => c.text.clone(),
            };
            (c.column, Value::from(text))
        })
        .collect();
    Fact {
        kind,
        values,
        sources: cited.to_vec(),
    }
}

impl Fact {
    /// The fact with one more named value.
    fn with(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.values.insert(name, value.into());
        self
    }

    /// `tables/x.csv (row race_group = BLACK): people = 224, ...; query queries/x.sql`.
    pub fn citation(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut last: Option<(&str, &Vec<(&str, String)>)> = None;
        for cited in &self.sources {
            let place = (cited.table, &cited.row);
            if last != Some(place) {
                let row = match cited.row.is_empty() {
                    true => String::new(),
                    false => {
                        let keys: Vec<String> = cited
                            .row
                            .iter()
                            .map(|(k, v)| format!("{k} = {v}"))
                            .collect();
                        format!(", row {}", keys.join(" and "))
                    }
                };
                parts.push(format!(
                    "`tables/{}.csv`{row} (query `queries/{}.sql`):",
                    cited.table, cited.table
                ));
                last = Some(place);
            }
            parts.push(format!("{} = {};", cited.column, cited.text));
        }
        parts.join(" ").trim_end_matches(';').to_string()
    }
}

/// A row of a published table, for citing its cells.
struct Row<'a> {
    table: &'static str,
    frame: &'a Published,
    index: usize,
    key: Vec<(&'static str, String)>,
}

impl Row<'_> {
    /// The cell, or None when it is withheld.
    fn cite(&self, column: &'static str) -> Result<Option<Cited>, TableError> {
        let text = csv_text(&self.frame.frame, self.index, column).map_err(|e| TableError {
            path: self.frame.path.clone(),
            message: e.to_string(),
        })?;
        Ok(text.and_then(|text| {
            let value = text.parse::<f64>().ok()?;
            Some(Cited {
                table: self.table,
                row: self.key.clone(),
                column,
                text,
                value,
            })
        }))
    }

    /// Every cell of `columns`, or None when any is withheld (the fact is then left out).
    fn cite_all<const N: usize>(
        &self,
        columns: [&'static str; N],
    ) -> Result<Option<[Cited; N]>, TableError> {
        let mut cited = Vec::with_capacity(N);
        for column in columns {
            match self.cite(column)? {
                Some(c) => cited.push(c),
                None => return Ok(None),
            }
        }
        Ok(cited.try_into().ok())
    }
}

fn find<'a>(
    table: &'static str,
    frame: &'a Published,
    key: &'static str,
    value: &str,
) -> Result<Option<Row<'a>>, TableError> {
    let keys = frame.text(key)?;
    Ok(keys.iter().position(|k| k == value).map(|index| Row {
        table,
        frame,
        index,
        key: vec![(key, value.to_string())],
    }))
}

/// The row of `group` in the latest period of `rates_by_period` that has residents.
fn latest_period_with_residents<'a>(
    table: &'a Published,
    group: &str,
) -> Result<Option<Row<'a>>, TableError> {
    let (groups, starts, years) = (
        table.text("race_group")?,
        table.numbers("period_start")?,
        table.numbers("residents_year")?,
    );
    let latest = (0..groups.len())
        .filter(|&i| groups[i] == group && years[i].is_some())
        .max_by(|&a, &b| {
            starts[a]
                .unwrap_or(0.0)
                .total_cmp(&starts[b].unwrap_or(0.0))
        });
    Ok(latest.map(|index| Row {
        table: "rates_by_period",
        frame: table,
        index,
        key: vec![
            (
                "period_start",
                table.text("period_start").unwrap_or_default()[index].clone(),
            ),
            ("race_group", group.to_string()),
        ],
    }))
}

/// `1486` -> `1,486`.
pub fn count(v: f64) -> String {
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.2179` -> `21.8%`.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// `3.7507` -> `3.8`.
pub fn ratio(v: f64) -> String {
    format!("{v:.1}")
}

/// What the facts need to know about the run: also what every sentence may name.
#[derive(Serialize)]
pub struct Setting<'a> {
    /// `San Francisco` or `all counties reviewed`.
    pub place: &'a str,
    pub flow: &'a str,
    /// The baseline's year and label (`census2010`).
    pub year: i32,
    pub vintage: String,
    /// The baseline has adults (18 and over): rates are per adult.
    pub adults: bool,
    /// The run covers every county (`--county ALL`): shares and rates are California's.
    pub statewide: bool,
}

impl<'a> Setting<'a> {
    pub fn new(place: &'a str, flow: &'a str, baseline: &Baseline, statewide: bool) -> Self {
        Setting {
            place,
            flow,
            year: baseline.year,
            vintage: baseline.label(),
            adults: baseline.has_adults,
            statewide,
        }
    }
}

/// The first and last year of the Prop 64 convictions reviewed (`convictions_by_conviction_year`).
fn conviction_span(tables: &Path) -> Result<Option<(f64, f64)>, TableError> {
    let years =
        Published::read(tables, "convictions_by_conviction_year")?.numbers("conviction_year")?;
    let known = years.into_iter().flatten();
    Ok(known.clone().reduce(f64::min).zip(known.reduce(f64::max)))
}

/// The fact sheet of the tables in `tables`. A fact whose cells are withheld is left out.
pub fn facts(tables: &Path, setting: &Setting) -> Result<Vec<Fact>, TableError> {
    let mut facts = headline_facts(tables)?;
    facts.extend(timing_fact(tables)?);
    facts.extend(disparity_facts(tables, setting)?);
    facts.extend(period_facts(tables, setting)?);
    facts.extend(unknown_race_fact(tables)?);
    Ok(facts)
}

/// The fact `kind` whose numbers are `cited`, each a count.
fn counts(kind: &'static str, cited: &[Cited]) -> Fact {
    figures(kind, cited, &vec![Count; cited.len()])
}

/// Convictions and what the chosen flow decided for them, as the tables name the columns.
const DECISIONS: [&str; 5] = [
    "convictions",
    "dismissal",
    "reduction",
    "review",
    "not_eligible",
];

/// The counts of the one-row `headline` table: people, decisions, outcomes, what-ifs.
fn headline_facts(tables: &Path) -> Result<Vec<Fact>, TableError> {
    let headline = Published::read(tables, "headline")?;
    let row = Row {
        table: "headline",
        frame: &headline,
        index: 0,
        key: Vec::new(),
    };
    let mut facts = Vec::new();
    if let Some(cited) = row.cite_all(["people", "convictions"])? {
        facts.push(counts("people", &cited));
    }
    if let Some(cited) = row.cite_all(DECISIONS)? {
        facts.push(counts("decisions", &cited));
    }
    let outcomes = [
        "some_relief",
        "people",
        "no_felony_left",
        "no_conviction_left",
        "no_conviction_last_7_years",
    ];
    if let Some(cited) = row.cite_all(outcomes)? {
        facts.push(counts("outcomes", &cited));
    }
    let what_if = [
        "dismiss_all_no_conviction_left",
        "no_conviction_left",
        "dismiss_all_related_no_conviction_left",
    ];
    if let Some(cited) = row.cite_all(what_if)? {
        facts.push(counts("what_if", &cited));
    }
    Ok(facts)
}

/// The decisions on convictions dated after Prop 64 passed.
fn timing_fact(tables: &Path) -> Result<Option<Fact>, TableError> {
    let name = "convictions_by_prop64_timing";
    let timing = Published::read(tables, name)?;
    let Some(row) = find(name, &timing, "prop64_timing", "after 2016-11-09")? else {
        return Ok(None);
    };
    Ok(row
        .cite_all(DECISIONS)?
        .map(|cited| counts("after_prop64", &cited)))
}

/// Shares of people against shares of residents, and rates relative to White residents,
/// of Black and Hispanic people. A statewide run speaks of California, against all its
/// residents; a county's of the county.
fn disparity_facts(tables: &Path, setting: &Setting) -> Result<Vec<Fact>, TableError> {
    let (shares, rate_table, people, place) = match setting.statewide {
        true => (
            "state_disparity_vs_population",
            "state_rate_ratios_vs_white",
            "all_people",
            "California",
        ),
        false => (
            "disparity_vs_population",
            "rate_ratios_vs_white",
            "county_people",
            setting.place,
        ),
    };
    let span = match conviction_span(tables)? {
        Some((first, last)) => format!("{first:.0} to {last:.0}"),
        None => "in any year".to_string(),
    };
    let disparity = Published::read(tables, shares)?;
    let rates = Published::read(tables, rate_table)?;
    let mut facts = Vec::new();
    for group in ["BLACK", "HISPANIC"] {
        let named = |fact: Fact| fact.with("group", group_label(group)).with("place", place);
        let share_columns = [
            "share_of_people",
            people,
            "share_low",
            "share_high",
            "share_of_population",
            "share_ratio",
        ];
        if let Some(row) = find(shares, &disparity, "race_group", group)?
            && let Some(cited) = row.cite_all(share_columns)?
        {
            let fact = figures(
                "share",
                &cited,
                &[Percent, Count, Percent, Percent, Percent, Ratio],
            );
            facts.push(named(fact.with("statewide", setting.statewide)));
        }
        let rate_columns = [
            "rate_ratio",
            "rate_ratio_low",
            "rate_ratio_high",
            "rate_per_100k",
        ];
        if let Some(row) = find(rate_table, &rates, "race_group", group)?
            && let Some(cited) = row.cite_all(rate_columns)?
        {
            let fact = figures("rate", &cited, &[Ratio; 4]);
            facts.push(named(fact.with("span", &span)));
        }
    }
    Ok(facts)
}

/// The latest five-year period's rate ratios of Black and Hispanic residents. Period rates
/// are published per county: a statewide run cites its busiest county, and says so.
fn period_facts(tables: &Path, setting: &Setting) -> Result<Vec<Fact>, TableError> {
    let county = busiest_county(tables)?.filter(|_| setting.statewide);
    let periods = Published::read(tables, "rates_by_period")?.only_county(county.as_deref())?;
    let mut facts = Vec::new();
    for group in ["BLACK", "HISPANIC"] {
        let columns = [
            "period_start",
            "rate_ratio",
            "rate_ratio_low",
            "rate_ratio_high",
            "rate_per_100k",
            "residents_year",
        ];
        if let Some(row) = latest_period_with_residents(&periods, group)?
            && let Some(cited) = row.cite_all(columns)?
        {
            let fact = figures("period", &cited, &[Text, Ratio, Ratio, Ratio, Ratio, Text]);
            let place = county
                .as_deref()
                .map_or(setting.place.to_string(), title_case);
            facts.push(
                fact.with("group", group_label(group))
                    .with("place", place)
                    .with("busiest_county", county.is_some())
                    .with("ages", &periods.text("residents_age")?[row.index])
                    .with("vintage", &periods.text("residents_vintage")?[row.index]),
            );
        }
    }
    Ok(facts)
}

/// People whose race code the mapping does not place.
fn unknown_race_fact(tables: &Path) -> Result<Option<Fact>, TableError> {
    let by_race = Published::read(tables, "convictions_by_race")?;
    let Some(row) = find("convictions_by_race", &by_race, "race_group", "UNKNOWN")? else {
        return Ok(None);
    };
    Ok(row
        .cite_all(["people"])?
        .map(|cited| counts("unknown_race", &cited)))
}
