//! Charts: the published tables drawn as PNG and SVG (`DIR/charts/`). They read the tables
//! after small-cell suppression, so a withheld count is never drawn.

pub mod draw;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;

use crate::analytics::published::{Published, TableError, busiest_county};
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
    #[error(transparent)]
    Table(#[from] TableError),
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
    "convictions_by_period",
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

/// One column of a published table as a series of bars.
fn series(table: &Published, name: &str, column: &str) -> Result<Series, ChartError> {
    Ok(Series {
        name: name.to_string(),
        values: table.numbers(column)?,
        intervals: None,
        withheld: false,
    })
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
    let groups = |t: &Published| -> Result<Vec<String>, ChartError> {
        Ok(t.text("race_group")?
            .iter()
            .map(|g| group_label(g))
            .collect())
    };
    let mut charts = Vec::new();

    let county = busiest_county(tables)?;
    let place = county.clone().unwrap_or_else(|| context.place.clone());
    let disparity =
        Published::read(tables, "disparity_vs_population")?.only_county(county.as_deref())?;
    let mut convicted = series(
        &disparity,
        "People with a Prop 64 conviction",
        "share_of_people",
    )?;
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
            series(&disparity, "Residents", "share_of_population")?,
            series(&disparity, "People relieved", "share_of_relieved")?,
        ],
    ));

    let relief = Published::read(tables, "relief_by_race_and_scenario")?;
    charts.push(chart(
        "People left with no conviction, under each flow",
        &context.place,
        "Race/ethnicity",
        "People",
        Unit::Count,
        Kind::Grouped,
        groups(&relief)?,
        vec![
            series(
                &relief,
                &format!("{} (chosen)", context.flow),
                "no_conviction_left",
            )?,
            series(
                &relief,
                "dismiss all Prop 64",
                "dismiss_all_no_conviction_left",
            )?,
            series(
                &relief,
                "dismiss all + related",
                "dismiss_all_related_no_conviction_left",
            )?,
        ],
    ));

    let ratios = Published::read(tables, "rate_ratios_vs_white")?.only_county(county.as_deref())?;
    let mut ratio = series(&ratios, "Rate ratio", "rate_ratio")?;
    ratio.intervals = Some(ratios.intervals("rate_ratio_low", "rate_ratio_high")?);
    charts.push(chart(
        "People with a Prop 64 conviction per resident, relative to White residents",
        &place,
        "Race/ethnicity (whiskers: 95% interval, log-normal)",
        "Rate ratio (White = 1)",
        Unit::Ratio,
        Kind::Ratios,
        groups(&ratios)?,
        vec![ratio],
    ));

    let periods = Published::read(tables, "convictions_by_period_and_race")?;
    let mut period_series = crate::population::GROUPS
        .iter()
        .chain(&["UNKNOWN"])
        .map(|g| series(&periods, &group_label(g), &g.to_lowercase()))
        .collect::<Result<Vec<_>, _>>()?;
    period_series.push(withheld_part(
        &periods.numbers("convictions")?,
        &period_series,
    ));
    charts.push(chart(
        "Prop 64 convictions by period and race/ethnicity",
        &context.place,
        "Year of conviction (five-year periods)",
        "Convictions",
        Unit::Count,
        Kind::Stacked,
        periods
            .text("period_start")?
            .iter()
            .map(|start| match start.parse::<i32>() {
                Ok(y) => format!("{y}–{:02}", (y + 4) % 100),
                Err(_) => "no date".to_string(),
            })
            .collect(),
        period_series,
    ));

    let sections = Published::read(tables, "convictions_by_code_section")?;
    let mut section_series = [
        ("Dismissal", "dismissal"),
        ("Reduction", "reduction"),
        ("Not eligible", "not_eligible"),
        ("Review", "review"),
        ("No determination", "no_determination"),
    ]
    .iter()
    .map(|(name, column)| series(&sections, name, column))
    .collect::<Result<Vec<_>, _>>()?;
    section_series.push(withheld_part(
        &sections.numbers("convictions")?,
        &section_series,
    ));
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
        section_series,
    ));
    Ok(NAMES.iter().map(|n| n.to_string()).zip(charts).collect())
}

/// The part of each published total that its withheld parts add up to, drawn in grey so
/// that a stacked bar keeps its true height without showing any withheld cell.
fn withheld_part(totals: &[Option<f64>], parts: &[Series]) -> Series {
    let values = totals
        .iter()
        .enumerate()
        .map(|(i, total)| {
            let shown: f64 = parts.iter().filter_map(|s| s.values[i]).sum();
            total.map(|t| t - shown).filter(|rest| *rest > 0.0)
        })
        .collect();
    Series {
        name: "Withheld (small cells)".into(),
        values,
        intervals: None,
        withheld: true,
    }
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
