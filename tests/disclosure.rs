//! The suppression audit, independent of clearstat's suppression code.
//!
//! Every count cell of every published table is recomputed here from the run's own row-level
//! files (`convictions.parquet`, `subjects.parquet`, `race_map.csv`) in plain Rust, as the set
//! of convictions or people it counts (its value must be the size of that set). A withheld
//! cell is recoverable when its set is a linear combination of the sets of published cells:
//! then its count is the same combination of published numbers, whatever tables, totals,
//! denominators or headline figures they come from. The audit checks, by exact linear
//! algebra modulo a large prime, that no withheld cell is, and that no published count is
//! from 1 to the threshold. The report, the fact sheet and the charts show only cells of these
//! tables (tests in `report.rs`), so this covers every number published about the review.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use clearstat::analytics::tables::{BUNDLED, Header};

use crate::frames::{read_parquet, strings};
use crate::testdir::TestDir;

/// A conviction under review: its person and the values a table can group it by.
struct Conviction {
    person: usize,
    dims: HashMap<&'static str, String>,
}

/// The run's convictions under review and their people (with the outcome flags).
struct Review {
    convictions: Vec<Conviction>,
    /// Per person: outcome column -> true/false.
    flags: Vec<HashMap<String, bool>>,
}

fn texts(frame: &polars::prelude::DataFrame, name: &str) -> Vec<String> {
    strings(frame, name)
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

fn age_band(age: &str) -> &'static str {
    match age.parse::<i64>() {
        Err(_) => "UNKNOWN",
        Ok(a) if a < 18 => "under 18",
        Ok(a) if a < 21 => "18-20",
        Ok(a) if a < 25 => "21-24",
        Ok(a) if a < 30 => "25-29",
        Ok(a) if a < 40 => "30-39",
        Ok(a) if a < 50 => "40-49",
        Ok(_) => "50 and over",
    }
}

fn decision(determination: &str) -> &'static str {
    match determination {
        "Eligible for Dismissal" => "dismissal",
        "Eligible for Reduction" => "reduction",
        "Not eligible" => "not_eligible",
        "No determination" => "no_determination",
        _ => "review",
    }
}

fn review(run: &Path) -> Review {
    let races: HashMap<String, String> = std::fs::read_to_string(run.join("race_map.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                f.first()?.trim().to_uppercase(),
                f.get(2)?.trim().to_uppercase(),
            ))
        })
        .collect();
    let subjects = read_parquet(&run.join("subjects.parquet"));
    let ids = texts(&subjects, "subject_id");
    let outcome_columns: Vec<String> = subjects
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| c.ends_with("_left") || c.ends_with("some_relief") || c.ends_with("7_years"))
        .collect();
    let outcomes: Vec<Vec<String>> = outcome_columns
        .iter()
        .map(|c| texts(&subjects, c))
        .collect();
    let person_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let flags = (0..ids.len())
        .map(|i| {
            outcome_columns
                .iter()
                .zip(&outcomes)
                .map(|(c, v)| (c.clone(), v[i] == "true"))
                .collect()
        })
        .collect();
    let all = read_parquet(&run.join("convictions.parquet"));
    let column = |name: &str| texts(&all, name);
    let (prop64, in_county, subject) = (
        column("is_prop64"),
        column("in_county"),
        column("subject_id"),
    );
    let (race, gender, age, date) = (
        column("race_code"),
        column("gender"),
        column("age_at_conviction"),
        column("conviction_date"),
    );
    let (section, felony, after) = (
        column("prop64_section"),
        column("is_felony"),
        column("is_after_prop64"),
    );
    let (determination, reason, county) =
        (column("determination"), column("reason"), column("county"));
    let mut convictions = Vec::new();
    for i in 0..all.height() {
        if prop64[i] != "true" || in_county[i] != "true" {
            continue;
        }
        let year = date[i].get(..4).unwrap_or("").to_string();
        let period = year
            .parse::<i64>()
            .map(|y| (y - y % 5).to_string())
            .unwrap_or_default();
        let timing = match (date[i].is_empty(), after[i].as_str()) {
            (true, _) => "date unknown",
            (false, "true") => "after 2016-11-09",
            _ => "on or before 2016-11-09",
        };
        let level = if felony[i] == "true" {
            "Felony"
        } else {
            "Misdemeanor or infraction"
        };
        let race_group = races
            .get(&race[i].to_uppercase())
            .cloned()
            .unwrap_or("UNKNOWN".into());
        let gender = if gender[i].is_empty() {
            "UNKNOWN".to_string()
        } else {
            gender[i].clone()
        };
        let dims = HashMap::from([
            ("race_group", race_group),
            ("gender", gender),
            ("age_band", age_band(&age[i]).to_string()),
            ("conviction_year", year),
            ("period_start", period),
            ("code_section", section[i].clone()),
            ("level", level.to_string()),
            ("prop64_timing", timing.to_string()),
            ("decision", decision(&determination[i]).to_string()),
            ("determination", determination[i].clone()),
            ("reason", reason[i].clone()),
            ("county", county[i].clone()),
        ]);
        convictions.push(Conviction {
            person: person_of[subject[i].as_str()],
            dims,
        });
    }
    Review { convictions, flags }
}

/// What a count column counts, in this test's own words.
struct Meaning {
    people: bool,
    /// An extra condition on the conviction.
    condition: Option<(&'static str, String)>,
    /// The outcome flag a person must have.
    flag: Option<String>,
    /// Keys of the row the column does not depend on.
    ignored: &'static [&'static str],
}

fn meaning(column: &str) -> Meaning {
    let races = [
        "hispanic",
        "white",
        "black",
        "american_indian",
        "asian",
        "pacific_islander",
        "other_or_multi",
        "unknown",
    ];
    let decisions = [
        "dismissal",
        "reduction",
        "not_eligible",
        "review",
        "no_determination",
    ];
    let (people, condition, flag, ignored): (bool, _, _, &'static [&'static str]) = match column {
        "convictions" => (false, None, None, &[]),
        "people" => (true, None, None, &[]),
        "county_people" | "all_people" => (true, None, None, &["race_group"]),
        "black_people" => (true, Some(("race_group", "BLACK".into())), None, &[]),
        "relieved" => (true, None, Some("some_relief".into()), &[]),
        c if decisions.contains(&c) => (false, Some(("decision", c.to_string())), None, &[]),
        c if races.contains(&c) => (false, Some(("race_group", c.to_uppercase())), None, &[]),
        c => (true, None, Some(c.to_string()), &[]),
    };
    Meaning {
        people,
        condition,
        flag,
        ignored,
    }
}

/// The convictions (0..C) or people (C..) a cell counts.
fn members(review: &Review, keys: &[(String, String)], column: &str) -> Vec<usize> {
    let Meaning {
        people,
        condition,
        flag,
        ignored,
    } = meaning(column);
    let matches = |c: &Conviction| {
        keys.iter()
            .filter(|(k, _)| !ignored.contains(&k.as_str()))
            .all(|(k, v)| c.dims[k.as_str()] == *v)
            && condition.as_ref().is_none_or(|(k, v)| c.dims[k] == *v)
    };
    let hits = review
        .convictions
        .iter()
        .enumerate()
        .filter(|(_, c)| matches(c));
    if !people {
        return hits.map(|(i, _)| i).collect();
    }
    let mut persons: Vec<usize> = hits
        .map(|(_, c)| c.person)
        .filter(|p| flag.as_ref().is_none_or(|f| review.flags[*p][f]))
        .collect();
    persons.sort();
    persons.dedup();
    persons
        .into_iter()
        .map(|p| review.convictions.len() + p)
        .collect()
}

/// Every count cell of the published tables: (label, members, published value or None).
fn cells(run: &Path, review: &Review) -> Vec<(String, Vec<usize>, Option<u64>)> {
    let mut out = Vec::new();
    for (name, sql) in BUNDLED {
        let header = Header::parse(sql);
        let table = read_parquet(&run.join(format!("tables/{name}.parquet")));
        let keys: Vec<(String, Vec<String>)> = header
            .keys
            .iter()
            .map(|k| (k.clone(), texts(&table, k)))
            .collect();
        let mut columns = header.counts.clone();
        // A published share of people relieved gives away its denominator: the county's people
        // relieved, of every race.
        if name == "disparity_vs_population" {
            columns.push("share_of_relieved".into());
        }
        for column in &columns {
            let values = strings(&table, column);
            for row in 0..table.height() {
                let at: Vec<(String, String)> = keys
                    .iter()
                    .map(|(k, v)| (k.clone(), v[row].clone()))
                    .collect();
                let label = format!("{name} {at:?} {column}");
                if column == "share_of_relieved" {
                    // Published, it tells its denominator; withheld, it tells nothing.
                    if values[row].is_some() {
                        let mut at = at.clone();
                        at.retain(|(k, _)| k != "race_group");
                        out.push((label, members(review, &at, "relieved"), Some(u64::MAX)));
                    }
                    continue;
                }
                let set = members(review, &at, column);
                let value = values[row].as_ref().map(|v| v.parse::<u64>().unwrap());
                if let Some(v) = value {
                    assert_eq!(v, set.len() as u64, "{label}: the rows give {}", set.len());
                }
                out.push((label, set, value));
            }
        }
    }
    out
}

const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exp, mut out) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            out = mul(out, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    out
}

/// Row-reduces `v` by the echelon rows (`pivot column -> row`); what is left.
fn reduce(pivots: &BTreeMap<usize, Vec<u64>>, mut v: Vec<u64>) -> Vec<u64> {
    for (&lead, row) in pivots {
        let c = v[lead];
        if c != 0 {
            for (x, r) in v.iter_mut().zip(row) {
                *x = (*x + P - mul(c, *r)) % P;
            }
        }
    }
    v
}

/// The labels of withheld cells whose set is a combination of published sets.
fn recoverable(cells: &[(String, Vec<usize>, Option<u64>)]) -> Vec<String> {
    // Atoms in the same cells are one class: vectors over classes, not atoms.
    let mut signature: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (_, set, _)) in cells.iter().enumerate() {
        for atom in set {
            signature.entry(*atom).or_default().push(i);
        }
    }
    let mut class_of: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut vectors: Vec<Vec<u64>> = Vec::new();
    let atom_class: HashMap<usize, usize> = signature
        .into_iter()
        .map(|(atom, sig)| {
            let next = class_of.len();
            (atom, *class_of.entry(sig).or_insert(next))
        })
        .collect();
    for (_, set, _) in cells {
        let mut v = vec![0u64; class_of.len()];
        for atom in set {
            v[atom_class[atom]] = 1;
        }
        vectors.push(v);
    }
    let mut pivots: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    for (v, (_, _, published)) in vectors.iter().zip(cells) {
        if published.is_none() {
            continue;
        }
        let mut r = reduce(&pivots, v.clone());
        let Some(lead) = r.iter().position(|x| *x != 0) else {
            continue;
        };
        let scale = inverse(r[lead]);
        r.iter_mut().for_each(|x| *x = mul(*x, scale));
        for row in pivots.values_mut() {
            let c = row[lead];
            if c != 0 {
                for (x, y) in row.iter_mut().zip(&r) {
                    *x = (*x + P - mul(c, *y)) % P;
                }
            }
        }
        pivots.insert(lead, r);
    }
    vectors
        .iter()
        .zip(cells)
        .filter(|(_, (_, set, published))| published.is_none() && !set.is_empty())
        .filter(|(v, _)| reduce(&pivots, (*v).clone()).iter().all(|x| *x == 0))
        .map(|(_, (label, set, _))| format!("{label} ({} recoverable)", set.len()))
        .collect()
}

/// Audits the run in `out` published with `min_cell`; returns how many cells are withheld.
fn audit(out: &Path, min_cell: u64, what: &str) -> usize {
    let review = review(out);
    let cells = cells(out, &review);
    for (label, _, value) in &cells {
        assert!(
            !matches!(value, Some(n) if (1..=min_cell).contains(n)),
            "{what}: {label}: {value:?} is published"
        );
    }
    let leaks = recoverable(&cells);
    // The run's own exact check covered the publication (else only the lines guard it).
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    assert!(
        summary.contains(r#""suppression_check": "exact""#),
        "{what}: the run's exact check did not cover its publication"
    );
    assert!(
        leaks.is_empty(),
        "{what}: withheld but recoverable:\n{}",
        leaks.join("\n")
    );
    cells
        .iter()
        .filter(|(_, set, v)| v.is_none() && !set.is_empty())
        .count()
}

fn run(dir: &TestDir, input: &str, county: &str, min_cell: &str) {
    dir.ok(&[
        "run",
        input,
        "--county",
        county,
        "--compute-at",
        "2020-01-01",
        "--min-cell",
        min_cell,
        "--no-gogen",
        "--out",
        "out",
        "-q",
    ]);
}

#[test]
fn nothing_withheld_in_the_samples_publication_can_be_recovered() {
    let dir = TestDir::new("disclosure_sample");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data-samples/doj_research_sample.csv"
    );
    run(&dir, sample, "SAN FRANCISCO", "10");
    assert!(
        audit(&dir.path("out"), 10, "sample") > 5,
        "the sample has small cells"
    );
}

#[test]
fn nothing_withheld_in_a_statewide_publication_can_be_recovered() {
    let dir = TestDir::new("disclosure_statewide");
    dir.ok(&[
        "generate", "--rows", "2500", "--seed", "11", "--out", "in.csv", "-q",
    ]);
    run(&dir, "in.csv", "ALL", "5");
    assert!(
        audit(&dir.path("out"), 5, "statewide") > 20,
        "the run has small cells"
    );
}

/// A property over seeds: small counties, where most cells are small, under two flows.
#[test]
fn nothing_withheld_in_small_county_publications_can_be_recovered() {
    let dir = TestDir::new("disclosure_seeds");
    let mut withheld = 0;
    for seed in 1..=12 {
        let seed = seed.to_string();
        dir.ok(&[
            "generate", "--rows", "1500", "--seed", &seed, "--county", "MONO", "--county", "INYO",
            "--out", "in.csv", "-q",
        ]);
        let _ = std::fs::remove_dir_all(dir.path("out"));
        let flow = if seed.parse::<u32>().unwrap() % 2 == 0 {
            "los-angeles"
        } else {
            "dismiss-all"
        };
        dir.ok(&[
            "run",
            "in.csv",
            "--county",
            "INYO",
            "--flow",
            flow,
            "--compute-at",
            "2020-01-01",
            "--no-gogen",
            "--out",
            "out",
            "-q",
        ]);
        withheld += audit(&dir.path("out"), 10, &format!("seed {seed}, flow {flow}"));
    }
    assert!(withheld > 50, "the runs have small cells ({withheld})");
}
