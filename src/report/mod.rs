//! Publishing a finished run: the population baseline, the tables, the charts and the report
//! (`report.html`, `report.md`), all from the run's row-level tables and `summary.json`: a run
//! hands over the frames it has just written, `clearstat report DIR` reads the same tables
//! from the run's Parquet files (without reading the DOJ files again).

pub mod content;
pub mod facts;
pub mod template;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::analytics::race::RaceMap;
use crate::analytics::{self, AnalyticsError, RunTables, published::TableError};
use crate::charts::{self, ChartError};
use crate::outputs::{self, OutputError, files};
use crate::population::{Baseline, Denominators};

/// The bundled templates; `--templates DIR` reads edited copies instead.
pub const HTML_TEMPLATE: &str = include_str!("../../reports/report.html");
pub const MARKDOWN_TEMPLATE: &str = include_str!("../../reports/report.md");

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Counts from 1 to this are withheld (0: none).
    pub min_cell: u64,
    pub denominators: Denominators,
    pub race_map: RaceMap,
    /// A folder holding `report.html` and `report.md` templates; None for the bundled ones.
    pub templates: Option<PathBuf>,
}

/// Errors while publishing.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Analytics(#[from] AnalyticsError),
    #[error(transparent)]
    Charts(#[from] ChartError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{path}: {message}")]
    Template { path: String, message: String },
    #[error("{path}: not a finished clearstat run ({message}); run `clearstat run` first")]
    NotARun { path: PathBuf, message: String },
}

/// Reads the `summary.json` of a finished run.
pub fn read_summary(run: &Path) -> Result<Value, ReportError> {
    let path = run.join(files::SUMMARY);
    let not_a_run = |message: String| ReportError::NotARun {
        path: run.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| not_a_run(format!("{}: {e}", files::SUMMARY)))?;
    serde_json::from_str(&text).map_err(|e| not_a_run(format!("{}: {e}", files::SUMMARY)))
}

/// Publishes the run in `run` whose summary is `summary` and whose row-level tables are
/// `tables`: chooses the baseline, writes the race mapping, the tables, the charts, the
/// updated `summary.json` and the report. `mark` is called with the name of each stage as it
/// ends (for `--timings`).
pub fn publish(
    run: &Path,
    tables: RunTables,
    mut summary: Value,
    options: &PublishOptions,
    mark: &mut dyn FnMut(&'static str),
) -> Result<Baseline, ReportError> {
    // Tables and charts are clearstat's own folders: start them afresh so that no file of an
    // earlier rendering (another threshold, a table since renamed) stays beside the new ones.
    for folder in [files::TABLES, files::CHARTS] {
        let path = run.join(folder);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| OutputError::Write {
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
    }
    let baseline =
        analytics::settle_baseline(run, tables.convictions.clone(), &options.denominators)?;
    outputs::write_atomically(&run.join(files::RACE_MAP), |w| {
        use std::io::Write;
        w.write_all(options.race_map.text.as_bytes())
            .map_err(|e| e.to_string())
    })?;
    let folder = run.join(files::TABLES);
    let (check, columns) =
        analytics::tables::write_all(run, tables, &folder, options.min_cell, &baseline, mark)?;
    summary["population"] = serde_json::to_value(&baseline).unwrap_or(Value::Null);
    summary["min_cell"] = options.min_cell.into();
    summary["suppression_check"] = serde_json::to_value(check).unwrap_or(Value::Null);
    outputs::write_atomically(&run.join(files::SUMMARY), |w| {
        serde_json::to_writer_pretty(&mut *w, &summary).map_err(|e| e.to_string())
    })?;
    analytics::datapackage::write(&folder, &summary, &columns)?;
    mark("tables: written");
    let county = text(&summary, "county");
    let context = charts::Context {
        place: if county == "ALL" {
            "all counties".into()
        } else {
            county.clone()
        },
        flow: text(&summary, "flow"),
        vintage: baseline.label(),
        min_cell: options.min_cell,
        statewide: county == "ALL",
        as_of: text(&summary, "compute_at"),
    };
    let drawn = charts::write_all(&folder, &charts::folder(run), &context)?;
    mark("charts");
    let report = content::Report::new(run, &summary, &baseline, &options.race_map, &drawn)?;
    for (file, bundled) in [
        (files::REPORT_HTML, HTML_TEMPLATE),
        (files::REPORT_MD, MARKDOWN_TEMPLATE),
    ] {
        let (template, shown) = match &options.templates {
            Some(folder) => {
                let path = folder.join(file);
                let text = std::fs::read_to_string(&path).map_err(|e| ReportError::Template {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                (text, path.display().to_string())
            }
            None => (bundled.to_string(), format!("bundled {file}")),
        };
        let rendered = report
            .render(&template)
            .map_err(|message| ReportError::Template {
                path: shown,
                message,
            })?;
        outputs::write_atomically(&run.join(file), |w| {
            use std::io::Write;
            w.write_all(rendered.as_bytes()).map_err(|e| e.to_string())
        })?;
    }
    mark("report");
    Ok(baseline)
}

/// A text field of the summary (empty when missing).
fn text(summary: &Value, key: &str) -> String {
    match &summary[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
