//! The report's templates (`reports/`): its layout and wording, in minijinja (Jinja2's
//! syntax), so that a colleague who does not write Rust can change them. With
//! `--templates DIR`, a file of DIR replaces the bundled template of the same name; the others
//! stay bundled. A name no value has is an error naming the template and line, never blank.

use std::path::{Path, PathBuf};

use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value,
};
use serde::Serialize;

use super::ReportError;
use super::facts::count;

/// The bundled templates, by name: `.html` ones escape what they show, the others do not.
pub const BUNDLED: [(&str, &str); 7] = [
    ("report.html", include_str!("../../reports/report.html")),
    ("report.md", include_str!("../../reports/report.md")),
    ("method.html", include_str!("../../reports/method.html")),
    (
        "provenance.html",
        include_str!("../../reports/provenance.html"),
    ),
    ("facts.txt", include_str!("../../reports/facts.txt")),
    ("as_of.txt", include_str!("../../reports/as_of.txt")),
    (
        "suppression.txt",
        include_str!("../../reports/suppression.txt"),
    ),
];

/// The templates of one publication.
pub struct Templates {
    env: Environment<'static>,
    folder: Option<PathBuf>,
}

impl Templates {
    /// The bundled templates, each replaced by its namesake in `folder` if there is one.
    pub fn new(folder: Option<&Path>) -> Result<Templates, ReportError> {
        if let Some(folder) = folder
            && !BUNDLED.iter().any(|(name, _)| folder.join(name).is_file())
        {
            let names: Vec<&str> = BUNDLED.iter().map(|(name, _)| *name).collect();
            return Err(ReportError::Template {
                path: folder.display().to_string(),
                message: format!(
                    "holds none of the report's templates ({})",
                    names.join(", ")
                ),
            });
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_formatter(escape_html);
        env.add_filter("count", |n: f64| count(n));
        let edited = folder.map(Path::to_path_buf);
        env.set_loader(move |name| {
            if let Some(path) = edited.as_ref().map(|f| f.join(name))
                && path.is_file()
            {
                return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                    Error::new(
                        ErrorKind::TemplateNotFound,
                        format!("{}: {e}", path.display()),
                    )
                });
            }
            Ok(BUNDLED
                .iter()
                .find(|(bundled, _)| *bundled == name)
                .map(|(_, text)| text.to_string()))
        });
        Ok(Templates {
            env,
            folder: folder.map(Path::to_path_buf),
        })
    }

    /// The template `name` rendered with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, ReportError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|e| self.error(name, &e))
    }

    /// The error `e` met rendering `name`, with the template (file or bundled) and the line
    /// it is on.
    fn error(&self, name: &str, e: &Error) -> ReportError {
        let name = e.name().unwrap_or(name);
        let path = match self.folder.as_ref().map(|f| f.join(name)) {
            Some(path) if path.is_file() => path.display().to_string(),
            _ => format!("bundled {name}"),
        };
        let what = match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        };
        let source = self
            .env
            .get_template(name)
            .ok()
            .map(|t| t.source().to_string());
        let message = match (e.line(), source) {
            (Some(line), Some(source)) => {
                let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
                format!("line {line}: {what}: {}", text.trim())
            }
            _ => what,
        };
        ReportError::Template { path, message }
    }
}

/// What a `.html` template shows, escaped as the report always has been (`&`, `<`, `>`,
/// `"`: apostrophes stay as they are); `|safe` values (the charts, the table cells) as they
/// are.
fn escape_html(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if state.auto_escape() == AutoEscape::Html && !value.is_safe() {
        out.write_str(&escape(&value.to_string()))?;
        Ok(())
    } else {
        minijinja::escape_formatter(out, state, value)
    }
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
    fn values_are_shown_escaped_and_unknown_names_refused() {
        let templates = Templates::new(None).unwrap();
        let mut env = templates.env.clone();
        env.add_template("t.html", "In {{ county }}, {{ county|safe }}.")
            .unwrap();
        let shown = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { county => "<San Francisco's>" })
            .unwrap();
        assert_eq!(shown, "In &lt;San Francisco's&gt;, <San Francisco's>.");
        let err = templates
            .render("suppression.txt", ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bundled suppression.txt") && err.contains("min_cell"),
            "{err}"
        );
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
