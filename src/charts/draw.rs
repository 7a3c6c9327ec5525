//! Drawing: bar charts (grouped or stacked, with optional intervals) and interval plots, on
//! any plotters backend, so that the PNG and the SVG of a chart come from the same code.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The Okabe–Ito palette: distinguishable with every common colour-vision deficiency.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// Withheld parts of a total: grey, apart from the palette.
pub const WITHHELD: RGBColor = RGBColor(190, 190, 190);

fn color_of(series: &Series, index: usize) -> RGBColor {
    if series.withheld {
        WITHHELD
    } else {
        PALETTE[index % PALETTE.len()]
    }
}

/// The font family every chart uses: DejaVu Sans, bundled and registered at first use.
pub const FONT: &str = "sans-serif";

/// How the values of the y axis read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    Count,
    Percent,
    Ratio,
}

impl Unit {
    pub(crate) fn format(self, v: f64) -> String {
        match self {
            Unit::Count => format!("{v:.0}"),
            Unit::Percent => format!("{:.0}%", v * 100.0),
            Unit::Ratio => format!("{v:.1}"),
        }
    }
}

/// One coloured series of bars.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// One value per category; None for a withheld or missing cell (not drawn).
    pub values: Vec<Option<f64>>,
    /// 95% interval per category, drawn as a whisker.
    pub intervals: Option<Vec<Option<(f64, f64)>>>,
    /// The withheld remainder of a total, drawn in grey.
    pub withheld: bool,
}

/// What a chart shows, in words and numbers.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    /// Under the title: the county, the flow, the population vintage.
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub unit: Unit,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub kind: Kind,
    /// At the foot: data source and what is withheld.
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Series side by side in each category.
    Grouped,
    /// Series on top of each other in each category.
    Stacked,
    /// One point with its interval per category and a reference line at 1.
    Ratios,
}

/// What drawing on a plotters backend gives: its error as a message.
pub(super) type DrawResult = Result<(), String>;

pub(super) fn failed<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws `chart` on `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    root.fill(&WHITE).map_err(failed)?;
    let (_, height) = root.dim_in_pixel();
    let (head, rest) = root.split_vertically(64);
    let (body, foot) = rest.split_vertically(height as i32 - 64 - 44);
    head.draw_text(
        &chart.title,
        &(FONT, 21).into_font().color(&BLACK),
        (16, 10),
    )
    .map_err(failed)?;
    head.draw_text(
        &chart.subtitle,
        &(FONT, 14).into_font().color(&RGBColor(80, 80, 80)),
        (16, 38),
    )
    .map_err(failed)?;
    foot.draw_text(
        &chart.note,
        &(FONT, 12).into_font().color(&RGBColor(80, 80, 80)),
        (16, 14),
    )
    .map_err(failed)?;
    match chart.kind {
        Kind::Ratios => draw_ratios(&body, chart),
        Kind::Grouped | Kind::Stacked => draw_bars(&body, chart),
    }
}

fn y_max(chart: &Chart) -> f64 {
    let n = chart.categories.len();
    let top = match chart.kind {
        Kind::Stacked => (0..n)
            .map(|i| chart.series.iter().filter_map(|s| s.values[i]).sum::<f64>())
            .fold(0.0, f64::max),
        _ => chart
            .series
            .iter()
            .flat_map(|s| {
                let highs = s
                    .intervals
                    .iter()
                    .flatten()
                    .filter_map(|i| i.map(|(_, high)| high));
                s.values.iter().flatten().copied().chain(highs)
            })
            .fold(0.0, f64::max),
    };
    if top > 0.0 { top * 1.1 } else { 1.0 }
}

fn draw_bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    let n = chart.categories.len().max(1);
    let categories = chart.categories.clone();
    let unit = chart.unit;
    let legend_width = 190;
    // Long axes (years) label every few categories so that labels never overlap.
    let step = n.div_ceil(16);
    let (plot, legend) = area.split_horizontally(area.dim_in_pixel().0 as i32 - legend_width);
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(if n > 12 { 64 } else { 44 })
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..n as f64, 0f64..y_max(chart))
        .map_err(failed)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| category_at(&categories, step, *x))
        .y_label_formatter(&|y| unit.format(*y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(failed)?;
    let groups = chart.series.len().max(1);
    for (s, series) in chart.series.iter().enumerate() {
        let color = color_of(series, s);
        for (i, value) in series.values.iter().enumerate() {
            let Some(value) = value else { continue };
            let (x0, x1, y0) = match chart.kind {
                Kind::Stacked => {
                    let below: f64 = chart.series[..s].iter().filter_map(|o| o.values[i]).sum();
                    (i as f64 + 0.12, i as f64 + 0.88, below)
                }
                _ => {
                    let w = 0.8 / groups as f64;
                    let x0 = i as f64 + 0.1 + s as f64 * w;
                    (x0, x0 + w * 0.92, 0.0)
                }
            };
            ctx.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x1, y0 + value)],
                color.filled(),
            )))
            .map_err(failed)?;
            if let Some(Some((low, high))) = series.intervals.as_ref().map(|v| v[i]) {
                let mid = (x0 + x1) / 2.0;
                let whisker = BLACK.stroke_width(2);
                ctx.draw_series([
                    PathElement::new(vec![(mid, low), (mid, high)], whisker),
                    PathElement::new(vec![(mid - 0.03, low), (mid + 0.03, low)], whisker),
                    PathElement::new(vec![(mid - 0.03, high), (mid + 0.03, high)], whisker),
                ])
                .map_err(failed)?;
            }
        }
    }
    draw_legend(&legend, chart)
}

/// The label of the category centred at `x` (categories sit at i + 0.5), every `step`th
/// one; blank for other ticks.
fn category_at(categories: &[String], step: usize, x: f64) -> String {
    let i = (x - 0.5).round();
    if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize).is_multiple_of(step) {
        categories.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    for (s, series) in chart.series.iter().enumerate() {
        let y = 24 + s as i32 * 24;
        let color = color_of(series, s);
        area.draw(&Rectangle::new([(4, y), (20, y + 14)], color.filled()))
            .map_err(failed)?;
        area.draw_text(&series.name, &(FONT, 13).into_font().color(&BLACK), (26, y))
            .map_err(failed)?;
    }
    Ok(())
}

fn draw_ratios<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    let n = chart.categories.len().max(1);
    let categories = chart.categories.clone();
    let Some(series) = chart.series.first() else {
        return Ok(());
    };
    let top = y_max(chart).max(1.5);
    let mut ctx = ChartBuilder::on(area)
        .margin(12)
        .margin_right(40)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(failed)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| category_at(&categories, 1, *x))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(failed)?;
    ctx.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 1.0), (n as f64, 1.0)],
        RGBColor(120, 120, 120).stroke_width(1),
    )))
    .map_err(failed)?;
    let color = PALETTE[0];
    for (i, value) in series.values.iter().enumerate() {
        let Some(value) = value else { continue };
        let mid = i as f64 + 0.5;
        if let Some(Some((low, high))) = series.intervals.as_ref().map(|v| v[i]) {
            ctx.draw_series([
                PathElement::new(vec![(mid, low), (mid, high)], color.stroke_width(3)),
                PathElement::new(
                    vec![(mid - 0.08, low), (mid + 0.08, low)],
                    color.stroke_width(2),
                ),
                PathElement::new(
                    vec![(mid - 0.08, high), (mid + 0.08, high)],
                    color.stroke_width(2),
                ),
            ])
            .map_err(failed)?;
        }
        ctx.draw_series(std::iter::once(Circle::new(
            (mid, *value),
            7,
            color.filled(),
        )))
        .map_err(failed)?;
        ctx.draw_series(std::iter::once(Text::new(
            format!("{value:.1}×"),
            (mid + 0.1, *value),
            (FONT, 13),
        )))
        .map_err(failed)?;
    }
    Ok(())
}
