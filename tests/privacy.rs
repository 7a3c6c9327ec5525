use std::path::Path;
use std::process::Command;

use clearstat::ingest::layout::{self, COLUMNS, IDENTIFIERS};
use clearstat::outputs::pseudonym::{WITHHELD, columns_table};

use crate::frames::{read_parquet, strings};
use crate::testdir::{TestDir, shared};

const KEY: &str = "correct horse battery staple 42";
const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data-samples/doj_research_sample.csv"
);

fn run(dir: &TestDir, input: &str, out: &str, extra: &[&str]) -> (i32, String) {
    let output = dir
        .command(&[
            "run",
            input,
            "--county",
            "SAN FRANCISCO",
            "--compute-at",
            "2020-01-01",
        ])
        .args(["--out", out, "-q"])
        .args(extra)
        .env("CLEARSTAT_PSEUDONYM_KEY", KEY)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

fn all_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(all_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The files of a run that hold rows (everything else is published).
fn is_row_level(relative: &Path) -> bool {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy());
    matches!(
        first.as_deref(),
        Some("gogen" | "convictions.parquet" | "subjects.parquet" | "rejected_rows.csv")
    )
}

/// The files under `root` (relative) holding `marker`: Parquet files are read back and
/// every value searched as text, the others searched byte by byte.
fn files_holding(root: &Path, marker: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for file in all_files(root) {
        let holds = if file.extension().is_some_and(|e| e == "parquet") {
            read_parquet(&file).columns().iter().any(|column| {
                let text = column.cast(&polars::prelude::DataType::String).unwrap();
                text.str()
                    .unwrap()
                    .iter()
                    .flatten()
                    .any(|v| v.contains(marker))
            })
        } else {
            let bytes = std::fs::read(&file).unwrap();
            bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
        };
        if holds {
            found.push(file.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    found
}

/// Every column of the sample's data rows, split.
fn sample_rows() -> Vec<Vec<String>> {
    let input = std::fs::read_to_string(SAMPLE).unwrap();
    let mut fields = clearstat::ingest::records::Fields::default();
    let mut rows = Vec::new();
    for line in input.lines().skip(1) {
        fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
        rows.push(fields.iter().map(str::to_string).collect());
    }
    rows
}

#[test]
fn pseudonymize_replaces_identifiers_and_leaves_the_statistics_alone() {
    let dir = TestDir::new("privacy_pseudonymize");
    assert_eq!(run(&dir, SAMPLE, "plain", &[]).0, 0);
    assert_eq!(run(&dir, SAMPLE, "pseudo", &["--pseudonymize"]).0, 0);

    // The generator fills every identifier column; its made-up values start with FAKE-.
    let rows = sample_rows();
    let mut identifiers = std::collections::HashSet::new();
    for &column in &IDENTIFIERS {
        let values: Vec<&str> = rows
            .iter()
            .map(|row| row[column].trim())
            .filter(|v| !matches!(*v, "" | "-"))
            .collect();
        assert!(!values.is_empty(), "{} is never filled", COLUMNS[column]);
        identifiers.extend(values.into_iter().map(str::to_string));
    }
    assert!(identifiers.len() > 10_000, "the sample has identifiers");
    let mark = clearstat::generate::FAKE_MARK;
    assert!(!files_holding(&dir.path("plain"), mark).is_empty());
    let leaked = files_holding(&dir.path("pseudo"), mark);
    assert!(leaked.is_empty(), "made-up identifiers in {leaked:?}");
    let mut fields = clearstat::ingest::records::Fields::default();
    for file in [
        "All_Results.csv",
        "All_Results_Condensed.csv",
        "Prop64_Results.csv",
    ] {
        let plain = std::fs::read_to_string(dir.path(&format!("plain/gogen/{file}"))).unwrap();
        let pseudo = std::fs::read_to_string(dir.path(&format!("pseudo/gogen/{file}"))).unwrap();
        assert_eq!(plain.lines().count(), pseudo.lines().count(), "{file}");
        // Whole cells: no identifier (subject ids and OFNs too) is a cell of the output.
        for line in pseudo.lines() {
            fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
            for cell in fields.iter() {
                assert!(!identifiers.contains(cell.trim()), "{file} holds {cell}");
            }
        }
    }
    // Pseudonyms join: a person's gogen rows and Parquet rows carry the same one, and a case
    // number lists the pseudonyms of its OFNs.
    let gogen = std::fs::read_to_string(dir.path("pseudo/gogen/All_Results.csv")).unwrap();
    let mut gogen_ids = std::collections::BTreeSet::new();
    let mut gogen_ofns = std::collections::BTreeSet::new();
    for line in gogen.lines().skip(1) {
        fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
        gogen_ids.insert(fields.get(layout::col::SUBJECT_ID).to_string());
        gogen_ofns.insert(fields.get(layout::col::OFN).to_string());
    }
    let convictions = read_parquet(&dir.path("pseudo/convictions.parquet"));
    let plain_convictions = read_parquet(&dir.path("plain/convictions.parquet"));
    let pseudonym = |v: &str| v.starts_with('P') && v.len() == 21;
    for (name, gogen_values) in [("subject_id", &gogen_ids), ("case_number", &gogen_ofns)] {
        let plain = strings(&plain_convictions, name);
        let pseudo = strings(&convictions, name);
        assert_eq!(plain.len(), pseudo.len());
        for (plain, pseudo) in plain.iter().zip(&pseudo) {
            let (Some(plain), Some(pseudo)) = (plain, pseudo) else {
                continue;
            };
            for part in pseudo.split("; ").filter(|p| !p.is_empty()) {
                assert!(pseudonym(part) && !plain.contains(part), "{name} {part}");
                assert!(
                    gogen_values.contains(part),
                    "{name} {part} is not in gogen/"
                );
            }
        }
    }
    // The published statistics do not change; the key is written nowhere.
    for name in ["tables", "charts"] {
        for file in all_files(&dir.path(&format!("plain/{name}"))) {
            let relative = file.strip_prefix(dir.path("plain")).unwrap();
            let other = std::fs::read(dir.path("pseudo").join(relative)).unwrap();
            assert!(
                std::fs::read(&file).unwrap() == other,
                "{relative:?} changed"
            );
        }
    }
    assert_eq!(dir.read("plain/report.md"), dir.read("pseudo/report.md"));
    for file in all_files(&dir.path("pseudo")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{file:?}"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&dir.read("pseudo/summary.json")).unwrap();
    assert_eq!(summary["pseudonymized"], true);
}

/// The conformance fixture with a marker in every column `--pseudonymize` replaces or
/// withholds (each value kept after it, so people stay apart): no marker in any output
/// under `--pseudonymize`, and never one in what is published.
#[test]
fn no_marked_value_reaches_a_published_file_or_a_pseudonymized_one() {
    let Some(fixture) = shared("conformance/gogen-fixture/input.csv") else {
        return;
    };
    let dir = TestDir::new("privacy_markers");
    const MARKER: &str = "ZQMARKER";
    // By role, not by what the code does with it: identifiers, free text, and the
    // quasi-identifiers no rule reads.
    use layout::Role::*;
    let marked: Vec<usize> = (0..COLUMNS.len())
        .filter(|&i| match layout::LAYOUT[i].role {
            Identifier | FreeText => true,
            DateOfBirth | QuasiIdentifier => !layout::LAYOUT[i].is_read(),
            Other => false,
        })
        .collect();
    // At least the identifiers the DOJ layout documents.
    for name in [
        "SUBJECT_ID",
        "REQ_CII_NUMBER",
        "REQ_NAME",
        "REQ_CDL",
        "REQ_SSN",
        "CII_NUMBER",
        "PRI_NAME",
        "PRI_SSN",
        "PRI_CDL",
        "PRI_IDN",
        "PRI_INN",
        "FBI_NUMBER",
        "OFN",
        "FE_NUM_CRT_CASE",
        "FE_NUM_BOOKING",
        "COMMENT_TEXT",
        "REQ_DOB",
    ] {
        assert!(marked.contains(&layout::position(name)), "{name}");
    }
    assert!(marked.len() > 30, "{marked:?}");
    let input = std::fs::read_to_string(fixture).unwrap();
    let mut fields = clearstat::ingest::records::Fields::default();
    let mut text = String::new();
    for (n, line) in input.lines().enumerate() {
        fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
        let cells: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let cell = if n > 0 && marked.contains(&i) {
                    format!("{MARKER}{}{cell}", COLUMNS[i])
                } else {
                    cell.to_string()
                };
                if cell.contains([',', '"']) {
                    format!("\"{}\"", cell.replace('"', "\"\""))
                } else {
                    cell
                }
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    dir.create("marked.csv", &text);
    let input = dir.path("marked.csv").display().to_string();
    let compute_at = ["--county", "SACRAMENTO", "--compute-at", "2019-11-11"];
    for (out, extra) in [("plain", &[][..]), ("pseudo", &["--pseudonymize"][..])] {
        let output = dir
            .command(&["run", &input, "--out", out, "-q", "--min-cell", "0"])
            .args(compute_at)
            .args(extra)
            .env("CLEARSTAT_PSEUDONYM_KEY", KEY)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    let plain = files_holding(&dir.path("plain"), MARKER);
    assert!(
        plain.iter().any(|f| f.starts_with("gogen"))
            && plain.contains(&"convictions.parquet".into()),
        "without the option the markers reach the row-level outputs: {plain:?}"
    );
    let published: Vec<_> = plain.iter().filter(|f| !is_row_level(f)).collect();
    assert!(published.is_empty(), "markers published in {published:?}");
    let pseudo = files_holding(&dir.path("pseudo"), MARKER);
    assert!(
        pseudo.is_empty(),
        "markers under --pseudonymize in {pseudo:?}"
    );
    assert!(dir.path("pseudo/report.html").exists() && dir.path("pseudo/charts").exists());
}

#[test]
fn birth_year_only_cuts_dates_of_birth_and_keeps_the_decisions() {
    let dir = TestDir::new("privacy_birth_year");
    assert_eq!(run(&dir, SAMPLE, "pseudo", &["--pseudonymize"]).0, 0);
    let (code, stderr) = run(
        &dir,
        SAMPLE,
        "year",
        &["--pseudonymize", "--birth-year-only"],
    );
    assert_eq!(code, 0, "{stderr}");
    let gogen = std::fs::read_to_string(dir.path("year/gogen/All_Results.csv")).unwrap();
    let mut fields = clearstat::ingest::records::Fields::default();
    let mut years = 0;
    for line in gogen.lines().skip(1) {
        fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
        let dob = fields.get(layout::col::PRI_DOB);
        assert!(
            dob.is_empty() || dob == WITHHELD || (dob.len() == 4 && dob.parse::<u16>().is_ok()),
            "{dob}"
        );
        years += usize::from(dob.len() == 4);
        assert!(matches!(fields.get(layout::col::REQ_DOB), "" | WITHHELD));
    }
    assert!(years > 20_000, "{years}");
    let summary: serde_json::Value = serde_json::from_str(&dir.read("year/summary.json")).unwrap();
    assert_eq!(summary["birth_year_only"], true);
    let full = read_parquet(&dir.path("pseudo/convictions.parquet"));
    let cut = read_parquet(&dir.path("year/convictions.parquet"));
    assert!(cut.column("dob").is_err() && cut.column("subject_dob").is_err());
    let born = strings(&full, "dob");
    let year = strings(&cut, "birth_year");
    for (born, year) in born.iter().zip(&year) {
        assert_eq!(born.as_ref().map(|b| b[..4].to_string()), *year);
    }
    for name in ["determination", "reason", "subject_id", "age_at_conviction"] {
        assert_eq!(strings(&full, name), strings(&cut, name), "{name}");
    }
    let output = dir
        .command(&[
            "run",
            SAMPLE,
            "--county",
            "ALL",
            "--out",
            "x",
            "--birth-year-only",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "--birth-year-only needs --pseudonymize"
    );
}

/// The README's table of columns is `clearstat columns`, made from the layout.
#[test]
fn the_readme_lists_the_columns_as_the_layout_declares_them() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = "<!-- columns: clearstat columns -->\n";
    let from = readme.find(start).expect("the README has the table") + start.len();
    let to = from + readme[from..].find("<!-- /columns -->").unwrap();
    let (readme_table, table) = (&readme[from..to], columns_table());
    let stale = readme_table
        .lines()
        .zip(table.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("README: {a}\nlayout: {b}"));
    assert!(
        readme_table == table,
        "the README's table of columns is stale (paste `clearstat columns` in it): {stale:?}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_clearstat"))
        .arg("columns")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), columns_table());
    assert_eq!(columns_table().lines().count(), 2 + COLUMNS.len());
}

#[test]
fn pseudonymize_withholds_rejected_text_and_needs_a_real_key() {
    let dir = TestDir::new("privacy_rejected");
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/short_row.csv");
    let (code, stderr) = run(
        &dir,
        corpus,
        "out",
        &["--pseudonymize", "--on-bad-rows", "skip"],
    );
    assert_eq!(code, 0, "{stderr}");
    let rejected = dir.read("out/rejected_rows.csv");
    assert!(
        rejected.contains("(withheld: --pseudonymize)"),
        "{rejected}"
    );
    assert!(!rejected.contains("ZZSECRET") && !rejected.contains("987654321"));

    dir.create("short.key", "too short\n");
    let (code, stderr) = run(
        &dir,
        corpus,
        "o2",
        &["--pseudonymize", "--pseudonym-key", "short.key"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("use at least 16 random bytes"), "{stderr}");
    assert!(
        !stderr.contains("too short"),
        "the key is never printed: {stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_clearstat"))
        .current_dir(&dir.root)
        .args([
            "run",
            corpus,
            "--county",
            "ALL",
            "--out",
            "o3",
            "--pseudonymize",
        ])
        .env_remove("CLEARSTAT_PSEUDONYM_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// `clearstat args` in `dir` under strace: its exit code, and the sockets it made.
fn traced(dir: &TestDir, args: &[&str]) -> (Option<i32>, String) {
    let _ = std::fs::remove_file(dir.path("trace.txt"));
    let status = Command::new("strace")
        .current_dir(&dir.root)
        .args(["-f", "-e", "trace=socket,connect", "-o", "trace.txt"])
        .arg(env!("CARGO_BIN_EXE_clearstat"))
        .args(args)
        .output()
        .expect("strace is needed for this test: apt-get install strace (.ci/run does)")
        .status;
    (status.code(), dir.read("trace.txt"))
}

/// clearstat opens no network connection: every subcommand, the run with its report, and a
/// query that asks for a URL (refused, exit 2), under strace, make no internet socket (Polars
/// links an HTTP client that clearstat never uses).
#[test]
fn no_command_opens_a_network_socket() {
    let dir = TestDir::new("privacy_network");
    let url = "select * from read_parquet('http://127.0.0.1:9/x.parquet')";
    let commands: [(&[&str], i32); 9] = [
        (&["generate", "--rows", "200", "--out", "g.csv", "-q"], 0),
        (
            &[
                "run",
                SAMPLE,
                "--county",
                "SAN FRANCISCO",
                "--compute-at",
                "2020-01-01",
            ],
            0,
        ),
        (&["ingest", SAMPLE, "--out", "p.parquet", "-q"], 0),
        (
            &["query", "out", "--sql", "select count(*) from reviewed"],
            0,
        ),
        (&["query", "out", "--sql", url], 2),
        (
            &["query", "out", "--sql", "select * from '/etc/hostname'"],
            2,
        ),
        (&["report", "out"], 0),
        (&["flows"], 0),
        (&["columns"], 0),
    ];
    for (args, code) in commands {
        let mut args = args.to_vec();
        if args[0] == "run" {
            args.extend(["--out", "out", "-q"]);
        }
        let (status, trace) = traced(&dir, &args);
        assert_eq!(status, Some(code), "clearstat {args:?}");
        for family in ["AF_INET", "AF_INET6", "AF_PACKET"] {
            assert!(
                !trace.contains(family),
                "clearstat {args:?}: a {family} socket: {trace}"
            );
        }
    }
    assert!(
        dir.path("out/report.html").exists(),
        "the whole run was traced"
    );
}
