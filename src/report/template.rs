//! Templates: text with `{{name}}` placeholders, so that a colleague who does not write Rust
//! can change the report's wording and layout (`reports/report.html`, `reports/report.md`).

/// Fills every `{{name}}` of `template` from `values`. An unknown or unclosed placeholder
/// is an error naming it, never left in the output.
pub fn fill(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "a '{{' without its '}}'".to_string())?;
        let name = after[..end].trim();
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                let known: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown placeholder {{{{{name}}}}}; known: {}",
                    known.join(", ")
                )
            })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        let values = [("county", "San Francisco".to_string())];
        assert_eq!(
            fill("In {{county}}, {{ county }}.", &values).unwrap(),
            "In San Francisco, San Francisco."
        );
        let err = fill("{{countee}}", &values).unwrap_err();
        assert!(
            err.contains("{{countee}}") && err.contains("county"),
            "{err}"
        );
        assert!(fill("{{county", &values).is_err());
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
