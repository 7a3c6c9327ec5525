use crate::doj::{self, DojRow};
use crate::testdir::{self, TestDir, shared};

fn summary(dir: &TestDir, out: &str) -> serde_json::Value {
    serde_json::from_str(&dir.read(&format!("{out}/summary.json"))).unwrap()
}

#[test]
fn run_the_shipped_sample_as_the_readme_says() {
    let dir = TestDir::new("run_sample");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data-samples/doj_research_sample.csv"
    );
    let stderr = dir.ok(&[
        "run",
        sample,
        "--county",
        "SAN FRANCISCO",
        "--compute-at",
        "2020-01-01",
        "--out",
        "out",
        "--timings",
    ]);
    for stage in [
        "read and normalize",
        "decide",
        "gogen CSVs",
        "tables",
        "charts",
        "report",
        "total",
    ] {
        assert!(stderr.contains(stage), "--timings prints {stage}: {stderr}");
    }
    let s = summary(&dir, "out");
    let lines = std::fs::read_to_string(sample).unwrap().lines().count() as u64;
    assert_eq!(s["rows"]["rows_read"], lines - 1);
    assert_eq!(s["rows"]["rows_rejected"], 0);
    assert_eq!(s["rows"]["reconciles"], true);
    assert!(
        stderr.contains(&format!(
            "rows read {} = accepted {} + rejected 0",
            lines - 1,
            lines - 1
        )),
        "{stderr}"
    );
    assert!(s["prop64_convictions_in_county"].as_u64().unwrap() > 50);
    for file in [
        "convictions.parquet",
        "subjects.parquet",
        "summary.json",
        "report.html",
        "report.md",
        "population_baseline.parquet",
        "population.parquet",
        "race_map.csv",
        "tables/datapackage.json",
    ] {
        assert!(dir.path(&format!("out/{file}")).exists(), "{file}");
    }
    let count = |folder: &str| std::fs::read_dir(dir.path(folder)).unwrap().count();
    let tables = clearstat::analytics::tables::BUNDLED.len();
    assert_eq!(
        count("out/tables"),
        2 * tables + 1,
        "Parquet and CSV of every table, and the data package"
    );
    assert_eq!(
        count("out/charts"),
        2 * clearstat::charts::NAMES.len(),
        "PNG and SVG"
    );
    assert!(!dir.path("out/.clearstat-work").exists());
}

#[test]
fn run_writes_tables_that_read_back() {
    let Some(fixture) = shared("conformance/gogen-fixture/input.csv") else {
        return;
    };
    let dir = TestDir::new("run_fixture");
    let input = fixture.display().to_string();
    dir.ok(&[
        "run",
        &input,
        "--county",
        "sacramento",
        "--compute-at",
        "2019-11-11",
        "--out",
        "out",
        "-q",
    ]);
    let read = |name: &str| crate::frames::read_parquet(&dir.path(&format!("out/{name}")));
    // gogen: 30 convictions (deduplicated, all counties) of 13 people; 18 Prop 64 in Sacramento.
    assert_eq!(read("convictions.parquet").height(), 30);
    assert_eq!(read("subjects.parquet").height(), 13);
    let s = summary(&dir, "out");
    assert_eq!(s["prop64_convictions_in_county"], 18);
    assert_eq!(s["county"], "SACRAMENTO");
    assert_eq!(s["compute_at"], "2019-11-11");
}

#[test]
fn run_skip_writes_rejected_rows_and_reconciles_on_messy_data() {
    let dir = TestDir::new("run_messy");
    dir.ok(&[
        "generate",
        "--rows",
        "5000",
        "--seed",
        "3",
        "--messy",
        "0.02",
        "--county",
        "LOS ANGELES",
        "--out",
        "m.csv",
        "-q",
    ]);
    dir.err(
        &[
            "run",
            "m.csv",
            "--county",
            "LOS ANGELES",
            "--compute-at",
            "2020-01-01",
            "--out",
            "fail",
        ],
        1,
    );
    dir.ok(&[
        "run",
        "m.csv",
        "--county",
        "LOS ANGELES",
        "--compute-at",
        "2020-01-01",
        "--on-bad-rows",
        "skip",
        "--out",
        "out",
    ]);
    let s = summary(&dir, "out");
    let rejected = s["rows"]["rows_rejected"].as_u64().unwrap();
    assert!(rejected > 50, "{rejected}");
    assert_eq!(
        s["rows"]["rows_read"].as_u64().unwrap(),
        s["rows"]["rows_accepted"].as_u64().unwrap() + rejected
    );
    assert_eq!(
        dir.read("out/rejected_rows.csv").lines().count() as u64,
        1 + rejected
    );
}

#[test]
fn a_file_whose_rows_are_all_rejected_still_gets_its_gogen_files() {
    let dir = TestDir::new("run_all_rejected");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data-samples/doj_research_sample.csv"
    ))
    .unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let good: Vec<&str> = lines.take(20).collect();
    std::fs::write(
        dir.path("good.csv"),
        format!("{header}\n{}\n", good.join("\n")),
    )
    .unwrap();
    std::fs::write(dir.path("bad.csv"), format!("{header}\na,b,c\n")).unwrap();
    dir.ok(&[
        "run",
        "good.csv",
        "bad.csv",
        "--county",
        "SAN FRANCISCO",
        "--compute-at",
        "2020-01-01",
        "--on-bad-rows",
        "skip",
        "--out",
        "out",
    ]);
    assert_eq!(dir.read("out/gogen/All_Results_1.csv").lines().count(), 21);
    for name in [
        "All_Results_2",
        "All_Results_Condensed_2",
        "Prop64_Results_2",
    ] {
        let text = dir.read(&format!("out/gogen/{name}.csv"));
        assert_eq!(text.lines().count(), 1, "{name}: the header only");
    }
}

#[test]
fn run_errors_and_exit_codes() {
    let dir = TestDir::new("run_errors");
    let good = dir.create("good.csv", doj::file(true, &[DojRow::new()]));
    let good = good.display().to_string();
    let secret = DojRow::new()
        .with("PRI_NAME", "ZZSECRET,NAME")
        .with("PRI_SSN", "987654321");
    let short = secret.line().rsplit_once(',').unwrap().0.to_string();
    dir.create("bad.csv", format!("{}\n{short}\n", doj::header()));

    let err = dir.err(&["run", "missing.csv", "--county", "ALL", "--out", "o"], 1);
    assert_eq!(err, "error: missing.csv: no such file\n");
    let err = dir.err(&["run", "bad.csv", "--county", "ALL", "--out", "o"], 1);
    assert!(
        err.contains("bad.csv line 2: wrong field count: expected 95 fields, found 94."),
        "{err}"
    );
    assert!(
        !err.contains("ZZSECRET") && !err.contains("987654321"),
        "no values in messages: {err}"
    );
    let err = dir.err(
        &[
            "run",
            &good,
            "--county",
            "ALL",
            "--compute-at",
            "2020-13-01",
            "--out",
            "o",
        ],
        2,
    );
    assert_eq!(
        err,
        "error: --compute-at '2020-13-01' is not a date in the form YYYY-MM-DD\n"
    );
    let err = dir.err(
        &["run", &good, "--county", "SAN FRANCISO", "--out", "o", "-q"],
        2,
    );
    assert!(
        err.contains("unknown county 'SAN FRANCISO'")
            && err.contains("Did you mean SAN FRANCISCO?"),
        "{err}"
    );
    assert!(
        !dir.path("o").exists(),
        "a failed run leaves no empty folder"
    );
    dir.create("a-file", "x");
    let err = dir.err(
        &[
            "run",
            &good,
            "--county",
            "ALL",
            "--compute-at",
            "2020-01-01",
            "--out",
            "a-file/out",
        ],
        3,
    );
    assert!(
        err.contains("cannot create the output folder a-file/out"),
        "{err}"
    );
    dir.err(&["run", &good, "--out", "o"], 2);
    dir.err(
        &["generate", "--rows", "10", "--messy", "2", "--out", "x.csv"],
        2,
    );
}

#[test]
fn help_has_examples_and_exit_codes() {
    let dir = TestDir::new("run_help");
    for command in ["run", "generate"] {
        let out = dir.command(&[command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("Examples:"),
            "{command}: {text}"
        );
    }
    let out = dir.command(&["--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes: 0 success"));
}

#[test]
fn run_twice_gives_the_same_bytes() {
    let dir = TestDir::new("run_reproducible");
    dir.ok(&[
        "generate",
        "--rows",
        "4000",
        "--seed",
        "11",
        "--county",
        "SAN FRANCISCO",
        "--out",
        "in.csv",
        "-q",
    ]);
    // The first data row moved to the end: that subject's rows no longer follow each other.
    let text = dir.read("in.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    let moved = lines.remove(1);
    lines.push(moved);
    dir.create("split.csv", &(lines.join("\n") + "\n"));
    let run = |input: &str, out: &str, batch_rows: Option<&str>| {
        let mut args = vec![
            "run",
            input,
            "--county",
            "SAN FRANCISCO",
            "--compute-at",
            "2020-07-01",
            "--flow",
            "los-angeles",
            "--out",
            out,
            "--timings",
        ];
        if let Some(rows) = batch_rows {
            args.extend(["--batch-rows", rows]);
        }
        dir.ok(&args)
    };
    run("in.csv", "a", None);
    run("in.csv", "b", None);
    assert_same_outputs(&dir.path("a"), &dir.path("b"));
    // Rows reduced in batches of whole subjects give the same bytes as all at once; so do
    // batches that split a subject (the file is then read again and reduced at once).
    let timings = run("in.csv", "batches", Some("300"));
    assert_same_outputs(&dir.path("a"), &dir.path("batches"));
    // All but the last batch were reduced on the thread beside the reading.
    let beside = timings
        .split("beside the reading")
        .nth(1)
        .unwrap_or_default();
    assert!(beside.contains("conviction table"), "{timings}");
    run("split.csv", "split", None);
    run("split.csv", "split_batches", Some("300"));
    assert_same_outputs(&dir.path("split"), &dir.path("split_batches"));
}

/// Every file of the run folder `a` is in `b` with the same bytes, and `b` has no other.
fn assert_same_outputs(a: &std::path::Path, b: &std::path::Path) {
    fn files(root: &std::path::Path, folder: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => files(root, &path, out),
                false => out.push(path.strip_prefix(root).unwrap().to_path_buf()),
            }
        }
    }
    let (mut in_a, mut in_b) = (Vec::new(), Vec::new());
    files(a, a, &mut in_a);
    files(b, b, &mut in_b);
    in_a.sort();
    in_b.sort();
    assert_eq!(in_a, in_b);
    assert!(in_a.len() > 20, "{in_a:?}");
    for file in in_a {
        let same = std::fs::read(a.join(&file)).unwrap() == std::fs::read(b.join(&file)).unwrap();
        assert!(
            same,
            "{} differs between {} and {}",
            file.display(),
            a.display(),
            b.display()
        );
    }
}

#[test]
fn run_refuses_an_earlier_run_unless_forced() {
    let dir = TestDir::new("run_force");
    dir.create("in.csv", doj::file(true, &[DojRow::new()]));
    let args = testdir::run_args(&["in.csv", "-q"]);
    dir.ok(&args);
    dir.create("out/notes.txt", "mine");
    let err = dir.err(&args, 3);
    assert_eq!(
        err,
        "error: out holds the outputs of an earlier run; choose another --out, or pass --force to replace them\n"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    dir.ok(&forced);
    assert_eq!(
        dir.read("out/notes.txt"),
        "mine",
        "files that are not clearstat's stay"
    );
    assert!(dir.path("out/gogen/gogen.json").exists());
}

/// As of a date: a conviction dated after `--compute-at` is left out of the review and of
/// every count (counted in summary.json and the data-quality table), and the 7 years are the
/// 7 years before it.
#[test]
fn convictions_after_the_as_of_date_are_left_out_of_everything() {
    let dir = TestDir::new("run_as_of");
    let row = DojRow::new().with("SUBJECT_ID", "P");
    let rows = [
        // Prop 64, 2009: reviewed.
        row.with("CNT_ORDER", "001002001000")
            .with("STP_EVENT_DATE", "20090301"),
        // Another offence, 2013, and Prop 64, 2015: after the as-of date.
        row.with("CNT_ORDER", "002002001000")
            .with("STP_EVENT_DATE", "20130301")
            .with("OFFENSE_DESCR", "459 PC-BURGLARY"),
        row.with("CNT_ORDER", "003002001000")
            .with("STP_EVENT_DATE", "20150301"),
        // A death recorded in 2014: not yet as of 2012.
        row.with("CNT_ORDER", "004001001000")
            .with("STP_EVENT_DATE", "20140101")
            .with("STP_TYPE_DESCR", "DECEASED")
            .with("DISP_DESCR", "")
            .with("OFFENSE_DESCR", ""),
    ];
    dir.create("in.csv", doj::file(true, &rows));
    let run = |compute_at: &str, out: &str| {
        dir.ok(&[
            "run",
            "in.csv",
            "--county",
            "SAN FRANCISCO",
            "--as-of",
            compute_at,
            "--out",
            out,
            "-q",
        ]);
        let summary: serde_json::Value =
            serde_json::from_str(&dir.read(&format!("{out}/summary.json"))).unwrap();
        summary
    };
    let summary = run("2012-01-01", "early");
    assert_eq!(
        summary["left_out_as_of"],
        serde_json::json!({"convictions": 2, "prop64_convictions": 1,
            "prop64_convictions_in_county": 1, "pc290_registrations": 0, "deaths": 1})
    );
    assert_eq!(summary["convictions"], 1);
    assert_eq!(summary["prop64_convictions_in_county"], 1);
    let quality = summary["data_quality"].as_array().unwrap();
    assert!(
        quality.iter().any(|q| q["issue"]
            .as_str()
            .unwrap()
            .starts_with("conviction dated after the as-of date")
            && q["rows"] == 2),
        "{quality:?}"
    );
    // The burglary of 2013 is not on the record yet: no conviction in the 7 years before.
    let relief = &summary["gogen"]["reliefWithCurrentEligibilityChoices"];
    assert_eq!(relief["CountSubjectsNoConviction"], 1, "{relief}");
    assert_eq!(relief["CountSubjectsNoConvictionLast7Years"], 1, "{relief}");
    let convictions = crate::frames::read_parquet(&dir.path("early/convictions.parquet"));
    assert_eq!(convictions.height(), 1);
    let deceased = |out: &str| {
        let subjects = crate::frames::read_parquet(&dir.path(&format!("{out}/subjects.parquet")));
        crate::frames::strings(&subjects, "is_deceased")
    };
    assert_eq!(deceased("early"), [Some("false".to_string())]);
    assert!(
        dir.read("early/report.md")
            .contains("as they stood on 2012-01-01")
    );
    // gogen's bundle still lists every row; only the reviewed one has a determination.
    let all = dir.read("early/gogen/All_Results.csv");
    assert_eq!(all.lines().count(), 5);
    assert_eq!(all.matches("Eligible for Dismissal").count(), 1, "{all}");

    // Later, all three are on the record: the burglary blocks "no conviction left".
    let summary = run("2020-01-01", "late");
    assert_eq!(summary["left_out_as_of"]["convictions"], 0);
    assert_eq!(deceased("late"), [Some("true".to_string())]);
    assert_eq!(summary["convictions"], 3);
    let relief = &summary["gogen"]["reliefWithCurrentEligibilityChoices"];
    assert_eq!(relief["CountSubjectsNoConviction"], 0, "{relief}");
}
