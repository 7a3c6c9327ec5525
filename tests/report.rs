use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

use crate::frames::{read_parquet, strings};
use crate::testdir::TestDir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SAMPLE: &str = "data-samples/doj_research_sample.csv";

/// The README's main command, run from the project root (as `reports/regenerate-example`
/// does, so that the input path in the report is the same relative one), into `out`.
fn run_sample(out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_clearstat"))
        .current_dir(ROOT)
        .args(["run", SAMPLE, "--county", "SAN FRANCISCO"])
        .args(["--compute-at", "2020-01-01", "--quiet", "--out"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

fn sample_run(name: &str) -> (TestDir, PathBuf) {
    let dir = TestDir::new(name);
    let out = dir.path("out");
    run_sample(&out);
    (dir, out)
}

/// `tables/NAME.csv` read as text columns.
fn csv(out: &Path, table: &str) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(out.join("tables").join(format!("{table}.csv"))))
        .unwrap()
        .finish()
        .unwrap()
}

/// The row of `frame` whose `key` columns hold these values.
fn row_where(frame: &DataFrame, key: &[(String, String)]) -> usize {
    let columns: Vec<Vec<Option<String>>> = key.iter().map(|(k, _)| strings(frame, k)).collect();
    (0..frame.height())
        .find(|&r| {
            key.iter()
                .zip(&columns)
                .all(|((_, v), c)| c[r].as_deref() == Some(v.as_str()))
        })
        .unwrap_or_else(|| panic!("no row {key:?}"))
}

/// One cited cell: (table, row keys, column, cited text).
type Citation = (String, Vec<(String, String)>, String, String);

/// Parses a `Source:` line of report.md.
fn citations(source: &str) -> Vec<Citation> {
    let mut cited = Vec::new();
    for part in source.split("`tables/").skip(1) {
        let (table, rest) = part.split_once(".csv`").unwrap();
        let key: Vec<(String, String)> = rest
            .strip_prefix(", row ")
            .and_then(|r| r.split_once(" (query").map(|(k, _)| k))
            .map(|k| {
                k.split(" and ")
                    .map(|pair| {
                        let (column, value) = pair.split_once(" = ").unwrap();
                        (column.to_string(), value.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cells = rest.split_once("):").unwrap().1;
        for cell in cells.split(';') {
            let (column, text) = cell.trim().split_once(" = ").unwrap();
            cited.push((
                table.to_string(),
                key.clone(),
                column.to_string(),
                text.to_string(),
            ));
        }
    }
    cited
}

/// The ways report.md writes a number.
fn renderings(v: f64) -> [String; 4] {
    [
        // A year, as cited.
        format!("{v}"),
        clearstat::report::facts::count(v),
        clearstat::report::facts::percent(v),
        clearstat::report::facts::ratio(v),
    ]
}

#[test]
fn every_number_in_the_fact_sheet_equals_the_table_cell_it_cites() {
    let (_dir, out) = sample_run("report_facts");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let population = &summary["population"];
    let lines: Vec<&str> = md.lines().collect();
    let mut facts = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(source) = line.trim_start().strip_prefix("Source: ") else {
            continue;
        };
        let sentence = lines[i - 1].split_once(". ").unwrap().1;
        let cited = citations(source);
        assert!(!cited.is_empty(), "{source}");
        let mut values = Vec::new();
        for (table, key, column, text) in &cited {
            let frame = csv(&out, table);
            let row = row_where(&frame, key);
            let cell = strings(&frame, column)[row]
                .clone()
                .expect("a cited cell is published");
            let (cell, text): (f64, f64) = (cell.parse().unwrap(), text.parse().unwrap());
            assert_eq!(cell, text, "{table} {key:?} {column}");
            values.push(cell);
        }
        // Every number in the sentence is one of the cited cells, as the report writes it;
        // the words' own numbers (Prop 64, sections, 7 years, 95%, per 100,000) go first.
        let mut words = sentence.to_string();
        if sentence.contains("residents of all ages in") || sentence.contains("adult residents") {
            // The residents named are those of the cited row (rates per period) or of the
            // run's baseline, as the cited table says.
            let (table, key, _, _) = &cited[0];
            let frame = csv(&out, table);
            let named = match cited.iter().find(|c| c.2 == "residents_year") {
                Some((_, _, _, year)) => {
                    let row = row_where(&frame, key);
                    let vintage = strings(&frame, "residents_vintage")[row].clone().unwrap();
                    format!("in {year} ({vintage})")
                }
                None => {
                    let vintage = strings(&frame, "population_vintage")[0].clone().unwrap();
                    format!("in {} ({vintage})", population["year"])
                }
            };
            assert!(sentence.contains(&named), "{sentence}: {named}");
            words = words.replace(&named, "");
        }
        if let Some((_, dated)) = sentence.split_once("conviction dated ")
            && dated.starts_with(|c: char| c.is_ascii_digit())
        {
            // The span is that of the years of the convictions reviewed.
            let years = strings(
                &csv(&out, "convictions_by_conviction_year"),
                "conviction_year",
            );
            let years: Vec<&str> = years.iter().flatten().map(String::as_str).collect();
            let span = format!("{} to {}", years[0], years[years.len() - 1]);
            assert!(dated.starts_with(&span), "{sentence}: {span}");
            words = words.replace(&span, "");
        }
        for constant in [
            "Prop 64",
            "18 and over",
            "9 November 2016",
            "five years",
            "11357 to 11360",
            "last 7 years",
            "95% interval",
            "per 100,000",
        ] {
            words = words.replace(constant, "");
        }
        let numbers: Vec<&str> = words
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '%'))
            .map(|t| t.trim_end_matches(['.', ',']))
            .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
            .collect();
        assert!(!numbers.is_empty(), "{sentence}");
        for number in numbers {
            assert!(
                values
                    .iter()
                    .any(|v| renderings(*v).contains(&number.to_string())),
                "'{number}' in '{sentence}' is not a cited cell ({values:?})"
            );
        }
        facts += 1;
    }
    assert!(facts >= 6, "the fact sheet has {facts} facts");
    assert!(
        md.contains("were Black"),
        "the seed statistic is a sentence"
    );
}

/// Headless Chromium run on the page `html` with `extra` options.
fn chromium(html: &Path, extra: &[&str]) -> std::process::Output {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .expect(
            "headless Chromium is needed for this test: apt-get install chromium (.ci/run does)",
        );
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
        ])
        .args(extra)
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap()
}

/// The page `html` as the browser parsed it, checked for load errors.
fn dom_in_chromium(html: &Path) -> String {
    let dom = chromium(html, &["--dump-dom"]);
    assert!(dom.status.success());
    let stderr = String::from_utf8_lossy(&dom.stderr);
    for problem in ["CONSOLE", "Failed to load", "net::ERR_", "Uncaught"] {
        assert!(!stderr.contains(problem), "{problem}: {stderr}");
    }
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

/// A statewide run draws the county maps; in the browser each holds the 58 counties, each a
/// shape named on hover, and the withheld counties are named in its legend.
#[test]
fn the_statewide_report_shows_the_county_maps_in_a_browser() {
    let dir = TestDir::new("report_maps");
    dir.run_generated("20000", "5", &["--no-gogen"]);
    let out = dir.path("out");
    for name in clearstat::charts::MAP_NAMES {
        for ext in ["png", "svg"] {
            let file = out.join("charts").join(format!("{name}.{ext}"));
            assert!(
                std::fs::metadata(&file).is_ok_and(|m| m.len() > 10_000),
                "{name}.{ext}"
            );
        }
    }
    let dom = dom_in_chromium(&out.join("report.html"));
    for name in clearstat::charts::MAP_NAMES {
        let start = dom.find(&format!("id=\"chart-{name}\"")).expect(name);
        let figure = &dom[start..start + dom[start..].find("</figure>").expect("figure end")];
        assert_eq!(figure.matches("<g class=\"county\"").count(), 58, "{name}");
        assert_eq!(figure.matches("<title>").count(), 58, "{name}");
        assert!(figure.contains("<title>Los Angeles: "), "{name}");
        assert!(
            figure.contains("Population census2010; convictions up to the as-of date 2020-01-01")
        );
    }
    // 20,000 rows leave small counties with small counts: withheld, drawn grey, named.
    let start = dom.find("id=\"chart-map_black_white_rate_ratio\"").unwrap();
    let figure = &dom[start..];
    assert!(figure.contains(": withheld (small counts)</title>"));
    assert!(figure.contains("Withheld (small counts): "));
    // The fact sheet and the share and rate charts speak of California, against all its
    // residents.
    assert!(dom.contains("people with a Prop 64 conviction in California (race known or not)"));
    assert!(dom.contains("of the state's residents of all ages"));
    for chart in ["share_vs_population", "rate_ratios", "rates_by_period"] {
        let start = dom.find(&format!("id=\"chart-{chart}\"")).expect(chart);
        let figure = &dom[start..start + dom[start..].find("</figure>").expect("figure end")];
        assert!(figure.contains("California · flow"), "{chart}");
    }
    // The counties side by side, each with its interval; the withheld ones named, not drawn.
    let name = clearstat::charts::BY_COUNTY;
    let start = dom.find(&format!("id=\"chart-{name}\"")).expect(name);
    let figure = &dom[start..start + dom[start..].find("</figure>").expect("figure end")];
    assert!(figure.contains("Los Angeles") && figure.contains("Not drawn, withheld"));
    assert!(out.join("charts").join(format!("{name}.png")).is_file());
}

#[test]
fn the_report_renders_in_a_real_browser_with_its_charts() {
    let (_dir, out) = sample_run("report_browser");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for name in clearstat::charts::NAMES {
        assert!(html.contains(&format!("id=\"chart-{name}\"")), "{name}");
    }
    // Self-contained: nothing is fetched (SVG's xmlns is a name, not a request).
    for attribute in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<script",
    ] {
        assert!(!html.contains(attribute), "the report loads {attribute}");
    }
    let dom_text = dom_in_chromium(&out.join("report.html"));
    // The browser parsed every chart as SVG with bars in it, and the tables.
    assert_eq!(
        dom_text.matches("<svg").count(),
        clearstat::charts::NAMES.len()
    );
    assert!(dom_text.matches("<rect").count() > 50);
    assert!(dom_text.contains("Share of people with a Prop 64 conviction"));
    let shot = out.join("report.png");
    let shot_arg = format!("--screenshot={}", shot.display());
    let screenshot = chromium(
        &out.join("report.html"),
        &[&shot_arg, "--window-size=1200,6000"],
    );
    assert!(screenshot.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 100_000,
        "a screenshot with content"
    );
}

#[test]
fn the_checked_in_example_is_the_samples_report() {
    let (_dir, out) = sample_run("report_example");
    let example = Path::new(ROOT).join("reports/example");
    let mut files = vec![PathBuf::from("report.md"), PathBuf::from("report.html")];
    for name in clearstat::charts::NAMES {
        files.push(Path::new("charts").join(format!("{name}.png")));
        files.push(Path::new("charts").join(format!("{name}.svg")));
    }
    for file in files {
        let fresh = std::fs::read(out.join(&file)).unwrap();
        let kept = std::fs::read(example.join(&file)).unwrap_or_default();
        assert!(
            fresh == kept,
            "reports/example/{} is stale: run reports/regenerate-example",
            file.display()
        );
    }
}

#[test]
fn report_redoes_tables_charts_and_report_without_the_inputs() {
    let dir = TestDir::new("report_command");
    dir.ok(&[
        "generate",
        "--rows",
        "3000",
        "--seed",
        "5",
        "--county",
        "SAN FRANCISCO",
        "--out",
        "in.csv",
        "-q",
    ]);
    dir.ok(&[
        "run",
        "in.csv",
        "--county",
        "SAN FRANCISCO",
        "--compute-at",
        "2020-01-01",
        "--out",
        "out",
        "-q",
    ]);
    let withheld = |dir: &TestDir| {
        let frame = read_parquet(&dir.path("out/tables/convictions_by_race.parquet"));
        strings(&frame, "people_suppressed")
            .iter()
            .filter(|v| v.as_deref() == Some("true"))
            .count()
    };
    assert!(withheld(&dir) > 0, "3,000 rows leave some small cells");
    std::fs::remove_file(dir.path("in.csv")).unwrap();
    let stderr = dir.ok(&[
        "report",
        "out",
        "--min-cell",
        "0",
        "--population-year",
        "2015",
    ]);
    assert!(stderr.contains("v2019 (2015)"), "{stderr}");
    assert_eq!(withheld(&dir), 0);
    let summary: serde_json::Value = serde_json::from_str(&dir.read("out/summary.json")).unwrap();
    assert_eq!(
        (
            summary["min_cell"].as_u64(),
            summary["population"]["year"].as_i64()
        ),
        (Some(0), Some(2015))
    );
    assert!(dir.read("out/report.md").contains("v2019 (2015)"));

    // Edited templates are used, the others stay bundled; a mistake in one names the
    // template, the line and its text, and exits 2.
    dir.create(
        "templates/report.html",
        "<html><body><h1>{{ title }}</h1>{% for c in charts %}{{ c.svg|safe }}{% endfor %}</body></html>",
    );
    dir.create(
        "templates/facts.txt",
        "{{ kind }}: {{ people if kind == 'people' else '' }}",
    );
    dir.ok(&["report", "out", "--templates", "templates"]);
    let md = dir.read("out/report.md");
    assert!(
        md.starts_with("# Proposition 64 relief in San Francisco\n"),
        "{md}"
    );
    let people = csv(&dir.path("out"), "headline")
        .column("people")
        .unwrap()
        .get(0)
        .unwrap()
        .extract::<f64>()
        .unwrap();
    assert!(md.contains(&format!("\n1. people: {people:.0}\n")), "{md}");
    assert!(md.contains("\n2. decisions: \n"), "{md}");
    let html = dir.read("out/report.html");
    assert!(!html.contains("Methodology") && html.contains("<svg"));
    dir.create("templates/report.md", "# Prop 64\n\n{{ titel }}");
    let stderr = dir.err(&["report", "out", "--templates", "templates"], 2);
    assert!(
        stderr.contains("line 3") && stderr.contains("{{ titel }}") && stderr.contains("report.md"),
        "{stderr}"
    );
    let stderr = dir.err(&["report", "out", "--templates", "out/tables"], 2);
    assert!(
        stderr.contains("none of the report's templates"),
        "{stderr}"
    );
    let stderr = dir.err(&["report", "nowhere"], 1);
    assert!(stderr.contains("not a finished clearstat run"), "{stderr}");
}

/// A run queries the frames it has just written; `clearstat report` queries the run's Parquet
/// files: with the same options, the same tables, charts and report, byte for byte.
#[test]
fn a_report_from_the_files_equals_the_run() {
    let dir = TestDir::new("report_again");
    dir.run_generated("3000", "5", &["--no-gogen"]);
    let out = dir.path("out");
    let contents = || {
        crate::reproducible::files(&out)
            .into_iter()
            .filter(|file| !file.ends_with("summary.json"))
            .map(|file| {
                let bytes = std::fs::read(out.join(&file)).unwrap();
                (file, bytes)
            })
            .collect::<Vec<_>>()
    };
    let from_the_run = contents();
    assert!(from_the_run.len() > 30, "tables, charts and report written");
    dir.ok(&["report", "out", "-q"]);
    let from_the_files = contents();
    assert_eq!(from_the_run.len(), from_the_files.len());
    for ((file, a), (_, b)) in from_the_run.iter().zip(&from_the_files) {
        assert!(a == b, "{} differs", file.display());
    }
}

/// Every number the HTML report shows in its headline cards and key tables is a published
/// cell of the table it names (so the suppression audit of the tables covers them), and a
/// withheld cell is shown as withheld.
#[test]
fn the_html_shows_only_published_cells() {
    let (_dir, out) = sample_run("report_html_cells");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Every published cell of a table, as the report may write it.
    let shown = |table: &str| -> std::collections::HashSet<String> {
        let frame = csv(&out, table);
        let mut all = std::collections::HashSet::new();
        for column in frame.get_column_names() {
            for cell in strings(&frame, column).into_iter().flatten() {
                if let Ok(v) = cell.parse::<f64>() {
                    all.extend(renderings(v));
                }
                all.insert(cell);
            }
        }
        all
    };
    let text_of = |cell: &str| cell.rsplit('>').next().unwrap_or("").to_string();
    let headline = shown("headline");
    let cards: Vec<&str> = html.split("<div class=\"figure\">").skip(1).collect();
    assert!(cards.len() >= 6);
    for card in cards {
        let figure = card.split("</div>").next().unwrap();
        assert!(
            figure.contains("withheld") || headline.contains(figure),
            "card {figure}"
        );
    }
    let mut checked = 0;
    for section in html.split("<section class=\"table\">").skip(1) {
        let name = section
            .split("Table <code>tables/")
            .nth(1)
            .and_then(|s| s.split(".csv").next())
            .unwrap();
        let published = shown(name);
        let body = section
            .split("<tbody>")
            .nth(1)
            .unwrap()
            .split("</tbody>")
            .next()
            .unwrap();
        for cell in body.split("<td").skip(1) {
            let content = cell.split("</td>").next().unwrap();
            let text = text_of(content);
            if content.contains("class=\"withheld\"") {
                continue;
            }
            if text.chars().any(|c| c.is_ascii_digit()) {
                assert!(
                    published.contains(&text),
                    "{name}: {text} is not a published cell"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} numbers checked");
}

/// With a baseline that has adults (the yearly estimates), the county map's rate is per adult,
/// as the rate tables' are, and its title says so.
#[test]
fn the_county_map_is_per_adult_where_the_baseline_has_adults() {
    let dir = TestDir::new("report_map_adults");
    dir.run_generated("5000", "5", &["--population-year", "2019", "--no-gogen"]);
    let out = dir.path("out");
    let table = std::fs::read_to_string(out.join("tables/statewide_by_county.csv")).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    let la = table
        .lines()
        .find(|l| l.starts_with("LOS ANGELES,"))
        .unwrap();
    let cell = |name: &str| {
        la.split(',')
            .nth(header.iter().position(|h| *h == name).unwrap())
    };
    let (people, adults) = (cell("people").unwrap(), cell("adults").unwrap());
    let rate: f64 = cell("people_per_100k_adults").unwrap().parse().unwrap();
    let expected = people.parse::<f64>().unwrap() * 1e5 / adults.parse::<f64>().unwrap();
    assert!(
        (rate - expected).abs() < 1e-9 * expected,
        "{rate} vs {expected}"
    );
    let svg = std::fs::read_to_string(out.join("charts/map_people_per_100k.svg")).unwrap();
    assert!(svg.contains("per 100,000 adult residents (18 and over)"));
}
