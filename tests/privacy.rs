use std::path::Path;
use std::process::Command;

use crate::frames::{read_parquet, strings};
use crate::testdir::TestDir;

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

#[test]
fn pseudonymize_replaces_identifiers_and_leaves_the_statistics_alone() {
    let dir = TestDir::new("privacy_pseudonymize");
    assert_eq!(run(&dir, SAMPLE, "plain", &[]).0, 0);
    assert_eq!(run(&dir, SAMPLE, "pseudo", &["--pseudonymize"]).0, 0);

    // Identifiers of the input: subject ids, names, SSNs of the first rows.
    let input = std::fs::read_to_string(SAMPLE).unwrap();
    let mut identifiers = Vec::new();
    let mut fields = clearstat::ingest::records::Fields::default();
    for line in input.lines().skip(1).take(200) {
        fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
        for column in [2, 11, 12, 15, 19] {
            // subject id, CII, name, SSN, FBI number
            if !fields.get(column).is_empty() {
                identifiers.push(fields.get(column).to_string());
            }
        }
    }
    assert!(identifiers.len() > 500, "the sample has identifiers");
    for file in [
        "All_Results.csv",
        "All_Results_Condensed.csv",
        "Prop64_Results.csv",
    ] {
        let plain = std::fs::read_to_string(dir.path(&format!("plain/gogen/{file}"))).unwrap();
        let pseudo = std::fs::read_to_string(dir.path(&format!("pseudo/gogen/{file}"))).unwrap();
        assert_eq!(plain.lines().count(), pseudo.lines().count(), "{file}");
        if file != "Prop64_Results.csv" {
            // Every row is there: so is the first row's identifier, without the option.
            assert!(plain.contains(&identifiers[1]), "{file}");
        }
        // Whole cells: an identifier must not be any cell of the output.
        let mut cells = std::collections::HashSet::new();
        for line in pseudo.lines() {
            fields.split(line.as_bytes(), clearstat::ingest::Encoding::Utf8);
            cells.extend(fields.iter().map(str::to_string));
        }
        for value in &identifiers {
            assert!(!cells.contains(value), "{file} holds {value}");
        }
    }
    let plain_ids = strings(
        &read_parquet(&dir.path("plain/convictions.parquet")),
        "subject_id",
    );
    let pseudo_ids = strings(
        &read_parquet(&dir.path("pseudo/convictions.parquet")),
        "subject_id",
    );
    assert_eq!(plain_ids.len(), pseudo_ids.len());
    for (plain, pseudo) in plain_ids.iter().zip(&pseudo_ids) {
        let (plain, pseudo) = (plain.as_deref().unwrap(), pseudo.as_deref().unwrap());
        assert!(pseudo.starts_with('P') && pseudo.len() == 21 && pseudo != plain);
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
    let commands: [(&[&str], i32); 8] = [
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
