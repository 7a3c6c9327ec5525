use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use polars::prelude::*;

use crate::doj::{self, DojRow};
use crate::reproducible::files;
use crate::testdir::{self, TestDir};

fn messy_input(dir: &TestDir) {
    dir.ok(&[
        "generate", "--rows", "4000", "--seed", "11", "--messy", "0.02", "--out", "m.csv", "-q",
    ]);
}

fn run(dir: &TestDir, input: &str, out: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        input,
        "--compute-at",
        "2020-01-01",
        "--on-bad-rows",
        "skip",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    dir.ok(&args)
}

fn summary(dir: &TestDir, out: &str) -> serde_json::Value {
    serde_json::from_str(&dir.read(&format!("{out}/summary.json"))).unwrap()
}

/// A run from the prepared input writes the same bytes as a run from the research files
/// (rejected rows and row accounting included), for three sets of options.
#[test]
fn a_run_from_a_prepared_input_equals_a_run_from_the_files() {
    let dir = TestDir::new("prepared_equal");
    messy_input(&dir);
    let said = dir.ok(&[
        "ingest",
        "m.csv",
        "--on-bad-rows",
        "skip",
        "--out",
        "m.parquet",
    ]);
    assert!(said.contains("rows read 4000 = accepted"), "{said}");
    // The third settles both a few convictions of whole people at a time.
    let options: [&[&str]; 3] = [
        &["--county", "LOS ANGELES"],
        &[
            "--county",
            "ALL",
            "--flow",
            "los-angeles",
            "--min-cell",
            "0",
        ],
        &["--county", "ALL", "--batch-rows", "97"],
    ];
    for (i, extra) in options.iter().enumerate() {
        let (from_files, from_prepared) = (format!("files{i}"), format!("prepared{i}"));
        let mut lean = extra.to_vec();
        lean.push("--no-gogen");
        run(&dir, "m.csv", &from_files, &lean);
        let said = run(&dir, "m.parquet", &from_prepared, extra);
        assert!(said.contains("gogen/ not written"), "{said}");
        same_outputs(&dir, &from_files, &from_prepared, "m.parquet");
        let s_prepared = summary(&dir, &from_prepared);
        assert!(s_prepared["rows"]["rows_rejected"].as_u64().unwrap() > 20);
    }
}

/// The runs in `from_files` and `from_prepared` (from the prepared input `prepared`) wrote
/// the same files, byte for byte but for the name of the input in `summary.json`.
fn same_outputs(dir: &TestDir, from_files: &str, from_prepared: &str, prepared: &str) {
    let (a, b) = (dir.path(from_files), dir.path(from_prepared));
    assert_eq!(files(&a), files(&b));
    for file in files(&a) {
        if file.ends_with("summary.json") {
            continue;
        }
        if file.ends_with("datapackage.json") {
            // Its provenance names the prepared input too.
            let read = |dir: &Path| -> serde_json::Value {
                serde_json::from_str(&std::fs::read_to_string(dir.join(&file)).unwrap()).unwrap()
            };
            let (mut from_a, from_b) = (read(&a), read(&b));
            from_a["clearstat"]["prepared_input"] = prepared.into();
            assert_eq!(from_a, from_b, "{} differs", file.display());
            continue;
        }
        let same = std::fs::read(a.join(&file)).unwrap() == std::fs::read(b.join(&file)).unwrap();
        assert!(same, "{} differs", file.display());
    }
    let (mut s_files, s_prepared) = (summary(dir, from_files), summary(dir, from_prepared));
    assert_eq!(s_prepared["prepared_input"], prepared);
    assert_eq!(s_prepared["gogen_bundle"], false);
    s_files["prepared_input"] = prepared.into();
    assert_eq!(s_files, s_prepared);
}

/// The prepared input stores the conviction and subject tables side by side, the shorter
/// padded: here the subject table is the longer (people arrested, never convicted), and
/// nobody is convicted at all.
#[test]
fn a_prepared_input_with_more_people_than_convictions_equals_the_files() {
    let dir = TestDir::new("prepared_people");
    let arrest = |id: &str| {
        DojRow::new()
            .with("SUBJECT_ID", id)
            .with("STP_TYPE_DESCR", "ARREST/DETAINED/CITED")
            .with("DISP_DESCR", "")
            .with("CONV_STAT_DESCR", "")
    };
    let inputs = [
        (
            "some",
            vec![DojRow::new(), arrest("200"), arrest("300"), arrest("400")],
        ),
        ("none", vec![arrest("200"), arrest("300")]),
    ];
    for (name, rows) in inputs {
        let (csv, parquet) = (format!("{name}.csv"), format!("{name}.parquet"));
        dir.create(&csv, doj::file(true, &rows));
        dir.ok(&[
            "ingest",
            &csv,
            "--on-bad-rows",
            "skip",
            "--out",
            &parquet,
            "-q",
        ]);
        let extra = ["--county", "ALL", "--min-cell", "0"];
        let (from_files, from_prepared) = (format!("{name}_files"), format!("{name}_prepared"));
        run(
            &dir,
            &csv,
            &from_files,
            &[&extra[..], &["--no-gogen"]].concat(),
        );
        run(&dir, &parquet, &from_prepared, &extra);
        same_outputs(&dir, &from_files, &from_prepared, &parquet);
        let subjects = summary(&dir, &from_prepared)["subjects"].as_u64();
        assert_eq!(subjects, Some(rows.len() as u64), "{name}");
    }
}

#[test]
fn prepared_inputs_are_private_reproducible_and_checked() {
    let dir = TestDir::new("prepared_checks");
    messy_input(&dir);
    fn ingest<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "ingest",
            "m.csv",
            "--out",
            out,
            "-q",
            "--on-bad-rows",
            "skip",
        ];
        args.extend_from_slice(extra);
        args
    }
    dir.ok(&ingest("a.parquet", &[]));
    dir.ok(&ingest("b.parquet", &["--threads", "1"]));
    let mode = std::fs::metadata(dir.path("a.parquet"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        std::fs::read(dir.path("a.parquet")).unwrap()
            == std::fs::read(dir.path("b.parquet")).unwrap()
    );

    let said = dir.err(&ingest("a.parquet", &[]), 3);
    assert!(said.contains("a.parquet already exists"), "{said}");
    dir.ok(&ingest("a.parquet", &["--force"]));
    let said = dir.err(&["ingest", "a.parquet", "--out", "c.parquet"], 1);
    assert!(said.contains("already a prepared input"), "{said}");

    let run = |input: &[&str], code| dir.err(&testdir::run_args(input), code);
    let said = run(&["a.parquet", "m.csv"], 1);
    assert!(said.contains("give it alone"), "{said}");
    // A Parquet file clearstat did not prepare, and a truncated one.
    dir.ok(&[
        "run",
        "a.parquet",
        "--county",
        "ALL",
        "--compute-at",
        "2020-01-01",
        "--out",
        "r",
        "-q",
    ]);
    let said = run(&["r/convictions.parquet"], 1);
    assert!(said.contains("not one `clearstat ingest` wrote"), "{said}");
    // A prepared input of an earlier layout (1: the typed rows).
    let rows = df!("subject_id" => ["100"]).unwrap();
    let provenance = r#"{"format":1,"clearstat_version":"0.0.9"}"#;
    clearstat::outputs::write_parquet_with_metadata(
        &rows,
        &dir.path("old.parquet"),
        vec![("clearstat.prepared".into(), provenance.into())],
    )
    .unwrap();
    let said = run(&["old.parquet"], 1);
    assert!(
        said.contains("written by clearstat 0.0.9 in layout 1; this clearstat reads layout 5"),
        "{said}"
    );
    let bytes = std::fs::read(dir.path("a.parquet")).unwrap();
    dir.create("cut.parquet", &bytes[..bytes.len() / 2]);
    let said = run(&["cut.parquet"], 1);
    assert!(
        said.contains("cut.parquet: not a readable Parquet file"),
        "{said}"
    );
    assert!(!dir.path("out").exists(), "nothing written");
}
