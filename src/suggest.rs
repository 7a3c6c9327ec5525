//! "Did you mean …?": the names closest to a misspelt one, by edit distance (strsim's
//! Levenshtein, already compiled in for clap).

/// The up to three candidates within four edits of `name`, closest first, as a sentence; or
/// how to write a county name when none is close.
pub fn near_matches(name: &str, candidates: &[&str]) -> String {
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (strsim::levenshtein(name, c), *c))
        .collect();
    scored.sort();
    scored.dedup();
    let close: Vec<&str> = scored
        .iter()
        .take_while(|(d, _)| *d <= 4)
        .take(3)
        .map(|(_, c)| *c)
        .collect();
    if close.is_empty() {
        "Use a county name as written in STP_ORI_CNTY_NAME, or ALL.".to_string()
    } else {
        format!("Did you mean {}?", close.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_matches_suggest_close_county_names() {
        let hint = near_matches("SACRAMENT0", &["SACRAMENTO", "SAN MATEO", "YOLO"]);
        assert_eq!(hint, "Did you mean SACRAMENTO?");
        assert_eq!(
            near_matches("XXXXXXXXXXXX", &["SACRAMENTO"]),
            "Use a county name as written in STP_ORI_CNTY_NAME, or ALL."
        );
    }
}
