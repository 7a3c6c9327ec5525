//! clearstat: California DOJ criminal-history research files → Proposition 64 relief decisions
//! and the statistics published about them.
//!
//! The modules follow the pipeline: [`ingest`] → [`normalize`] → [`outputs`], driven by
//! [`pipeline`]; [`generate`] makes synthetic research files, [`population`] holds the census
//! baselines, and [`cli`] is the command line.

pub mod analytics;
pub mod charts;
pub mod dates;
pub mod eligibility;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod normalize;
pub mod outputs;
pub mod pipeline;
pub mod prepared;
pub mod progress;
pub mod redact;
pub mod report;
pub mod suggest;

pub mod generate;
pub mod population;

pub mod cli;

/// The names, without `extension`, of the files in `folder` (relative to the crate), sorted:
/// for tests that check a folder of data files against the list that bundles them.
#[cfg(test)]
pub(crate) fn file_stems(folder: &str, extension: &str) -> Vec<String> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut stems: Vec<String> = std::fs::read_dir(folder)
        .expect("the folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| Some(name.strip_suffix(extension)?.to_string()))
        .collect();
    stems.sort();
    stems
}
