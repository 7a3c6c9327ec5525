//! clearstat: California DOJ criminal-history research files → Proposition 64 relief decisions
//! and the statistics published about them.
//!
//! The modules follow the pipeline: [`ingest`] → [`normalize`] → [`prepared`] →
//! [`eligibility`] → [`analytics`] → [`report`], writing through [`outputs`], driven by
//! [`pipeline`], which records what a run did in its [`summary`]; [`generate`] makes
//! synthetic research files, [`population`] holds the census baselines, and [`cli`] is the
//! command line.

pub mod analytics;
pub mod charts;
pub mod dates;
pub mod direct;
pub mod distinct;
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
pub mod summary;

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

#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Each top-level module with the top-level modules its code (tests and comments left
    /// out) names as `crate::NAME`.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let top = relative.iter().next().unwrap().to_string_lossy();
            let top = top.trim_end_matches(".rs").to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (_, rest) in line
                    .match_indices("crate::")
                    .map(|(i, _)| line.split_at(i + 7))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        graph.entry(top.clone()).or_default().insert(name);
                    }
                }
            }
        }
        graph
    }

    /// The stages only call downward: no module reaches, through others, back to itself.
    #[test]
    fn no_module_imports_itself_through_others() {
        let graph = imports();
        for start in graph.keys() {
            let mut seen = BTreeSet::new();
            let mut next: Vec<&String> = graph[start].iter().collect();
            while let Some(module) = next.pop() {
                assert_ne!(
                    module, start,
                    "{start} imports itself through others: {graph:?}"
                );
                if seen.insert(module) {
                    next.extend(graph.get(module).into_iter().flatten());
                }
            }
        }
        assert!(graph["pipeline"].contains("ingest"), "{graph:?}");
    }
}
