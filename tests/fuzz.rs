//! The fuzz targets' regression inputs (`fuzz/regressions/<target>/`): every input that ever
//! crashed a target, and hand-made edge cases, run through the same entry points as the fuzz
//! targets. A panic fails the test.

use std::path::Path;

#[test]
fn every_fuzz_regression_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for (target, run) in clearstat::fuzzing::TARGETS {
        let folder = root.join(target);
        let inputs: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        assert!(inputs.len() >= 3, "{target}: regression inputs");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target} panics on {}", input.display());
        }
    }
}
