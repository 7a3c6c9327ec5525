//! A second engine: every query in `queries/` recomputed by DuckDB over a run's own Parquet
//! files, registered as the README says (`tests/engines/duckdb_tables.py`), gives clearstat's
//! table. `.ci/run` installs DuckDB from PyPI.

use std::path::Path;
use std::process::Command;

use crate::testdir::TestDir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `tests/engines/SCRIPT` with `args` (the finished run first): its report, and whether
/// it passed.
fn python(script: &str, args: &[&Path]) -> (String, bool) {
    let out = Command::new("python3")
        .arg(Path::new(ROOT).join("tests/engines").join(script))
        .args(args)
        .output()
        .expect("python3 runs (with duckdb and frictionless from PyPI, as .ci/run installs)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (report, out.status.success())
}

/// Runs the DuckDB comparison over the finished run in `run` (its tables read from `exported`,
/// the layout of `clearstat export`, when given); fails with its report.
fn duckdb_agrees_over(run: &Path, exported: Option<&Path>) {
    let args: Vec<&Path> = std::iter::once(run).chain(exported).collect();
    let (report, passed) = python("duckdb_tables.py", &args);
    assert!(passed, "DuckDB disagrees:\n{report}");
    let compared = clearstat::analytics::tables::BUNDLED.len();
    assert!(
        report.contains(&format!("{compared} tables compared, 0 differences")),
        "{report}"
    );
}

/// Runs `input` for `county` as of 2020-01-01 into `out`, without the gogen bundle, with
/// `extra` options.
fn run(dir: &TestDir, input: &str, county: &str, extra: &[&str]) {
    let mut args = vec![
        "run",
        input,
        "--county",
        county,
        "--compute-at",
        "2020-01-01",
        "--no-gogen",
        "--out",
        "out",
        "-q",
    ];
    args.extend_from_slice(extra);
    dir.ok(&args);
}

fn duckdb_agrees(run: &Path) {
    duckdb_agrees_over(run, None);
}

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data-samples/doj_research_sample.csv"
);

#[test]
fn duckdb_gives_every_table_of_the_sample() {
    let dir = TestDir::new("engines_sample");
    run(&dir, SAMPLE, "SAN FRANCISCO", &["--min-cell", "0"]);
    duckdb_agrees(&dir.path("out"));
}

#[test]
fn duckdb_gives_every_table_of_a_generated_statewide_run() {
    let dir = TestDir::new("engines_statewide");
    dir.ok(&[
        "generate", "--rows", "20000", "--seed", "3", "--out", "in.csv", "-q",
    ]);
    run(&dir, "in.csv", "ALL", &["--min-cell", "0"]);
    duckdb_agrees(&dir.path("out"));
    // The same queries over the layout for cluster engines: convictions partitioned by county.
    dir.ok(&["export", "out", "--out", "parts"]);
    let partitions = std::fs::read_dir(dir.path("parts/convictions"))
        .unwrap()
        .count();
    assert!(partitions > 40, "{partitions} county partitions");
    assert!(
        dir.path("parts/convictions/county=LOS ANGELES/part-0.parquet")
            .is_file()
    );
    duckdb_agrees_over(&dir.path("out"), Some(&dir.path("parts")));
}

/// `tables/datapackage.json` is a valid Frictionless Data Package whose tables' rows fit their
/// schemas, every column described, with the queries and the run's provenance.
#[test]
fn the_tables_are_a_valid_data_package() {
    let dir = TestDir::new("engines_datapackage");
    run(&dir, SAMPLE, "SAN FRANCISCO", &[]);
    let (report, passed) = python("datapackage_valid.py", &[&dir.path("out")]);
    assert!(passed, "{report}");
    let resources = clearstat::analytics::tables::BUNDLED.len();
    assert!(
        report.contains(&format!("{resources} resources checked, 0 problems")),
        "{report}"
    );
}
