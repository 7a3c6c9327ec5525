//! Publishing a finished run: the population baseline, the tables, the charts and the report
//! (`report.html`, `report.md`), all from the run's row-level tables and `summary.json`: a run
//! hands over the frames it has just written, `clearstat report DIR` reads the same tables
//! from the run's Parquet files (without reading the DOJ files again).

pub mod content;
pub mod datapackage;
pub mod facts;
pub mod template;

use std::path::{Path, PathBuf};

use crate::analytics::race::RaceMap;
use crate::analytics::{self, AnalyticsError, RunTables, published::TableError};
use crate::charts::{self, ChartError};
use crate::outputs::{self, OutputError, files};
use crate::population::{Baseline, Denominators};
use crate::summary::Summary;

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Counts from 1 to this are withheld (0: none).
    pub min_cell: u64,
    pub denominators: Denominators,
    pub race_map: RaceMap,
    /// A folder of edited templates (any of [`template::BUNDLED`]); None for the bundled ones.
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
pub fn read_summary(run: &Path) -> Result<Summary, ReportError> {
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
    summary: &mut Summary,
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
        analytics::publication::write_all(run, tables, &folder, options.min_cell, &baseline, mark)?;
    summary.population = Some(baseline.clone());
    summary.min_cell = options.min_cell;
    summary.suppression_check = Some(check);
    // Through a JSON value, whose keys are sorted: the file's layout does not follow the
    // order of the struct's fields.
    let json = serde_json::to_value(&*summary).map_err(|e| OutputError::Write {
        path: run.join(files::SUMMARY),
        message: e.to_string(),
    })?;
    outputs::write_atomically(&run.join(files::SUMMARY), |w| {
        serde_json::to_writer_pretty(&mut *w, &json).map_err(|e| e.to_string())
    })?;
    datapackage::write(&folder, summary, &columns)?;
    mark("tables: written");
    let statewide = summary.county == "ALL";
    let context = charts::Context {
        place: match statewide {
            true => "all counties".into(),
            false => summary.county.clone(),
        },
        flow: summary.flow.clone(),
        vintage: baseline.label(),
        min_cell: options.min_cell,
        statewide,
        as_of: summary.compute_at.clone(),
    };
    let drawn = charts::write_all(&folder, &charts::folder(run), &context)?;
    mark("charts");
    let templates = template::Templates::new(options.templates.as_deref())?;
    let page = content::Page::new(
        run,
        summary,
        &baseline,
        &options.race_map,
        &drawn,
        &templates,
    )?;
    for file in [files::REPORT_HTML, files::REPORT_MD] {
        let rendered = templates.render(file, &page)?;
        outputs::write_atomically(&run.join(file), |w| {
            use std::io::Write;
            w.write_all(rendered.as_bytes()).map_err(|e| e.to_string())
        })?;
    }
    mark("report");
    Ok(baseline)
}
