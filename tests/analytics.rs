use polars::prelude::*;

use crate::doj::{self, DojRow};
use crate::testdir::TestDir;

const QUERIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/queries");

/// A finished run over three people: B (Black, two Prop 64 convictions in San Francisco),
/// W (White, one in San Francisco), H (Hispanic, one in Los Angeles); residents from the 2020
/// census.
fn finished_run(name: &str) -> TestDir {
    finished_run_with(name, &["--population-year", "2020"])
}

fn finished_run_with(name: &str, options: &[&str]) -> TestDir {
    let dir = TestDir::new(name);
    let row = |id: &str, race: &str, cnt: &str| {
        DojRow::new()
            .with("SUBJECT_ID", id)
            .with("RACE_CODE", race)
            .with("CNT_ORDER", cnt)
    };
    let rows = [
        row("B", "B", "001002001000"),
        row("B", "B", "002002001000").with("OFFENSE_DESCR", "11359 HS-SALE"),
        row("W", "W", "001002001000"),
        row("H", "H", "001002001000").with("STP_ORI_CNTY_NAME", "LOS ANGELES"),
    ];
    dir.create("in.csv", doj::file(true, &rows));
    let mut args = vec![
        "run",
        "in.csv",
        "--county",
        "SAN FRANCISCO",
        "--compute-at",
        "2020-01-01",
        "--out",
        "out",
        "-q",
    ];
    args.extend_from_slice(options);
    dir.ok(&args);
    dir
}

#[test]
fn the_population_vintage_follows_the_conviction_years_and_is_in_every_table() {
    // The rows are convicted in 2010: the 2010 census, all ages.
    let dir = finished_run_with("analytics_vintage", &[]);
    let summary: serde_json::Value = serde_json::from_str(&dir.read("out/summary.json")).unwrap();
    assert_eq!(summary["population"]["vintage"], "census2010");
    assert_eq!(summary["population"]["year"], 2010);
    let tables = std::fs::read_dir(dir.path("out/tables")).unwrap();
    let mut csvs = 0;
    for entry in tables {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&path).unwrap();
            let header = text.lines().next().unwrap();
            assert!(
                header.ends_with(",population_vintage"),
                "{path:?}: {header}"
            );
            assert!(
                text.lines().skip(1).all(|l| l.ends_with(",census2010")),
                "{path:?}"
            );
            csvs += 1;
        }
    }
    assert_eq!(csvs, clearstat::analytics::tables::BUNDLED.len());
    // A year of the yearly estimates: adults 18+ are the denominators of the rates.
    let dir = finished_run_with("analytics_vintage_2015", &["--population-year", "2015"]);
    let rates = query(&dir, "rate_ratios_vs_white.sql");
    assert_eq!(strings(&rates, "residents_age"), ["18+", "18+"]);
}

#[test]
fn a_population_table_of_ones_own() {
    let table = "county,fips,year,age_group,group,population\n\
                 SAN FRANCISCO,06075,2021,ALL,BLACK,1000\n\
                 SAN FRANCISCO,06075,2021,ALL,WHITE,3000\n";
    let dir = TestDir::new("analytics_own_population");
    dir.create("pop.csv", table);
    let pop = dir.path("pop.csv");
    let dir = finished_run_with(
        "analytics_own_population_run",
        &["--population", pop.to_str().unwrap()],
    );
    let answer = query(&dir, "disparity_vs_population.sql");
    let ratio = answer.column("share_ratio").unwrap().f64().unwrap().clone();
    // 1 of 2 people against 1,000 of 4,000 residents: 2; against 3,000 of 4,000: 2/3.
    assert!((ratio.get(0).unwrap() - 2.0).abs() < 1e-9);
    assert!((ratio.get(1).unwrap() - 2.0 / 3.0).abs() < 1e-9);

    let bad = TestDir::new("analytics_bad_population");
    bad.create("in.csv", "whatever");
    bad.create(
        "pop.csv",
        "county,fips,year,age_group,group,population\nX,1,2020,ALL,MARTIAN,5\n",
    );
    let stderr = bad.err(
        &[
            "run",
            "in.csv",
            "--county",
            "ALL",
            "--out",
            "out",
            "--population",
            "pop.csv",
        ],
        2,
    );
    assert!(stderr.contains("unknown group 'MARTIAN'"), "{stderr}");
    bad.create(
        "negative.csv",
        "county,fips,year,age_group,group,population\nX,1,2020,ALL,WHITE,-5\n",
    );
    let stderr = bad.err(
        &[
            "run",
            "in.csv",
            "--county",
            "ALL",
            "--out",
            "out",
            "--population",
            "negative.csv",
        ],
        2,
    );
    assert!(
        stderr.contains("line 2: population '-5' is not a whole number"),
        "{stderr}"
    );
    let stderr = bad.err(
        &[
            "run",
            "in.csv",
            "--county",
            "ALL",
            "--out",
            "out",
            "--population-year",
            "1990",
        ],
        2,
    );
    assert!(stderr.contains("it has 2010, 2011"), "{stderr}");
    assert!(
        !bad.path("out").exists(),
        "nothing is written before the options are checked"
    );
}

fn query(dir: &TestDir, file: &str) -> DataFrame {
    clearstat::analytics::query(
        &dir.path("out"),
        &clearstat::analytics::read_query(format!("{QUERIES}/{file}").as_ref()).unwrap(),
    )
    .unwrap()
}

/// A column as text, null as `"null"`.
fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    crate::frames::strings(df, name)
        .into_iter()
        .map(|v| v.unwrap_or_else(|| "null".into()))
        .collect()
}

#[test]
fn query_convictions_by_race() {
    let dir = finished_run("analytics_by_race");
    let answer = query(&dir, "convictions_by_race.sql");
    assert_eq!(strings(&answer, "race_group"), ["BLACK", "WHITE"]);
    assert_eq!(strings(&answer, "convictions"), ["2", "1"]);
    assert_eq!(strings(&answer, "people"), ["1", "1"]);
}

#[test]
fn query_relief_by_race_and_scenario() {
    let dir = finished_run("analytics_relief");
    let answer = query(&dir, "relief_by_race_and_scenario.sql");
    assert_eq!(strings(&answer, "race_group"), ["BLACK", "WHITE"]);
    // Default flow: every Prop 64 conviction in the county is dismissed.
    assert_eq!(strings(&answer, "no_conviction_left"), ["1", "1"]);
    assert_eq!(strings(&answer, "no_felony_left"), ["1", "1"]);
}

#[test]
fn query_disparity_vs_population() {
    let dir = finished_run("analytics_disparity");
    let answer = query(&dir, "disparity_vs_population.sql");
    assert_eq!(strings(&answer, "race_group"), ["BLACK", "WHITE"]);
    let ratio = answer.column("share_ratio").unwrap().f64().unwrap().clone();
    // San Francisco, 2020 census: 45,071 Black and 341,306 White residents of 873,965.
    let expected = [0.5 / (45_071.0 / 873_965.0), 0.5 / (341_306.0 / 873_965.0)];
    for (got, want) in ratio.iter().zip(expected) {
        assert!((got.unwrap() - want).abs() < 1e-9, "{got:?} vs {want}");
    }
    // Wilson 95% interval of 1 in 2: (0.5 ± 1.96·sqrt(0.125 + 0.9604/16)... ) by hand.
    let (z, n, p) = (1.96f64, 2.0f64, 0.5f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    let low = answer
        .column("share_low")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    let high = answer
        .column("share_high")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    assert!(
        (low - (centre - half)).abs() < 1e-12 && (high - (centre + half)).abs() < 1e-12,
        "{low} {high}"
    );
    assert!(low > 0.0 && high < 1.0);
}

#[test]
fn query_command_prints_and_reports_mistakes() {
    let dir = finished_run("analytics_cli");
    let out = dir
        .command(&[
            "query",
            "out",
            "--sql",
            "select count(*) as n from convictions",
            "--out",
            "n.csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("shape: (1, 1)") && printed.contains("│ 4   │"),
        "{printed}"
    );
    assert_eq!(dir.read("n.csv"), "n\n4\n");
    let err = dir.err(
        &["query", "out", "--sql", "select nothing from convictions"],
        2,
    );
    assert!(err.contains("the query failed"), "{err}");
    let err = dir.err(&["query", "in.csv", "--sql", "select 1"], 1);
    assert!(
        err.contains("not a finished clearstat run (missing convictions.parquet)"),
        "{err}"
    );
}

#[test]
fn run_writes_tables_with_small_cells_withheld() {
    let dir = finished_run("analytics_tables");
    let read = |path: &str| crate::frames::read_parquet(&dir.path(path));
    // Default --min-cell 10: every count here is 1 or 2, so all are withheld and marked.
    let table = read("out/tables/convictions_by_race.parquet");
    assert_eq!(strings(&table, "race_group"), ["BLACK", "WHITE"]);
    assert_eq!(strings(&table, "people"), ["null", "null"]);
    assert_eq!(strings(&table, "people_suppressed"), ["true", "true"]);
    let disparity = read("out/tables/disparity_vs_population.parquet");
    assert_eq!(
        strings(&disparity, "share_ratio"),
        ["null", "null"],
        "derived cells go with their count"
    );
    assert_eq!(
        strings(&disparity, "share_ratio_suppressed"),
        ["true", "true"]
    );
    assert!(
        dir.path("out/tables/relief_by_race_and_scenario.csv")
            .exists()
    );

    // --min-cell 0 (internal use): the tables equal the queries' answers.
    dir.ok(&[
        "run",
        "in.csv",
        "--county",
        "SAN FRANCISCO",
        "--compute-at",
        "2020-01-01",
        "--out",
        "open",
        "--min-cell",
        "0",
        "-q",
    ]);
    let open = read("open/tables/convictions_by_race.parquet");
    assert_eq!(strings(&open, "people"), ["1", "1"]);
    assert_eq!(strings(&open, "convictions"), ["2", "1"]);
    assert_eq!(strings(&open, "people_suppressed"), ["false", "false"]);
}

/// Generated data with a known over-representation: each group's rate of people convicted per
/// resident is proportional to its factor, so the rate ratio against White residents must
/// recover factor / 1. The published 95% intervals must hold it for the two largest groups; for
/// every group with 100 people or more the check uses the same interval widened to 99.9% (a
/// 95% interval per group would miss one group in four runs over six groups by chance alone).
#[test]
fn rate_ratios_recover_the_generators_over_representation() {
    let dir = TestDir::new("analytics_rate_ratios");
    dir.ok(&[
        "generate",
        "--rows",
        "60000",
        "--seed",
        "7",
        "--county",
        "LOS ANGELES",
        "--out",
        "in.csv",
        "-q",
    ]);
    dir.ok(&[
        "run",
        "in.csv",
        "--county",
        "LOS ANGELES",
        "--compute-at",
        "2020-01-01",
        "--population-year",
        "2020",
        "--out",
        "out",
        "-q",
    ]);
    let answer = query(&dir, "rate_ratios_vs_white.sql");
    let groups = strings(&answer, "race_group");
    let f = |name: &str| answer.column(name).unwrap().f64().unwrap().clone();
    let (ratio, low, high) = (f("rate_ratio"), f("rate_ratio_low"), f("rate_ratio_high"));
    let factors = clearstat::generate::DEFAULT_OVERREPRESENTATION;
    let mut checked = 0;
    for (i, group) in groups.iter().enumerate() {
        let g = clearstat::population::GROUPS
            .iter()
            .position(|x| x == group)
            .unwrap();
        let people: u64 = strings(&answer, "people")[i].parse().unwrap();
        if people < 100 {
            continue; // too few for a useful interval
        }
        let (r, lo, hi) = (
            ratio.get(i).unwrap(),
            low.get(i).unwrap(),
            high.get(i).unwrap(),
        );
        if group == "BLACK" || group == "HISPANIC" {
            assert!(
                lo <= factors[g] && factors[g] <= hi,
                "{group}: {r:.2} [{lo:.2}, {hi:.2}] vs factor {}",
                factors[g]
            );
        }
        let se = (hi.ln() - lo.ln()) / (2.0 * 1.96);
        let z = (r.ln() - factors[g].ln()).abs() / se;
        assert!(
            z <= 3.29,
            "{group}: {r:.2} [{lo:.2}, {hi:.2}] vs factor {}: z = {z:.2}",
            factors[g]
        );
        checked += 1;
    }
    assert!(checked >= 4, "groups with enough people: {checked}");
}

/// The state tables of a statewide run recomputed in plain code from the run's own rows (the
/// convictions under review, `race_map.csv`) and the bundled census file's CALIFORNIA rows:
/// each person once per group, against all California's residents.
#[test]
fn state_tables_agree_with_plain_code_from_the_rows() {
    use std::collections::{BTreeMap, HashSet};
    let dir = TestDir::new("analytics_state");
    dir.run_generated("20000", "5", &["--no-gogen"]);
    let out = dir.path("out");
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    let mut map = csv::Reader::from_path(out.join("race_map.csv")).unwrap();
    for record in map.records() {
        let record = record.unwrap();
        groups.insert(record[0].trim().to_uppercase(), record[2].to_string());
    }
    let rows = crate::frames::read_parquet(&out.join("convictions.parquet"));
    let text = |name: &str| crate::frames::strings(&rows, name);
    let flag = |name: &str| -> Vec<bool> {
        let column = rows.column(name).unwrap().bool().unwrap();
        column.iter().map(|v| v == Some(true)).collect()
    };
    let (subjects, codes) = (text("subject_id"), text("race_code"));
    let (prop64, in_county) = (flag("is_prop64"), flag("in_county"));
    let mut pairs = HashSet::new();
    for i in 0..rows.height() {
        if prop64[i] && in_county[i] {
            let code = codes[i].as_deref().unwrap_or("").trim().to_uppercase();
            let group = groups.get(&code).cloned().unwrap_or("UNKNOWN".into());
            pairs.insert((subjects[i].clone(), group));
        }
    }
    let mut people: BTreeMap<String, f64> = BTreeMap::new();
    for (_, group) in &pairs {
        *people.entry(group.clone()).or_default() += 1.0;
    }
    let all_people: f64 = people.values().sum();
    let census = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/population/ca_county_race_census2010.csv"
    );
    let mut residents: BTreeMap<String, f64> = BTreeMap::new();
    for record in csv::Reader::from_path(census).unwrap().records() {
        let record = record.unwrap();
        if &record[0] == "CALIFORNIA" && &record[3] == "ALL" {
            residents.insert(record[4].to_string(), record[5].parse().unwrap());
        }
    }
    let all_residents: f64 = residents.values().sum();
    let close = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{what}: {a} vs {b}"
        );
    };
    let rates = query(&dir, "state_rate_ratios_vs_white.sql");
    let shares = query(&dir, "state_disparity_vs_population.sql");
    let published = std::fs::read_to_string(out.join("tables/state_rate_ratios_vs_white.csv"));
    assert!(
        published.unwrap().contains(",census2010\n"),
        "the census file read above"
    );
    assert_eq!(
        strings(&rates, "residents_of"),
        vec!["CALIFORNIA"; rates.height()]
    );
    let number = |frame: &DataFrame, name: &str, i: usize| {
        frame
            .column(name)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .get(i)
    };
    let white = people["WHITE"] / residents["WHITE"];
    for (i, group) in strings(&rates, "race_group").iter().enumerate() {
        let rate = people[group] / residents[group];
        close(number(&rates, "people", i).unwrap(), people[group], group);
        close(
            number(&rates, "rate_per_100k", i).unwrap(),
            rate * 1e5,
            group,
        );
        close(
            number(&rates, "rate_ratio", i).unwrap(),
            rate / white,
            group,
        );
    }
    assert_eq!(rates.height(), 7, "every census group has people");
    for (i, group) in strings(&shares, "race_group").iter().enumerate() {
        close(number(&shares, "all_people", i).unwrap(), all_people, group);
        close(
            number(&shares, "share_of_people", i).unwrap(),
            people[group] / all_people,
            group,
        );
        let share_of_residents = residents[group] / all_residents;
        close(
            number(&shares, "share_of_population", i).unwrap(),
            share_of_residents,
            group,
        );
    }
}
