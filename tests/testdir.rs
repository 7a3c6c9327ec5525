use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for one test, under Cargo's target tmp dir.
pub struct TestDir {
    pub root: PathBuf,
}

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{n}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create test dir");
        TestDir { root }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `name` with `contents` and returns its path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// The real `clearstat` binary, run in this directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearstat"));
        cmd.current_dir(&self.root).args(args);
        cmd
    }

    /// Generates `rows` rows with `seed` into `in.csv` and runs them, all counties, as of
    /// 2020-01-01, into `out`, with `extra` options.
    pub fn run_generated(&self, rows: &str, seed: &str, extra: &[&str]) {
        self.ok(&[
            "generate", "--rows", rows, "--seed", seed, "--out", "in.csv", "-q",
        ]);
        let mut args = run_args(&["in.csv", "-q"]);
        args.extend_from_slice(extra);
        self.ok(&args);
    }

    /// Runs `clearstat args`, expects success, returns stderr.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run clearstat");
        if !out.status.success() {
            self.fail("expected success", args, &out);
        }
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Runs `clearstat args`, expects exit code `code`, returns stderr.
    pub fn err(&self, args: &[&str], code: i32) -> String {
        let out = self.command(args).output().expect("run clearstat");
        if out.status.code() != Some(code) {
            self.fail(&format!("expected exit code {code}"), args, &out);
        }
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn fail(&self, what: &str, args: &[&str], out: &Output) -> ! {
        let listing: Vec<String> = std::fs::read_dir(&self.root)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        panic!(
            "{what}: clearstat {args:?}\ncwd: {}\nfiles: {listing:?}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
            self.root.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `../shared` beside the project, or `None` (with a notice) where it is absent.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("NOTICE: {} is absent; test skipped", path.display());
        None
    }
}

/// `clearstat run` of `inputs` (and any options among them), all counties, as of
/// 2020-01-01, into `out`.
pub fn run_args<'a>(inputs: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&[
        "--county",
        "ALL",
        "--compute-at",
        "2020-01-01",
        "--out",
        "out",
    ]);
    args
}
