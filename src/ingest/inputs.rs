//! Input paths as the user typed them: plain paths or glob patterns.

use std::path::PathBuf;

use super::IngestError;

/// Expands glob patterns (`*`, `?`, `[...]`) into sorted paths; a plain path is kept as
/// given, so that a missing file is reported by name later. A pattern matching nothing is an
/// error. A file named twice is read once.
pub fn expand_inputs(inputs: &[String]) -> Result<Vec<PathBuf>, IngestError> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let is_pattern = input.contains(['*', '?', '[']) && !std::path::Path::new(input).exists();
        if !is_pattern {
            paths.push(PathBuf::from(input));
            continue;
        }
        let matches = glob::glob(input).map_err(|e| IngestError::BadPattern {
            pattern: input.clone(),
            reason: e.msg.to_string(),
        })?;
        let mut found: Vec<PathBuf> = matches.filter_map(Result::ok).collect();
        if found.is_empty() {
            return Err(IngestError::NoMatch {
                pattern: input.clone(),
            });
        }
        found.sort();
        paths.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.clone()));
    Ok(paths)
}
