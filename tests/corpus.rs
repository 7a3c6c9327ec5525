//! The checked-in corpus of bad inputs (`tests/corpus/`): each file, the exact message the
//! user sees and the exit code. Every file carries recognisable fake PII (name ZZSECRET, SSN
//! 987654321, CII A12345678, FBI number FBI7654321, DOB 19610203) that must never be printed.

use std::path::Path;
use std::process::Command;

use crate::testdir::TestDir;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
const PII: [&str; 6] = [
    "ZZSECRET",
    "987654321",
    "A12345678",
    "FBI7654321",
    "19610203",
    "ZZREQ12345",
];
const SKIP_HINT: &str =
    ". Rerun with --on-bad-rows skip to write such rows to rejected_rows.csv and continue\n";

/// Runs clearstat in the corpus folder (so that messages name the file as given) with its
/// output in `out`; returns (exit code, stderr).
fn clearstat(args: &[&str], out: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_clearstat"))
        .current_dir(CORPUS)
        .args(args)
        .args(["--county", "ALL", "--compute-at", "2020-01-01", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    for secret in PII {
        assert!(!stderr.contains(secret), "{secret} printed: {stderr}");
    }
    (output.status.code().unwrap_or(-1), stderr)
}

#[test]
fn every_bad_input_gets_its_exact_message_and_exit_code() {
    let cases: [(&str, String); 9] = [
        (
            "short_row.csv",
            format!(
                "short_row.csv line 3: wrong field count: expected 95 fields, found 94{SKIP_HINT}"
            ),
        ),
        (
            "long_row.csv",
            format!(
                "long_row.csv line 3: wrong field count: expected 95 fields, found 96{SKIP_HINT}"
            ),
        ),
        (
            "bare_quote.csv",
            format!(
                "bare_quote.csv line 3: bare quote in unquoted field 55 (OFFENSE_DESCR){SKIP_HINT}"
            ),
        ),
        (
            "unterminated_quote_at_eof.csv",
            format!(
                "unterminated_quote_at_eof.csv line 4: quoted field 95 (END_OF_REC) is never closed{SKIP_HINT}"
            ),
        ),
        (
            "nul_bytes.csv",
            format!(
                "nul_bytes.csv line 3: NUL byte in field 13 (PRI_NAME) (binary data: is the file \
                 damaged or not a CSV export?){SKIP_HINT}"
            ),
        ),
        (
            "invalid_utf8.csv",
            format!(
                "invalid_utf8.csv line 3: invalid UTF-8 (if the file is Latin-1, rerun with \
                 --encoding latin1){SKIP_HINT}"
            ),
        ),
        (
            "latin1_name.csv",
            format!(
                "latin1_name.csv line 3: invalid UTF-8 (if the file is Latin-1, rerun with \
                 --encoding latin1){SKIP_HINT}"
            ),
        ),
        ("empty.csv", "empty.csv: the file is empty\n".to_string()),
        (
            "header_only.csv",
            "header_only.csv: holds only a header, no data rows\n".to_string(),
        ),
    ];
    let dir = TestDir::new("corpus");
    for (file, message) in &cases {
        let out = dir.path(file);
        let (code, stderr) = clearstat(&["run", file, "-q"], &out);
        assert_eq!(
            (code, stderr.as_str()),
            (1, format!("error: {message}").as_str()),
            "{file}"
        );
        assert!(
            !out.exists(),
            "{file}: a rejected input leaves no output folder"
        );
    }
    // Skipping bad rows: every file with good rows runs, and the rows add up.
    for (file, _) in &cases[..7] {
        let out = dir.path(&format!("skip-{file}"));
        let (code, stderr) = clearstat(&["run", file, "--on-bad-rows", "skip"], &out);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert!(
            stderr.contains("rows read 3 = accepted 2 + rejected 1"),
            "{file}: {stderr}"
        );
    }
    // Latin-1, asked for: read, the name transcoded.
    let out = dir.path("latin1");
    let (code, stderr) = clearstat(&["run", "latin1_name.csv", "--encoding", "latin1"], &out);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_10_mb_field_a_folder_and_output_problems() {
    let dir = TestDir::new("corpus_made");
    let good = std::fs::read_to_string(Path::new(CORPUS).join("short_row.csv")).unwrap();
    let mut lines = good.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    // A 10 MB comment: accepted (under the 16 MiB record limit), never printed.
    let (before, after) = row.split_once("ZZSECRET").unwrap();
    let huge = format!(
        "{header}\n{before}ZZSECRET{}{after}\n",
        "X".repeat(10 << 20)
    );
    dir.create("huge.csv", huge);
    let stderr = dir.ok(&[
        "run",
        "huge.csv",
        "--county",
        "ALL",
        "--out",
        "huge",
        "--compute-at",
        "2020-01-01",
    ]);
    assert!(
        stderr.contains("rows read 1 = accepted 1 + rejected 0"),
        "{stderr}"
    );
    assert!(!stderr.contains("ZZSECRET") && !stderr.contains("XXXX"));
    std::fs::create_dir_all(dir.path("folder.csv")).unwrap();
    let err = dir.err(&["run", "folder.csv", "--county", "ALL", "--out", "o"], 1);
    assert_eq!(
        err,
        "error: folder.csv: is a directory, not a DOJ research file\n"
    );
    dir.create("good.csv", format!("{header}\n{row}\n"));
    dir.create("blocker", "a file where a folder should be");
    let err = dir.err(
        &[
            "run",
            "good.csv",
            "--county",
            "ALL",
            "--out",
            "blocker/out",
            "--compute-at",
            "2020-01-01",
        ],
        3,
    );
    assert!(
        err.starts_with("error: cannot create the output folder blocker/out"),
        "{err}"
    );
    // A folder holding a run is refused, then replaced with --force; no old file stays.
    let run_good = |extra: &[&str]| {
        let mut args = vec!["run", "good.csv", "--county", "ALL", "--out", "again"];
        args.extend_from_slice(&["--compute-at", "2020-01-01", "-q"]);
        args.extend_from_slice(extra);
        dir.ok(&args)
    };
    run_good(&[]);
    dir.create("again/tables/old_table.csv", "left from an earlier version");
    let err = dir.err(
        &["run", "good.csv", "--county", "ALL", "--out", "again", "-q"],
        3,
    );
    assert!(err.contains("holds the outputs of an earlier run"), "{err}");
    run_good(&["--force"]);
    assert!(!dir.path("again/tables/old_table.csv").exists());
    assert!(dir.path("again/report.html").exists());
}

/// A disk that fills mid-write, simulated by a writer that fails: the file being written
/// is removed and nothing stands under its name.
#[test]
fn a_write_that_fails_half_way_leaves_no_file() {
    let dir = TestDir::new("corpus_disk_full");
    let path = dir.path("All_Results.csv");
    let result = clearstat::outputs::write_atomically(&path, |out| {
        use std::io::Write;
        out.write_all(&[b'x'; 3 << 20]).map_err(|e| e.to_string())?;
        Err("No space left on device (os error 28)".to_string())
    });
    let err = result.unwrap_err().to_string();
    assert!(err.contains("No space left on device"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir.root).unwrap().collect();
    assert!(left.is_empty(), "nothing remains: {left:?}");
    let mut file = clearstat::outputs::AtomicFile::create(&path).unwrap();
    std::io::Write::write_all(file.writer(), b"half").unwrap();
    drop(file); // an error elsewhere: never finished
    assert_eq!(std::fs::read_dir(&dir.root).unwrap().count(), 0);
}
