use std::path::{Path, PathBuf};

use crate::testdir::TestDir;

/// Every file under `root`, relative, sorted.
pub fn files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

fn assert_same_bytes(a: &Path, b: &Path) {
    let (left, right) = (files(a), files(b));
    assert_eq!(left, right, "the same files");
    assert!(left.len() > 30, "a whole run: {left:?}");
    for file in left {
        let same = std::fs::read(a.join(&file)).unwrap() == std::fs::read(b.join(&file)).unwrap();
        assert!(same, "{} differs between the runs", file.display());
    }
}

fn run(dir: &TestDir, input: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "run",
        input,
        "--county",
        "ALL",
        "--compute-at",
        "2020-01-01",
    ];
    args.extend_from_slice(&["--out", out, "-q"]);
    args.extend_from_slice(extra);
    dir.ok(&args);
}

#[test]
fn the_sample_gives_the_same_bytes_every_time_and_with_one_thread() {
    let dir = TestDir::new("reproducible_sample");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data-samples/doj_research_sample.csv"
    );
    run(&dir, sample, "first", &[]);
    run(&dir, sample, "second", &[]);
    run(&dir, sample, "one_thread", &["--threads", "1"]);
    assert_same_bytes(&dir.path("first"), &dir.path("second"));
    assert_same_bytes(&dir.path("first"), &dir.path("one_thread"));
}

#[test]
fn a_200k_row_run_gives_the_same_bytes_with_two_threads_and_one() {
    let dir = TestDir::new("reproducible_200k");
    dir.ok(&[
        "generate", "--rows", "200000", "--seed", "3", "--out", "in.csv", "-q",
    ]);
    run(&dir, "in.csv", "two", &["--threads", "2"]);
    run(&dir, "in.csv", "one", &["--threads", "1"]);
    assert_same_bytes(&dir.path("two"), &dir.path("one"));
}

#[test]
fn no_threads_at_all_is_wrong_usage() {
    let dir = TestDir::new("reproducible_zero_threads");
    let err = dir.err(&["--threads", "0", "flows"], 2);
    assert!(err.contains("--threads must be at least 1"), "{err}");
}
