//! The report's content: every placeholder of the HTML and Markdown templates.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::facts::{self, Fact, Setting, count, percent, ratio};
use super::template::{escape, fill};
use super::{ReportError, text};
use crate::analytics::published::Published;
use crate::analytics::race::RaceMap;
use crate::analytics::tables::{BUNDLED, Header};
use crate::charts::{self, Figure, group_label, title_case};
use crate::normalize::quality::DECIDED_WITHOUT_DOB;
use crate::outputs::files;
use crate::population::Baseline;

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

/// Everything the templates can show.
pub struct Report {
    values: Vec<(&'static str, String)>,
}

impl Report {
    /// Gathers the report of the run in `run`.
    pub fn new(
        run: &Path,
        summary: &Value,
        baseline: &Baseline,
        race_map: &RaceMap,
        charts: &[(String, Figure)],
    ) -> Result<Report, ReportError> {
        let tables = run.join(files::TABLES);
        let county = text(summary, "county");
        let place = if county == "ALL" {
            "all counties".to_string()
        } else {
            title_case(&county)
        };
        let flow = text(summary, "flow");
        let facts = facts::facts(
            &tables,
            &Setting {
                place: &place,
                flow: &flow,
                baseline,
                statewide: county == "ALL",
            },
        )?;
        let mut values: Vec<(&'static str, String)> = vec![
            ("title", format!("Proposition 64 relief in {place}")),
            ("place", place.clone()),
            ("flow", escape(&flow)),
            ("compute_at", text(summary, "compute_at")),
            ("population_vintage", baseline.label()),
            ("version", env!("CARGO_PKG_VERSION").to_string()),
            ("min_cell", text(summary, "min_cell")),
        ];
        values.push(("headline", headline(&tables)?));
        values.push(("charts", chart_figures(charts)?));
        let mut key_tables = String::new();
        for spec in &KEY_TABLES {
            key_tables.push_str(&html_table(&tables, spec)?);
        }
        values.push(("tables", key_tables));
        values.push(("facts", fact_list(&facts)));
        values.push((
            "methodology",
            methodology(summary, baseline, race_map, &unknown_race(&tables)?),
        ));
        values.push(("provenance", provenance(summary)));
        values.push(("table_list_md", table_list_markdown()));
        values.push(("files_md", files_markdown(summary)));
        values.push(("facts_md", facts_markdown(&facts)));
        values.push(("suppression", suppression_rule(summary)));
        values.push(("as_of", as_of_rule(summary)));
        values.push(("related_charges", related_charges()));
        values.push(("baseline_because", escape(&baseline.chosen_because)));
        Ok(Report { values })
    }

    /// `template` (HTML or Markdown) with every placeholder filled.
    pub fn render(&self, template: &str) -> Result<String, String> {
        fill(template, &self.values)
    }
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

fn html_table(tables: &Path, (name, title, columns): &TableSpec) -> Result<String, ReportError> {
    let table = Published::read(tables, name)?;
    let with_county = table.frame.column("county").is_ok();
    let mut html = format!(
        "<section class=\"table\"><h3>{}</h3>\n<table>\n<thead><tr>",
        escape(title)
    );
    if with_county {
        html.push_str("<th>County</th>");
    }
    for (_, heading, _) in columns.iter() {
        let _ = write!(html, "<th>{}</th>", escape(heading));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..table.frame.height() {
        html.push_str("<tr>");
        if with_county {
            let _ = write!(
                html,
                "<td>{}</td>",
                cell_text(&table, row, "county", Format::Text)
            );
        }
        for (column, _, format) in columns.iter() {
            let class = match format {
                Format::Text | Format::Group => "",
                _ => " class=\"n\"",
            };
            let _ = write!(
                html,
                "<td{class}>{}</td>",
                cell_text(&table, row, column, *format)
            );
        }
        html.push_str("</tr>\n");
    }
    let _ = write!(
        html,
        "</tbody></table>\n<p class=\"source\">Table <code>tables/{name}.csv</code>, \
         query <code>queries/{name}.sql</code>.</p></section>\n"
    );
    Ok(html)
}

fn headline(tables: &Path) -> Result<String, ReportError> {
    let table = Published::read(tables, "headline")?;
    let cards = [
        ("convictions", "Prop 64 convictions reviewed"),
        ("people", "people with them"),
        ("dismissal", "convictions eligible for dismissal"),
        ("reduction", "convictions eligible for reduction"),
        ("some_relief", "people with some relief"),
        ("no_felony_left", "people left with no felony"),
        ("no_conviction_left", "people left with no conviction"),
        (
            "no_conviction_last_7_years",
            "people with none in the last 7 years",
        ),
    ];
    let mut html = String::from("<div class=\"cards\">\n");
    for (column, label) in cards {
        let _ = writeln!(
            html,
            "<div class=\"card\"><div class=\"figure\">{}</div><div class=\"label\">{}</div></div>",
            cell_text(&table, 0, column, Format::Count),
            escape(label)
        );
    }
    html.push_str("</div>\n");
    Ok(html)
}

fn chart_figures(charts: &[(String, Figure)]) -> Result<String, ReportError> {
    let mut html = String::new();
    for (name, chart) in charts {
        let svg = chart.svg().map_err(|message| {
            ReportError::Charts(charts::ChartError::Draw {
                name: name.clone(),
                message,
            })
        })?;
        // Inline: the report stays one file; the XML prologue is not allowed inside HTML.
        let svg = svg
            .trim_start_matches(|c| c != '<')
            .split_once("?>")
            .map_or(svg.as_str(), |(_, rest)| rest)
            .trim();
        let _ = write!(
            html,
            "<figure id=\"chart-{name}\">{svg}\n<figcaption>{} (<code>charts/{name}.png</code>, \
             <code>charts/{name}.svg</code>)</figcaption></figure>\n",
            escape(chart.title())
        );
    }
    Ok(html)
}

fn fact_list(facts: &[Fact]) -> String {
    let mut html = String::from("<ol class=\"facts\">\n");
    for fact in facts {
        let _ = writeln!(
            html,
            "<li>{}<br><span class=\"source\">Source: {}</span></li>",
            escape(&fact.sentence),
            escape(&fact.citation()).replace('`', "")
        );
    }
    html.push_str("</ol>\n");
    html
}

fn facts_markdown(facts: &[Fact]) -> String {
    let mut md = String::new();
    for (i, fact) in facts.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. {}\n   Source: {}\n",
            i + 1,
            fact.sentence,
            fact.citation()
        );
    }
    md
}

fn suppression_rule(summary: &Value) -> String {
    let checked = match summary["suppression_check"].as_str() {
        Some("exact") => {
            "Checked exactly: no withheld count is a sum or difference of published numbers, \
             in any combination of tables."
        }
        _ => {
            "This publication was too large for the exact check: no withheld count follows \
             from how the tables add up (totals, known and unknown race, periods and years, \
             tables that count the same people)."
        }
    };
    match summary["min_cell"].as_u64() {
        Some(0) => "No count is withheld (--min-cell 0, for internal use only).".to_string(),
        Some(n) => format!(
            "Counts from 1 to {n} people or convictions are withheld (shown as \"withheld\") \
             in every table, chart and sentence, and so are other counts, chosen so that no \
             withheld count can be worked out from published ones: not from a total, not from \
             another table showing the same people, not from a headline figure or a \
             denominator (complementary suppression over the whole publication). Shares, \
             rates and ratios computed from a withheld count are withheld with it. {checked}"
        ),
        None => "unknown".to_string(),
    }
}

/// `1,234`, or `from 1 to 10 (withheld)` for a small count.
fn small_or_count(n: u64, min_cell: u64) -> String {
    match n {
        n if n >= 1 && n <= min_cell => format!("from 1 to {min_cell} (withheld)"),
        n => count(n as f64),
    }
}

/// The as-of rule and what it left out, in words. A count of convictions from 1 to the
/// small-cell threshold is withheld like any other.
fn as_of_rule(summary: &Value) -> String {
    let date = text(summary, "compute_at");
    let left_out = &summary["left_out_as_of"];
    let min_cell = summary["min_cell"].as_u64().unwrap_or(0);
    let shown = |n: u64| small_or_count(n, min_cell);
    let in_county = left_out["prop64_convictions_in_county"]
        .as_u64()
        .unwrap_or(0);
    let all = left_out["convictions"].as_u64().unwrap_or(0);
    format!(
        "The figures describe the records as they stood on {date}, the as-of date: every \
         rule counts from it (ages, years since a conviction, the 7 years before it), and a \
         conviction dated after it is left out of the review and of every count, here {} \
         Prop 64 convictions that would otherwise be reviewed (and {} convictions of any \
         offence in any county, which also no longer count in a person's record); a PC \
         290 registration or a death record dated after it does not count either. A \
         conviction without a readable date stays in. Run on a later extract with the same \
         as-of date to reproduce a figure published on that date.",
        shown(in_county),
        shown(all)
    )
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

fn methodology(
    summary: &Value,
    baseline: &Baseline,
    race_map: &RaceMap,
    unknown_race: &str,
) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<h3>As of a date</h3>\n<p>{}</p>\n<h3>Eligibility</h3>\n<p>Every Prop 64 conviction (H&amp;S 11357, 11358, 11359, 11360, \
         with attempts) in the county is decided by the flow below; its rules \
         are tried in order and the first that applies decides. Ages, years and dates count \
         from the compute-at date, <strong>{}</strong>. A person's outcome (no felony left, \
         no conviction left, none in the last 7 years) counts all their convictions, in any \
         county. The two what-if flows dismiss every Prop 64 conviction in the county, and \
         also every related-charge conviction in the county (see What the figures \
         count).</p>\n<pre>{}</pre>\n",
        escape(&as_of_rule(summary)),
        escape(&text(summary, "compute_at")),
        escape(&text(summary, "flow_rules"))
    );
    let _ = write!(
        html,
        "<h3>Population baseline</h3>\n<p>Residents by race/ethnicity from the U.S. Census \
         Bureau ({}; source: {}), chosen as the {}. Shares use residents of all ages; rates \
         use adults (18+) where the baseline has them (the yearly estimates), otherwise all \
         ages. The census groups are mutually exclusive: Hispanic of any race, then \
         non-Hispanic White, Black, American Indian, Asian, Pacific Islander, and other or \
         more than one race.</p>\n",
        escape(&baseline.label()),
        escape(&baseline.source),
        escape(&baseline.chosen_because)
    );
    html.push_str(
        "<h3>Race mapping</h3>\n<p>The DOJ's race codes are mapped to the census groups by the \
         table below (kept with the run as <code>race_map.csv</code>; replace it with \
         <code>--race-map FILE</code>). A code not in it becomes UNKNOWN: counted in the \
         tables and in the denominators of shares, but not a group of its own in shares and \
         rates (it has no census counterpart).</p>\n",
    );
    let _ = write!(
        html,
        "<p><strong>{}</strong> in this run had a race code outside the mapping \
         (UNKNOWN).</p>\n<table class=\"compact\"><thead><tr><th>Code</th>\
         <th>DOJ description</th><th>Group</th></tr></thead><tbody>\n",
        escape(unknown_race)
    );
    for (code, descr, group) in &race_map.rows {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(code),
            escape(descr),
            escape(&group_label(group))
        );
    }
    html.push_str("</tbody></table>\n");
    let _ = write!(
        html,
        "<h3>Small cells</h3>\n<p>{}</p>\n<h3>Confidence intervals</h3>\n<p>Shares of people: \
         Wilson score interval, 95% (z = 1.96). Rate ratios: log-normal approximation, \
         exp(ln RR ± 1.96·√(1/a − 1/A + 1/b − 1/B)). Intervals describe sampling-like \
         variation only, not errors in the records or in the race codes.</p>\n",
        escape(&suppression_rule(summary))
    );
    html.push_str(
        "<h3>Known limitations of the data</h3>\n<ul>\n<li>Race/ethnicity is what the arresting \
         agency recorded, not self-identified as in the census; Hispanic people recorded as \
         White inflate one group and shrink the other.</li>\n<li>The population baseline is \
         of residents; people with a conviction in a county need not live there.</li>\n",
    );
    // Rows of the input files, all counties and all offences: not counts of the review, but
    // small ones are withheld like any other.
    let min_cell = summary["min_cell"].as_u64().unwrap_or(0);
    for issue in summary["data_quality"].as_array().into_iter().flatten() {
        let rows = issue["rows"].as_u64().unwrap_or(0);
        let what = issue["issue"].as_str().unwrap_or("");
        let how_many = match what == DECIDED_WITHOUT_DOB {
            true => String::new(),
            false => format!(
                " ({} rows of the input files)",
                small_or_count(rows, min_cell)
            ),
        };
        if rows > 0 {
            let _ = writeln!(
                html,
                "<li>{}: {}{how_many}.</li>",
                escape(issue["column"].as_str().unwrap_or("")),
                escape(what),
            );
        }
    }
    html.push_str("</ul>\n");
    html
}

fn provenance(summary: &Value) -> String {
    let rows = &summary["rows"];
    let mut html = format!(
        "<p>clearstat {}; county {}; compute-at {}; flow {}; bad rows: {}; encoding: {}; \
         small cells: {}.</p>\n<p>Rows read {} = accepted {} + rejected {}: {}.</p>\n\
         <table class=\"compact\"><thead><tr><th>Input file</th><th>SHA-256</th><th>Rows read</th>\
         <th>Accepted</th><th>Rejected</th></tr></thead><tbody>\n",
        escape(&text(summary, "clearstat_version")),
        escape(&text(summary, "county")),
        escape(&text(summary, "compute_at")),
        escape(&text(summary, "flow")),
        escape(&text(summary, "on_bad_rows")),
        escape(&text(summary, "encoding")),
        escape(&text(summary, "min_cell")),
        count(rows["rows_read"].as_f64().unwrap_or(0.0)),
        count(rows["rows_accepted"].as_f64().unwrap_or(0.0)),
        count(rows["rows_rejected"].as_f64().unwrap_or(0.0)),
        if rows["reconciles"].as_bool() == Some(true) {
            "every row is accounted for"
        } else {
            "THE COUNTS DO NOT RECONCILE"
        }
    );
    for file in rows["files"].as_array().into_iter().flatten() {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            escape(file["path"].as_str().unwrap_or("")),
            escape(file["sha256"].as_str().unwrap_or("")),
            count(file["rows_read"].as_f64().unwrap_or(0.0)),
            count(file["rows_accepted"].as_f64().unwrap_or(0.0)),
            count(file["rows_rejected"].as_f64().unwrap_or(0.0)),
        );
    }
    html.push_str("</tbody></table>\n");
    html
}

fn files_markdown(summary: &Value) -> String {
    let mut md = String::new();
    for file in summary["rows"]["files"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "- `{}`: {} rows read, {} accepted, {} rejected; SHA-256 `{}`",
            file["path"].as_str().unwrap_or(""),
            count(file["rows_read"].as_f64().unwrap_or(0.0)),
            count(file["rows_accepted"].as_f64().unwrap_or(0.0)),
            count(file["rows_rejected"].as_f64().unwrap_or(0.0)),
            file["sha256"].as_str().unwrap_or("")
        );
    }
    md
}

fn table_list_markdown() -> String {
    BUNDLED
        .iter()
        .map(|(name, sql)| format!("- `tables/{name}.csv`: {}\n", Header::parse(sql).question))
        .collect()
}
