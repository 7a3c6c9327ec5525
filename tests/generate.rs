use std::sync::OnceLock;

use chrono::NaiveDate;
use clearstat::generate::{self, DEFAULT_OVERREPRESENTATION, GenerateConfig, RACE_CODES};
use clearstat::ingest::{IngestOptions, OnBadRows};
use clearstat::normalize::{self, columns as c};
use clearstat::population::{self, GROUPS};
use polars::prelude::*;

use crate::testdir::TestDir;

/// 100,000 generated rows, ingested and normalized once for all distribution tests.
fn sample() -> &'static DataFrame {
    static SAMPLE: OnceLock<DataFrame> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let dir = TestDir::new("generate_sample");
        let path = dir.path("g.csv");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        generate::generate(&GenerateConfig::new(100_000, 20261127), &mut file).unwrap();
        drop(file);
        // Fail mode: every one of the rows must have 95 well-formed fields.
        let (rows, ingested) = crate::ingest::read(&[path], &IngestOptions::default());
        assert_eq!(ingested.totals(), (100_000, 100_000, 0));
        rows
    })
}

fn one_f64(df: DataFrame) -> f64 {
    df.column(df.get_column_names()[0].as_str())
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap()
}

/// Subjects with their first row's person-level values.
fn people() -> DataFrame {
    sample()
        .clone()
        .lazy()
        .group_by_stable([col(c::SUBJECT_ID)])
        .agg([
            col(c::COUNTY).first(),
            col(c::RACE_CODE).first(),
            col(c::GENDER).first(),
            col(c::DOB).first(),
            col(c::DOB_INVALID).first(),
            col(c::IS_PROP64).any(true).alias("has_prop64"),
            col(c::IS_DEATH_RECORD).any(true).alias("deceased"),
        ])
        .collect()
        .unwrap()
}

fn share(df: &DataFrame, condition: Expr) -> f64 {
    one_f64(
        df.clone()
            .lazy()
            .select([condition.cast(DataType::Float64).mean()])
            .collect()
            .unwrap(),
    )
}

#[test]
fn generate_is_deterministic_and_seeded() {
    let dir = TestDir::new("generate_determinism");
    let args = |seed: &str, out: &str| {
        [
            "generate",
            "--rows",
            "3000",
            "--seed",
            seed,
            "--county",
            "SAN FRANCISCO",
            "--out",
            out,
        ]
        .map(String::from)
    };
    for (seed, out) in [("5", "a.csv"), ("5", "b.csv"), ("6", "c.csv")] {
        let a = args(seed, out);
        dir.ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let (a, b, c) = (dir.read("a.csv"), dir.read("b.csv"), dir.read("c.csv"));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.lines().count(), 3001);
}

#[test]
fn generate_messy_rows_take_the_reject_path() {
    let dir = TestDir::new("generate_messy");
    let path = dir.path("messy.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let stats = generate::generate(
        &GenerateConfig {
            messy: 0.02,
            ..GenerateConfig::new(20_000, 9)
        },
        &mut file,
    )
    .unwrap();
    drop(file);
    assert!((300..500).contains(&stats.messy_rows), "{stats:?}");
    let skip = IngestOptions {
        on_bad_rows: OnBadRows::Skip,
        ..Default::default()
    };
    let ingested = crate::ingest::check(&[path], &skip).unwrap();
    assert_eq!(
        ingested.totals(),
        (20_000, 20_000 - stats.messy_rows, stats.messy_rows)
    );
}

#[test]
fn generate_spreads_people_by_county_population() {
    let people = people();
    let counties = population::counties_2020();
    let total: f64 = counties.iter().map(|c| c.total() as f64).sum();
    let n = people.height() as f64;
    for county in &counties {
        let expected = county.total() as f64 / total;
        let got = share(&people, col(c::COUNTY).eq(lit(county.county)));
        let tolerance = 5.0 * (expected * (1.0 - expected) / n).sqrt() + 0.001;
        assert!(
            (got - expected).abs() < tolerance,
            "{}: {got:.4} vs {expected:.4}",
            county.county
        );
    }
}

#[test]
fn generate_race_follows_population_times_overrepresentation() {
    let people = people();
    let counties = population::counties_2020();
    let total: f64 = counties.iter().map(|c| c.total() as f64).sum();
    let mut expected = [0.0; 7];
    for county in &counties {
        let weights: Vec<f64> = county
            .by_group
            .iter()
            .zip(DEFAULT_OVERREPRESENTATION)
            .map(|(p, f)| *p as f64 * f)
            .collect();
        let sum: f64 = weights.iter().sum();
        for g in 0..7 {
            expected[g] += county.total() as f64 / total * weights[g] / sum;
        }
    }
    let known = share(&people, col(c::RACE_CODE).neq(lit("X")));
    assert!((known - 0.99).abs() < 0.005, "unknown race share {known}");
    for (g, group) in GROUPS.iter().enumerate() {
        let codes: Vec<&str> = RACE_CODES[g].iter().map(|(code, _)| *code).collect();
        let is_group = col(c::RACE_CODE).is_in(
            lit(Series::new("codes".into(), codes)).implode(false),
            false,
        );
        let got = share(&people, is_group) / known;
        assert!(
            (got - expected[g]).abs() < 0.015,
            "{group}: {got:.3} vs {:.3}",
            expected[g]
        );
    }
    let black = share(&people, col(c::RACE_CODE).eq(lit("B")));
    assert!(
        black > 0.15,
        "Black people are over-represented as modelled: {black}"
    );
    let men = share(&people, col(c::GENDER).eq(lit("M")));
    assert!((men - 0.8).abs() < 0.015, "{men}");
}

#[test]
fn generate_births_ages_and_date_order() {
    let people = people();
    let date = |y, m, d| lit(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let in_range = share(
        &people,
        col(c::DOB)
            .gt_eq(date(1930, 1, 1))
            .and(col(c::DOB).lt_eq(date(2005, 12, 31)))
            .or(col(c::DOB).is_null()),
    );
    assert_eq!(in_range, 1.0);
    let blank = share(
        &people,
        col(c::DOB).is_null().and(col(c::DOB_INVALID).not()),
    );
    let zero_day = share(&people, col(c::DOB_INVALID));
    assert!(
        (blank - 0.004).abs() < 0.002 && (zero_day - 0.003).abs() < 0.002,
        "{blank} {zero_day}"
    );
    assert!(
        share(&people, col("has_prop64")) > 0.999,
        "everyone has a Prop 64 charge"
    );
    let deceased = share(&people, col("deceased"));
    assert!((deceased - 0.03).abs() < 0.01, "{deceased}");

    let rows = sample()
        .clone()
        .lazy()
        .with_column((col(c::EVENT_DATE).dt().year() - col(c::DOB).dt().year()).alias("age"));
    let arrests = rows.clone().filter(
        col(c::STEP_TYPE)
            .eq(lit("ARREST/DETAINED/CITED"))
            .and(col("age").is_not_null()),
    );
    let youngest = one_f64(arrests.select([col("age").min()]).collect().unwrap());
    assert!(youngest >= 12.0, "{youngest}");
    let convictions = rows
        .clone()
        .filter(col(c::IS_CONVICTION).and(col("age").is_not_null()))
        .collect()
        .unwrap();
    let adults = share(&convictions, col("age").gt_eq(lit(18)));
    assert!(adults > 0.95, "convictions mostly after 18: {adults}");
    // Court steps come after the arrest of their cycle; steps are numbered by type.
    let court = rows
        .filter(col(c::STEP_TYPE).eq(lit("COURT ACTION")))
        .collect()
        .unwrap();
    assert_eq!(share(&court, col(c::STEP).eq(lit("002"))), 1.0);
    assert_eq!(
        share(
            &court,
            col(c::EVENT_DATE)
                .gt_eq(col(c::CYCLE_DATE))
                .or(col(c::EVENT_DATE).is_null())
        ),
        1.0
    );
    let see_comment = share(
        &court,
        col(c::OFFENSE_DESCR).eq(lit("SEE COMMENT FOR CHARGE")),
    );
    assert!((see_comment - 0.03).abs() < 0.005, "{see_comment}");
}

#[test]
fn generate_has_what_real_extracts_have() {
    let records = sample().clone();
    let convictions = normalize::conviction::table(
        records.clone(),
        normalize::subject::facts(records.clone().lazy()),
        &["g".into()],
    )
    .unwrap()
    .collect()
    .unwrap();
    let count =
        |df: &DataFrame, e: Expr| one_f64(df.clone().lazy().select([e.sum()]).collect().unwrap());
    assert!(
        count(&convictions, col(c::SOURCE_ROWS).gt(lit(1))) > 100.0,
        "multi-part sentences"
    );
    assert!(count(&convictions, col(c::IS_RELATED_CHARGE)) > 100.0);
    assert!(count(&convictions, col(c::IS_SUPERSTRIKE)) > 50.0);
    assert!(count(&convictions, col(c::IS_PC290_OFFENSE)) > 50.0);
    assert!(count(&records, col(c::IS_PC290_REGISTRATION)) > 50.0);
    let prop64 = share(&convictions, col(c::IS_PROP64));
    assert!(
        (0.2..0.5).contains(&prop64),
        "Prop 64 share of convictions {prop64}"
    );
    let prop64_convictions = convictions
        .clone()
        .lazy()
        .filter(col(c::IS_PROP64))
        .collect()
        .unwrap();
    let felony = share(&prop64_convictions, col(c::IS_FELONY));
    assert!(
        (0.3..0.8).contains(&felony),
        "felony share of Prop 64 convictions {felony}"
    );
    let after_prop64 = share(
        &prop64_convictions,
        col(c::CONVICTION_DATE).gt(lit(NaiveDate::from_ymd_opt(2016, 11, 9).unwrap())),
    );
    assert!(after_prop64 > 0.01 && after_prop64 < 0.2, "{after_prop64}");
}

/// Rows read = accepted + rejected, per file and in total, on messy output of many seeds;
/// the rejected rows are exactly the ones the generator made malformed.
#[test]
fn messy_rows_are_all_accounted_for_over_many_seeds() {
    let dir = TestDir::new("generate_messy_seeds");
    let skip = IngestOptions {
        on_bad_rows: OnBadRows::Skip,
        ..Default::default()
    };
    let mut paths = Vec::new();
    let mut messy_total = 0;
    for seed in 1..=12u64 {
        let path = dir.path(&format!("messy{seed}.csv"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let config = GenerateConfig {
            messy: 0.05,
            ..GenerateConfig::new(1_500, seed)
        };
        let stats = generate::generate(&config, &mut file).unwrap();
        drop(file);
        let one = crate::ingest::check(std::slice::from_ref(&path), &skip).unwrap();
        assert_eq!(
            one.totals(),
            (1_500, 1_500 - stats.messy_rows, stats.messy_rows),
            "seed {seed}"
        );
        messy_total += stats.messy_rows;
        paths.push(path);
    }
    let all = crate::ingest::check(&paths, &skip).unwrap();
    assert_eq!(all.totals(), (18_000, 18_000 - messy_total, messy_total));
    for file in &all.files {
        assert_eq!(file.rows_read, file.rows_accepted + file.rows_rejected);
    }
    assert_eq!(all.rejected.len() as u64, messy_total);
}

/// The padded shape (every empty field DOJ's quoted `"  -  "`) holds the same people and
/// records: every published table and every decision is the same as from the plain shape,
/// and the data-quality table counts no placeholder as a problem.
#[test]
fn the_padded_shape_decides_and_publishes_as_the_plain_one() {
    let dir = TestDir::new("generate_padded");
    let generate = ["generate", "--rows", "20000", "--seed", "7", "-q"];
    dir.ok(&[&generate[..], &["--out", "plain.csv"]].concat());
    dir.ok(&[&generate[..], &["--out", "padded.csv", "--padded"]].concat());
    let size = |name: &str| std::fs::metadata(dir.path(name)).unwrap().len() as f64;
    let ratio = size("padded.csv") / size("plain.csv");
    assert!(
        ratio > 1.7,
        "the padded file is {ratio:.2} times the plain one"
    );
    let padded = dir.read("padded.csv");
    assert!(padded.lines().nth(1).unwrap().contains(r#","  -  ","#));
    for name in ["plain", "padded"] {
        dir.ok(&[
            "run",
            &format!("{name}.csv"),
            "--county",
            "LOS ANGELES",
            "--compute-at",
            "2020-01-01",
            "--out",
            name,
            "-q",
        ]);
    }
    let mut compared = 0;
    for entry in std::fs::read_dir(dir.path("plain/tables")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name != "datapackage.json" {
            let table =
                |run: &str| std::fs::read(dir.path(&format!("{run}/tables/{name}"))).unwrap();
            assert!(table("plain") == table("padded"), "tables/{name} differs");
            compared += 1;
        }
    }
    assert!(compared >= 30, "{compared} tables");
    let decisions =
        |run: &str| {
            crate::frames::read_parquet(&dir.path(&format!("{run}/convictions.parquet")))
                .drop_many(["ofn", "case_number", "source_file"])
        };
    assert!(decisions("plain").equals_missing(&decisions("padded")));
    let quality = |run: &str| {
        let summary: serde_json::Value =
            serde_json::from_str(&dir.read(&format!("{run}/summary.json"))).unwrap();
        summary["data_quality"].clone()
    };
    assert_eq!(quality("plain"), quality("padded"));
}
