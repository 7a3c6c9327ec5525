//! The report's content: what the templates in `reports/` lay out and word.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Value, context};
use serde::Serialize;

use super::ReportError;
use super::facts::{self, Fact, Setting, count, percent, ratio};
use super::template::{Templates, escape};
use crate::analytics::publication::Check;
use crate::analytics::published::Published;
use crate::analytics::race::RaceMap;
use crate::analytics::tables::{BUNDLED, Header};
use crate::charts::{self, Figure, group_label, title_case};
use crate::normalize::quality::DECIDED_WITHOUT_DOB;
use crate::outputs::files;
use crate::population::Baseline;
use crate::summary::Summary;

/// How a column of a table reads in the report.
#[derive(Clone, Copy)]
enum Format {
    Text,
    Group,
    Count,
    Percent,
    Ratio,
}

/// (table, title, [(column, heading, format)]).
type TableSpec = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, Format)],
);

/// The tables shown in full in the report (all of them are in `tables/`).
const KEY_TABLES: [TableSpec; 6] = [
    (
        "disparity_vs_population",
        "Share of people with a Prop 64 conviction, and relieved, vs share of residents",
        &[
            ("race_group", "Group", Format::Group),
            ("people", "People with a Prop 64 conviction", Format::Count),
            ("share_of_people", "Share", Format::Percent),
            ("share_low", "95% low", Format::Percent),
            ("share_high", "95% high", Format::Percent),
            ("share_of_population", "Share of residents", Format::Percent),
            ("share_ratio", "Ratio", Format::Ratio),
            ("relieved", "People relieved", Format::Count),
            ("share_of_relieved", "Share relieved", Format::Percent),
        ],
    ),
    (
        "rate_ratios_vs_white",
        "People with a Prop 64 conviction dated in any year reviewed, per 100,000 residents of \
         the baseline year (a cumulative figure), relative to White residents",
        &[
            ("race_group", "Group", Format::Group),
            ("people", "People", Format::Count),
            ("residents", "Residents", Format::Count),
            ("residents_age", "Ages", Format::Text),
            ("rate_per_100k", "Per 100,000", Format::Ratio),
            ("rate_ratio", "Rate ratio", Format::Ratio),
            ("rate_ratio_low", "95% low", Format::Ratio),
            ("rate_ratio_high", "95% high", Format::Ratio),
        ],
    ),
    (
        "rates_by_period",
        "Per five-year period: people with a Prop 64 conviction dated in it, per 100,000 \
         residents of a year in it, relative to White residents",
        &[
            ("period_start", "From", Format::Text),
            ("race_group", "Group", Format::Group),
            ("people", "People", Format::Count),
            ("residents", "Residents", Format::Count),
            ("residents_age", "Ages", Format::Text),
            ("residents_year", "Residents in", Format::Text),
            ("rate_per_100k", "Per 100,000", Format::Ratio),
            ("rate_ratio", "Rate ratio", Format::Ratio),
            ("rate_ratio_low", "95% low", Format::Ratio),
            ("rate_ratio_high", "95% high", Format::Ratio),
        ],
    ),
    (
        "relief_by_race_and_scenario",
        "Who each flow leaves behind: people by outcome",
        &[
            ("race_group", "Group", Format::Group),
            ("people", "People", Format::Count),
            ("some_relief", "Some relief", Format::Count),
            ("no_felony_left", "No felony left", Format::Count),
            ("no_conviction_left", "No conviction left", Format::Count),
            (
                "no_conviction_last_7_years",
                "None in 7 years",
                Format::Count,
            ),
            (
                "dismiss_all_no_conviction_left",
                "What if dismiss all: no conviction left",
                Format::Count,
            ),
            (
                "dismiss_all_related_no_conviction_left",
                "What if dismiss all + related: no conviction left",
                Format::Count,
            ),
        ],
    ),
    (
        "convictions_by_race",
        "Convictions and determinations by race/ethnicity",
        &[
            ("race_group", "Group", Format::Group),
            ("convictions", "Convictions", Format::Count),
            ("people", "People", Format::Count),
            ("dismissal", "Dismissal", Format::Count),
            ("reduction", "Reduction", Format::Count),
            ("not_eligible", "Not eligible", Format::Count),
            ("review", "Review", Format::Count),
            ("no_determination", "No determination", Format::Count),
        ],
    ),
    (
        "reasons_by_race",
        "Determinations and reasons",
        &[
            ("determination", "Determination", Format::Text),
            ("reason", "Reason", Format::Text),
            ("convictions", "Convictions", Format::Count),
        ],
    ),
];

/// Everything the templates can show: the run's `summary.json`, and the figures, tables,
/// charts and sentences made from its published tables.
#[derive(Serialize)]
pub struct Page<'a> {
    title: String,
    place: String,
    summary: &'a Summary,
    baseline: &'a Baseline,
    baseline_label: String,
    /// Headline figures by column, as HTML (a withheld one is marked).
    headline: BTreeMap<&'static str, String>,
    facts: Vec<FactView>,
    charts: Vec<ChartView>,
    tables: Vec<TableView>,
    /// The race mapping: (code, DOJ description, group).
    race_map: Vec<(String, String, String)>,
    unknown_race: String,
    /// The as-of rule and the small-cell rule, worded by `as_of.txt` and `suppression.txt`.
    as_of: String,
    suppression: String,
    related_charges: String,
    data_quality: Vec<QualityLine>,
    /// Every bundled table and the question it answers.
    bundled_tables: Vec<BundledTable>,
}

#[derive(Serialize)]
struct FactView {
    sentence: String,
    citation: String,
}

#[derive(Serialize)]
struct ChartView {
    name: String,
    title: String,
    /// Inline SVG: the report stays one file.
    svg: String,
}

#[derive(Serialize)]
struct TableView {
    name: &'static str,
    title: &'static str,
    headings: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Serialize)]
struct Cell {
    html: String,
    numeric: bool,
}

#[derive(Serialize)]
struct QualityLine {
    column: String,
    issue: String,
    /// Rows affected, as shown (withheld when small); empty for a count of the review itself.
    rows: String,
}

#[derive(Serialize)]
struct BundledTable {
    name: &'static str,
    question: String,
}

impl<'a> Page<'a> {
    /// Gathers the report of the run in `run`.
    pub fn new(
        run: &Path,
        summary: &'a Summary,
        baseline: &'a Baseline,
        race_map: &RaceMap,
        charts: &[(String, Figure)],
        templates: &Templates,
    ) -> Result<Page<'a>, ReportError> {
        let tables = run.join(files::TABLES);
        let statewide = summary.county == "ALL";
        let place = match statewide {
            true => "all counties".to_string(),
            false => title_case(&summary.county),
        };
        let setting = Setting::new(&place, &summary.flow, baseline, statewide);
        let facts = facts::facts(&tables, &setting)?
            .iter()
            .map(|fact| word(fact, &setting, templates))
            .collect::<Result<_, _>>()?;
        let key_tables = KEY_TABLES
            .iter()
            .map(|spec| table_view(&tables, spec))
            .collect::<Result<_, _>>()?;
        let min_cell = summary.min_cell;
        let shown = |n: u64| small_or_count(n, min_cell);
        let as_of = templates.render(
            "as_of.txt",
            context! {
                compute_at => &summary.compute_at,
                left_out_in_county => shown(summary.left_out_as_of.prop64_convictions_in_county),
                left_out_all => shown(summary.left_out_as_of.convictions),
            },
        )?;
        let exact = summary.suppression_check == Some(Check::Exact);
        let suppression = templates.render("suppression.txt", context! { min_cell, exact })?;
        Ok(Page {
            title: format!("Proposition 64 relief in {place}"),
            place,
            summary,
            baseline,
            baseline_label: baseline.label(),
            headline: headline(&tables)?,
            facts,
            charts: chart_views(charts)?,
            tables: key_tables,
            race_map: race_map
                .rows
                .iter()
                .map(|(code, descr, group)| (code.clone(), descr.clone(), group_label(group)))
                .collect(),
            unknown_race: unknown_race(&tables)?,
            as_of,
            suppression,
            related_charges: related_charges(),
            data_quality: quality_lines(summary),
            bundled_tables: BUNDLED
                .iter()
                .map(|(name, sql)| BundledTable {
                    name,
                    question: Header::parse(sql).question,
                })
                .collect(),
        })
    }
}

/// `fact` in the words of `facts.txt`, with its citation.
fn word(fact: &Fact, setting: &Setting, templates: &Templates) -> Result<FactView, ReportError> {
    let mut values: BTreeMap<&str, Value> = BTreeMap::from([
        ("kind", Value::from(fact.kind)),
        ("place", Value::from(setting.place)),
        ("flow", Value::from(setting.flow)),
        ("year", Value::from(setting.year)),
        ("vintage", Value::from(setting.vintage.as_str())),
        ("adults", Value::from(setting.adults)),
        ("statewide", Value::from(setting.statewide)),
    ]);
    values.extend(fact.values.iter().map(|(k, v)| (*k, v.clone())));
    let sentence = templates.render("facts.txt", &values)?;
    if sentence.trim().is_empty() {
        return Err(ReportError::Template {
            path: "facts.txt".into(),
            message: format!("no sentence for the fact {:?}", fact.kind),
        });
    }
    Ok(FactView {
        sentence,
        citation: fact.citation(),
    })
}

fn cell_text(table: &Published, row: usize, column: &str, format: Format) -> String {
    let value = table
        .frame
        .column(column)
        .ok()
        .and_then(|c| c.get(row).ok());
    let Some(value) = value else {
        return String::new();
    };
    if value.is_null() {
        let marked = table
            .frame
            .column(&format!("{column}_suppressed"))
            .ok()
            .and_then(|c| c.get(row).ok())
            .is_some_and(|v| v == polars::prelude::AnyValue::Boolean(true));
        return match marked {
            true => "<span class=\"withheld\" title=\"withheld: small cell\">withheld</span>",
            // Not withheld, not there: a period no population table covers, for instance.
            false => "<span class=\"none\" title=\"no figure\">none</span>",
        }
        .to_string();
    }
    let number = value.extract::<f64>();
    match (format, number) {
        (Format::Count, Some(v)) => count(v),
        (Format::Percent, Some(v)) => percent(v),
        (Format::Ratio, Some(v)) => ratio(v),
        (Format::Group, _) => group_label(&value.str_value()),
        _ => escape(&value.str_value()),
    }
}

fn table_view(
    tables: &Path,
    &(name, title, columns): &TableSpec,
) -> Result<TableView, ReportError> {
    let table = Published::read(tables, name)?;
    // A statewide run's tables have a row per county.
    let county = table
        .frame
        .column("county")
        .is_ok()
        .then_some(("county", "County", Format::Text));
    let columns: Vec<_> = county.iter().chain(columns).collect();
    let rows = (0..table.frame.height())
        .map(|row| {
            columns
                .iter()
                .map(|&&(column, _, format)| Cell {
                    html: cell_text(&table, row, column, format),
                    numeric: !matches!(format, Format::Text | Format::Group),
                })
                .collect()
        })
        .collect();
    Ok(TableView {
        name,
        title,
        headings: columns.iter().map(|(_, heading, _)| *heading).collect(),
        rows,
    })
}

fn headline(tables: &Path) -> Result<BTreeMap<&'static str, String>, ReportError> {
    let table = Published::read(tables, "headline")?;
    let columns = [
        "convictions",
        "people",
        "dismissal",
        "reduction",
        "some_relief",
        "no_felony_left",
        "no_conviction_left",
        "no_conviction_last_7_years",
    ];
    Ok(columns
        .into_iter()
        .map(|column| (column, cell_text(&table, 0, column, Format::Count)))
        .collect())
}

fn chart_views(charts: &[(String, Figure)]) -> Result<Vec<ChartView>, ReportError> {
    charts
        .iter()
        .map(|(name, chart)| {
            let svg = chart.svg().map_err(|message| {
                ReportError::Charts(charts::ChartError::Draw {
                    name: name.clone(),
                    message,
                })
            })?;
            // The XML prologue is not allowed inside HTML.
            let svg = svg
                .trim_start_matches(|c| c != '<')
                .split_once("?>")
                .map_or(svg.as_str(), |(_, rest)| rest)
                .trim()
                .to_string();
            Ok(ChartView {
                name: name.clone(),
                title: chart.title().to_string(),
                svg,
            })
        })
        .collect()
}

/// `1,234`, or `from 1 to 10 (withheld)` for a small count.
fn small_or_count(n: u64, min_cell: u64) -> String {
    match n {
        n if n >= 1 && n <= min_cell => format!("from 1 to {min_cell} (withheld)"),
        n => count(n as f64),
    }
}

/// The related charges, as a reader would write them: `647(F) PC, 602 PC, ...`.
fn related_charges() -> String {
    let charges: Vec<String> = crate::normalize::offense::RELATED_CHARGES
        .iter()
        .map(|(section, code)| format!("{} {code}", section.replace('\\', "")))
        .collect();
    charges.join(", ")
}

/// How many people have a race code the mapping does not know, as the report may say it.
fn unknown_race(tables: &Path) -> Result<String, ReportError> {
    let table = Published::read(tables, "convictions_by_race")?;
    let groups = table.text("race_group")?;
    let people = table.numbers("people")?;
    let withheld = table.numbers("people_suppressed")?;
    Ok(match groups.iter().position(|g| g == "UNKNOWN") {
        None => "No person".to_string(),
        Some(i) => match (people[i], withheld[i]) {
            (Some(n), _) => format!("{} people", count(n)),
            (None, Some(w)) if w > 0.0 => "A small number of people (withheld)".to_string(),
            _ => "An unknown number of people".to_string(),
        },
    })
}

/// The data-quality lines with rows affected: rows of the input files, all counties and all
/// offences, not counts of the review, but small ones are withheld like any other.
fn quality_lines(summary: &Summary) -> Vec<QualityLine> {
    summary
        .data_quality
        .iter()
        .filter(|line| line.rows > 0)
        .map(|line| QualityLine {
            column: line.column.to_string(),
            issue: line.issue.to_string(),
            rows: match line.issue == DECIDED_WITHOUT_DOB {
                true => String::new(),
                false => small_or_count(line.rows, summary.min_cell),
            },
        })
        .collect()
}
