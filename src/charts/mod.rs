//! Charts: the published tables drawn as PNG and SVG (`DIR/charts/`). They read the tables
//! after small-cell suppression, so a withheld count is never drawn.

pub mod draw;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;
use polars::prelude::*;

use crate::outputs::{self, OutputError, files};
pub use draw::{Chart, Kind, Series, Unit};

/// Size of every chart, in pixels.
pub const SIZE: (u32, u32) = (1000, 560);

/// What every chart says about where its numbers come from.
#[derive(Debug, Clone)]
pub struct Context {
    /// `SAN FRANCISCO`, or `all counties`.
    pub place: String,
    pub flow: String,
    /// The population baseline's label.
    pub vintage: String,
    pub min_cell: u64,
}

impl Context {
    fn note(&self) -> String {
        let withheld = if self.min_cell == 0 {
            "No count withheld (internal use).".to_string()
        } else {
            format!(
                "Counts from 1 to {} withheld, and others so they cannot be recovered.",
                self.min_cell
            )
        };
        format!(
            "Source: California DOJ criminal history research file, clearstat {}. {withheld}",
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// Errors while drawing.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot read the table {path}: {message}")]
    Table { path: PathBuf, message: String },
    #[error("cannot draw {name}: {message}")]
    Draw { name: String, message: String },
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// The charts, by file name (without extension), in the report's order.
pub const NAMES: [&str; 5] = [
    "share_vs_population",
    "relief_by_scenario",
    "rate_ratios",
    "convictions_by_year",
    "determinations_by_section",
];

/// Draws every chart from the tables in `tables` into `folder`, as PNG and SVG; returns the
/// charts drawn, in [`NAMES`] order.
pub fn write_all(
    tables: &Path,
    folder: &Path,
    context: &Context,
) -> Result<Vec<(String, Chart)>, ChartError> {
    register_fonts();
    outputs::create_folder(folder)?;
    let charts = build(tables, context)?;
    for (name, chart) in &charts {
        write_svg(folder, name, chart)?;
        write_png(folder, name, chart)?;
    }
    Ok(charts)
}

/// Draws `chart` as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, String> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw::draw(&root, chart)?;
        root.present().map_err(|e| format!("{e:?}"))?;
    }
    Ok(text)
}

fn write_svg(folder: &Path, name: &str, chart: &Chart) -> Result<(), ChartError> {
    let text = svg(chart).map_err(|message| ChartError::Draw {
        name: name.to_string(),
        message,
    })?;
    outputs::write_atomically(&folder.join(format!("{name}.svg")), |w| {
        use std::io::Write;
        w.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })?;
    Ok(())
}

fn write_png(folder: &Path, name: &str, chart: &Chart) -> Result<(), ChartError> {
    // The encoder picks the format from the extension, so the temporary name ends in .png.
    let temporary = folder.join(format!(".{name}.partial.png"));
    let finished = folder.join(format!("{name}.png"));
    let drawn = (|| {
        let root = BitMapBackend::new(&temporary, SIZE).into_drawing_area();
        draw::draw(&root, chart)?;
        root.present().map_err(|e| format!("{e:?}"))
    })();
    let moved =
        drawn.and_then(|()| std::fs::rename(&temporary, &finished).map_err(|e| e.to_string()));
    moved.map_err(|message| {
        let _ = std::fs::remove_file(&temporary);
        ChartError::Draw {
            name: name.to_string(),
            message,
        }
    })
}

fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // Bundled bytes that are known to parse: a failure here is a build defect.
        let _ =
            plotters::style::register_font(draw::FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(draw::FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A published table read back, with typed access to its columns.
struct Table {
    frame: DataFrame,
    path: PathBuf,
}

impl Table {
    fn read(tables: &Path, name: &str) -> Result<Table, ChartError> {
        let path = tables.join(format!("{name}.parquet"));
        let failed = |message: String| ChartError::Table {
            path: path.clone(),
            message,
        };
        let file = std::fs::File::open(&path).map_err(|e| failed(e.to_string()))?;
        let frame = ParquetReader::new(file)
            .finish()
            .map_err(|e| failed(e.to_string()))?;
        Ok(Table { frame, path })
    }

    fn error(&self, e: PolarsError) -> ChartError {
        ChartError::Table {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Keeps the rows of one county: the one with the most people when there are several.
    fn one_county(self) -> Result<(Table, Option<String>), ChartError> {
        let counties = self.text("county")?;
        let mut distinct = counties.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() <= 1 {
            return Ok((self, distinct.pop()));
        }
        let people = self.numbers("county_people").unwrap_or_default();
        let busiest = counties
            .iter()
            .zip(&people)
            .max_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)))
            .map(|(c, _)| c.clone())
            .unwrap_or_default();
        let frame = self
            .frame
            .clone()
            .lazy()
            .filter(col("county").eq(lit(busiest.clone())))
            .collect()
            .map_err(|e| self.error(e))?;
        Ok((Table { frame, ..self }, Some(busiest)))
    }

    fn text(&self, name: &str) -> Result<Vec<String>, ChartError> {
        let column = self
            .frame
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| self.error(e))?;
        let strings = column.str().map_err(|e| self.error(e))?;
        Ok(strings
            .iter()
            .map(|s| s.unwrap_or("unknown").to_string())
            .collect())
    }

    fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, ChartError> {
        let column = self
            .frame
            .column(name)
            .and_then(|c| c.cast(&DataType::Float64))
            .map_err(|e| self.error(e))?;
        Ok(column.f64().map_err(|e| self.error(e))?.iter().collect())
    }

    fn intervals(&self, low: &str, high: &str) -> Result<Vec<Option<(f64, f64)>>, ChartError> {
        Ok(self
            .numbers(low)?
            .into_iter()
            .zip(self.numbers(high)?)
            .map(|(l, h)| l.zip(h))
            .collect())
    }

    fn series(&self, name: &str, column: &str) -> Result<Series, ChartError> {
        Ok(Series {
            name: name.to_string(),
            values: self.numbers(column)?,
            intervals: None,
        })
    }
}

/// Census group names as a reader writes them.
pub fn group_label(group: &str) -> String {
    match group {
        "HISPANIC" => "Hispanic",
        "WHITE" => "White",
        "BLACK" => "Black",
        "AMERICAN_INDIAN" => "American Indian",
        "ASIAN" => "Asian",
        "PACIFIC_ISLANDER" => "Pacific Islander",
        "OTHER_OR_MULTI" => "Other/multi",
        "UNKNOWN" => "Unknown",
        other => other,
    }
    .to_string()
}

fn build(tables: &Path, context: &Context) -> Result<Vec<(String, Chart)>, ChartError> {
    let note = context.note();
    let subtitle = |place: &str| {
        format!(
            "{} · flow {} · population {}",
            title_case(place),
            context.flow,
            context.vintage
        )
    };
    let chart =
        |title: &str, place: &str, x: &str, y: &str, unit, kind, categories, series| Chart {
            title: title.to_string(),
            subtitle: subtitle(place),
            x_label: x.to_string(),
            y_label: y.to_string(),
            unit,
            categories,
            series,
            kind,
            note: note.clone(),
        };
    let groups = |t: &Table| -> Result<Vec<String>, ChartError> {
        Ok(t.text("race_group")?
            .iter()
            .map(|g| group_label(g))
            .collect())
    };
    let mut charts = Vec::new();

    let (disparity, county) = Table::read(tables, "disparity_vs_population")?.one_county()?;
    let place = county.unwrap_or_else(|| context.place.clone());
    let mut convicted = disparity.series("People convicted", "share_of_people")?;
    convicted.intervals = Some(disparity.intervals("share_low", "share_high")?);
    charts.push(chart(
        "Share of people with a Prop 64 conviction vs share of residents",
        &place,
        "Race/ethnicity (census groups; whiskers: 95% Wilson interval)",
        "Share",
        Unit::Percent,
        Kind::Grouped,
        groups(&disparity)?,
        vec![
            convicted,
            disparity.series("Residents", "share_of_population")?,
            disparity.series("People relieved", "share_of_relieved")?,
        ],
    ));

    let relief = Table::read(tables, "relief_by_race_and_scenario")?;
    charts.push(chart(
        "People left with no conviction, under each flow",
        &context.place,
        "Race/ethnicity",
        "People",
        Unit::Count,
        Kind::Grouped,
        groups(&relief)?,
        vec![
            relief.series(&format!("{} (chosen)", context.flow), "no_conviction_left")?,
            relief.series("dismiss all Prop 64", "dismiss_all_no_conviction_left")?,
            relief.series(
                "dismiss all + related",
                "dismiss_all_related_no_conviction_left",
            )?,
        ],
    ));

    let (ratios, county) = Table::read(tables, "rate_ratios_vs_white")?.one_county()?;
    let place = county.unwrap_or_else(|| context.place.clone());
    let mut ratio = ratios.series("Rate ratio", "rate_ratio")?;
    ratio.intervals = Some(ratios.intervals("rate_ratio_low", "rate_ratio_high")?);
    charts.push(chart(
        "People convicted per resident, relative to White residents",
        &place,
        "Race/ethnicity (whiskers: 95% interval, log-normal)",
        "Rate ratio (White = 1)",
        Unit::Ratio,
        Kind::Ratios,
        groups(&ratios)?,
        vec![ratio],
    ));

    let years = Table::read(tables, "convictions_by_year_and_race")?;
    let year_series = crate::population::GROUPS
        .iter()
        .chain(&["UNKNOWN"])
        .map(|g| years.series(&group_label(g), &g.to_lowercase()))
        .collect::<Result<Vec<_>, _>>()?;
    charts.push(chart(
        "Prop 64 convictions by year and race/ethnicity",
        &context.place,
        "Year of conviction",
        "Convictions",
        Unit::Count,
        Kind::Stacked,
        years.text("conviction_year")?,
        year_series,
    ));

    let sections = Table::read(tables, "convictions_by_code_section")?;
    charts.push(chart(
        "Determinations by code section",
        &context.place,
        "Health and Safety Code section",
        "Convictions",
        Unit::Count,
        Kind::Stacked,
        sections
            .text("code_section")?
            .iter()
            .map(|s| format!("HS {s}"))
            .collect(),
        vec![
            sections.series("Dismissal", "dismissal")?,
            sections.series("Reduction", "reduction")?,
            sections.series("Not eligible", "not_eligible")?,
            sections.series("Review", "review")?,
            sections.series("No determination", "no_determination")?,
        ],
    ));
    Ok(NAMES.iter().map(|n| n.to_string()).zip(charts).collect())
}

/// `SAN FRANCISCO` -> `San Francisco`.
pub fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_string() + &chars.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The folder charts go into.
pub fn folder(run: &Path) -> PathBuf {
    run.join(files::CHARTS)
}
