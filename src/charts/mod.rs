//! Charts: the published tables drawn as PNG and SVG (`DIR/charts/`). They read the tables
//! after small-cell suppression, so a withheld count is never drawn.

pub mod draw;
pub mod forest;
pub mod map;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::{Column, DataFrame};

use crate::analytics::published::{Published, TableError};
use crate::outputs::{self, OutputError, files};
pub use draw::{Chart, Kind, Series, Unit};
pub use forest::{Estimate, Forest};
pub use map::{Cell, Map, Scale};

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
    /// The run covers every county (`--county ALL`): the county maps are drawn too.
    pub statewide: bool,
    /// The run's as-of date (`--compute-at`), `YYYY-MM-DD`.
    pub as_of: String,
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
pub const NAMES: [&str; 6] = {
    let mut names = [""; 6];
    let mut i = 0;
    while i < SPECS.len() {
        names[i] = SPECS[i].name;
        i += 1;
    }
    names
};

/// A drawing of the report: a chart of bars, or a county map.
#[derive(Debug, Clone)]
pub enum Figure {
    Bars(Chart),
    Map(Map),
    /// Counties side by side.
    Forest(Forest),
}

impl Figure {
    pub fn title(&self) -> &str {
        match self {
            Figure::Bars(chart) => &chart.title,
            Figure::Map(map) => &map.title,
            Figure::Forest(forest) => &forest.title,
        }
    }

    /// Its size in pixels.
    fn size(&self) -> (u32, u32) {
        match self {
            Figure::Bars(_) => SIZE,
            Figure::Map(_) => map::SIZE,
            Figure::Forest(forest) => forest.size(),
        }
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> draw::DrawResult {
        match self {
            Figure::Bars(chart) => draw::draw(root, chart),
            Figure::Map(map) => map::draw(root, map),
            Figure::Forest(forest) => forest::draw(root, forest),
        }
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> Result<String, String> {
        register_fonts();
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, self.size()).into_drawing_area();
            self.draw_on(&root)?;
            root.present().map_err(draw::failed)?;
        }
        match self {
            Figure::Map(map) => map::name_counties(map, &text),
            _ => Ok(text),
        }
    }

    fn png(&self, path: &Path) -> Result<(), String> {
        let root = BitMapBackend::new(path, self.size()).into_drawing_area();
        self.draw_on(&root)?;
        root.present().map_err(draw::failed)
    }
}

/// Draws every chart from the tables in `tables` into `folder`, as PNG and SVG, and in a
/// statewide run the county maps; returns the figures drawn, charts in [`NAMES`] order, then
/// maps in [`MAP_NAMES`] order.
pub fn write_all(
    tables: &Path,
    folder: &Path,
    context: &Context,
) -> Result<Vec<(String, Figure)>, ChartError> {
    register_fonts();
    outputs::create_folder(folder)?;
    let mut figures: Vec<(String, Figure)> = build(tables, context)?
        .into_iter()
        .map(|(name, chart)| (name, Figure::Bars(chart)))
        .collect();
    if context.statewide {
        figures.extend(maps(tables, context)?);
        figures.push((
            BY_COUNTY.to_string(),
            counties_side_by_side(tables, context)?,
        ));
    }
    for (name, figure) in &figures {
        write_svg(folder, name, figure)?;
        write_png(folder, name, figure)?;
    }
    Ok(figures)
}

fn write_svg(folder: &Path, name: &str, figure: &Figure) -> Result<(), ChartError> {
    let text = figure.svg().map_err(|message| ChartError::Draw {
        name: name.to_string(),
        message,
    })?;
    outputs::write_atomically(&folder.join(format!("{name}.svg")), |w| {
        use std::io::Write;
        w.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })?;
    Ok(())
}

fn write_png(folder: &Path, name: &str, figure: &Figure) -> Result<(), ChartError> {
    // The encoder picks the format from the extension, so the temporary name ends in .png.
    let temporary = folder.join(format!(".{name}.partial.png"));
    let finished = folder.join(format!("{name}.png"));
    let drawn = figure.png(&temporary);
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

/// Where a chart's bars come from.
#[derive(Clone, Copy)]
enum Bars {
    /// One series per column, named as given (`{flow}` is the chosen flow's name).
    Columns(&'static [(&'static str, &'static str)]),
    /// One series per census group (and UNKNOWN), from the group's lower-case column.
    Groups,
    /// One series per census group from a table of one row per period and group: this
    /// column of each group's rows, for the periods that have residents.
    GroupRows(&'static str),
}

/// How a chart's categories (the x axis) are written.
#[derive(Clone, Copy)]
enum Axis {
    /// `race_group`, as a reader writes the groups.
    RaceGroups,
    /// `period_start`: `2015–19`, or "no date".
    Periods,
    /// `code_section`: `HS 11357`.
    Sections,
}

/// One chart, as data: the table it draws and how.
struct Spec {
    name: &'static str,
    table: &'static str,
    /// The table drawn instead in a statewide run: the same figures for California as a whole
    /// (`table` has one row per county and group there).
    statewide: Option<&'static str>,
    title: &'static str,
    x_label: &'static str,
    y_label: &'static str,
    unit: Unit,
    kind: Kind,
    axis: Axis,
    bars: Bars,
    /// (low, high) columns of the first series' 95% interval.
    intervals: Option<(&'static str, &'static str)>,
    /// A stacked chart's total column: the part of it withheld in the parts is drawn grey.
    total: Option<&'static str>,
}

/// The charts, in the report's order.
const SPECS: [Spec; 6] = [
    Spec {
        name: "share_vs_population",
        table: "disparity_vs_population",
        statewide: Some("state_disparity_vs_population"),
        title: "Share of people with a Prop 64 conviction vs share of residents",
        x_label: "Race/ethnicity (census groups; whiskers: 95% Wilson interval)",
        y_label: "Share",
        unit: Unit::Percent,
        kind: Kind::Grouped,
        axis: Axis::RaceGroups,
        bars: Bars::Columns(&[
            ("People with a Prop 64 conviction", "share_of_people"),
            ("Residents", "share_of_population"),
            ("People relieved", "share_of_relieved"),
        ]),
        intervals: Some(("share_low", "share_high")),
        total: None,
    },
    Spec {
        name: "relief_by_scenario",
        table: "relief_by_race_and_scenario",
        statewide: None,
        title: "People left with no conviction, under each flow",
        x_label: "Race/ethnicity",
        y_label: "People",
        unit: Unit::Count,
        kind: Kind::Grouped,
        axis: Axis::RaceGroups,
        bars: Bars::Columns(&[
            ("{flow} (chosen)", "no_conviction_left"),
            ("dismiss all Prop 64", "dismiss_all_no_conviction_left"),
            (
                "dismiss all + related",
                "dismiss_all_related_no_conviction_left",
            ),
        ]),
        intervals: None,
        total: None,
    },
    Spec {
        name: "rate_ratios",
        table: "rate_ratios_vs_white",
        statewide: Some("state_rate_ratios_vs_white"),
        title: "People with a Prop 64 conviction per resident, relative to White residents",
        x_label: "Race/ethnicity (whiskers: 95% interval, log-normal)",
        y_label: "Rate ratio (White = 1)",
        unit: Unit::Ratio,
        kind: Kind::Ratios,
        axis: Axis::RaceGroups,
        bars: Bars::Columns(&[("Rate ratio", "rate_ratio")]),
        intervals: Some(("rate_ratio_low", "rate_ratio_high")),
        total: None,
    },
    Spec {
        name: "convictions_by_period",
        table: "convictions_by_period_and_race",
        statewide: None,
        title: "Prop 64 convictions by period and race/ethnicity",
        x_label: "Year of conviction (five-year periods)",
        y_label: "Convictions",
        unit: Unit::Count,
        kind: Kind::Stacked,
        axis: Axis::Periods,
        bars: Bars::Groups,
        intervals: None,
        total: Some("convictions"),
    },
    Spec {
        name: "rates_by_period",
        table: "rates_by_period",
        statewide: Some("state_rates_by_period"),
        title: "People with a Prop 64 conviction per 100,000 residents, by period",
        x_label: "Year of conviction, five-year periods (residents of one year in each, adults \
                  where the yearly estimates have them: see the table)",
        y_label: "People per 100,000 residents",
        unit: Unit::Count,
        kind: Kind::Grouped,
        axis: Axis::Periods,
        bars: Bars::GroupRows("rate_per_100k"),
        intervals: None,
        total: None,
    },
    Spec {
        name: "determinations_by_section",
        table: "convictions_by_code_section",
        statewide: None,
        title: "Determinations by code section",
        x_label: "Health and Safety Code section",
        y_label: "Convictions",
        unit: Unit::Count,
        kind: Kind::Stacked,
        axis: Axis::Sections,
        bars: Bars::Columns(&[
            ("Dismissal", "dismissal"),
            ("Reduction", "reduction"),
            ("Not eligible", "not_eligible"),
            ("Review", "review"),
            ("No determination", "no_determination"),
        ]),
        intervals: None,
        total: Some("convictions"),
    },
];

/// Every chart of [`SPECS`] from the published tables in `tables`.
fn build(tables: &Path, context: &Context) -> Result<Vec<(String, Chart)>, ChartError> {
    SPECS
        .iter()
        .map(|spec| {
            let (name, place) = match spec.statewide {
                Some(name) if context.statewide => (name, "California".to_string()),
                _ => (spec.table, context.place.clone()),
            };
            let mut table = Published::read(tables, name)?;
            if let Bars::GroupRows(column) = spec.bars {
                table = by_period(table, column)?;
            }
            Ok((spec.name.to_string(), chart(spec, &table, &place, context)?))
        })
        .collect()
}

/// The county maps of a statewide run, by file name, in the report's order.
pub const MAP_NAMES: [&str; 3] = [
    "map_people_per_100k",
    "map_black_white_rate_ratio",
    "map_share_relieved",
];

/// The chart of a statewide run that sets the counties side by side.
pub const BY_COUNTY: &str = "rate_ratios_by_county";

/// Each county's Black-to-White rate ratio with its interval (`rate_ratios_vs_white`), in
/// alphabetical order; counties withheld or without a figure named underneath.
fn counties_side_by_side(tables: &Path, context: &Context) -> Result<Figure, ChartError> {
    let mut rows = Vec::new();
    let (mut withheld, mut missing) = (Vec::new(), Vec::new());
    for (shape, (cell, interval)) in map::shapes().iter().zip(ratio_cells(tables)?) {
        match (cell, interval) {
            (Cell::Value(value), Some((low, high))) => {
                rows.push((shape.name.clone(), Estimate { value, low, high }))
            }
            (Cell::Withheld, _) => withheld.push(shape.name.clone()),
            _ => missing.push(shape.name.clone()),
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Figure::Forest(Forest {
        title: "Black-to-White rate ratio of people with a Prop 64 conviction, by county".into(),
        subtitle: format!(
            "Each county with its 95% interval (log-normal), in alphabetical order · population {}",
            context.vintage
        ),
        x_label: "Rate ratio (Black rate / White rate; log scale; 1 = the same rate)".into(),
        rows,
        left_out: vec![
            ("withheld (small counts)".into(), withheld),
            ("no figure (no one, or no residents)".into(), missing),
        ],
        note: format!(
            "Convictions up to the as-of date {}. {}",
            context.as_of,
            context.note()
        ),
    }))
}

/// The county maps, from `statewide_by_county` and `rate_ratios_vs_white`: a county is
/// withheld where a count its figure comes from is withheld.
fn maps(tables: &Path, context: &Context) -> Result<Vec<(String, Figure)>, ChartError> {
    let (per_100k, whom, share) = county_cells(tables)?;
    let ratio = ratio_cells(tables)?
        .into_iter()
        .map(|(cell, _)| cell)
        .collect();
    let note = format!(
        "Population {}; convictions up to the as-of date {}. {}",
        context.vintage,
        context.as_of,
        context.note()
    );
    let map = |title: &str, legend: &str, unit, scale, cells| Map {
        title: title.to_string(),
        subtitle: format!("California's 58 counties · flow {}", context.flow),
        legend: legend.to_string(),
        unit,
        scale,
        cells,
        note: note.clone(),
    };
    let maps = [
        map(
            &format!("People with a Prop 64 conviction per 100,000 {whom}"),
            &format!("People per 100,000 {whom}"),
            Unit::Count,
            Scale::Sequential,
            per_100k,
        ),
        map(
            "Black-to-White rate ratio of people with a Prop 64 conviction",
            "Rate ratio (Black rate / White rate; 1 = the same rate)",
            Unit::Ratio,
            Scale::DivergingAtOne,
            ratio,
        ),
        map(
            "Share of people with some relief under the chosen flow",
            &format!(
                "Share of the county's people relieved (flow {})",
                context.flow
            ),
            Unit::Percent,
            Scale::Sequential,
            share,
        ),
    ];
    Ok(MAP_NAMES
        .iter()
        .map(|name| name.to_string())
        .zip(maps.into_iter().map(Figure::Map))
        .collect())
}

/// One cell per county of [`map::shapes`], from `figure` of the county's upper-case name.
fn cells<T>(figure: impl Fn(&str) -> T) -> Vec<T> {
    map::shapes()
        .iter()
        .map(|shape| figure(&shape.name.to_uppercase()))
        .collect()
}

/// From `statewide_by_county`: people per 100,000 (adults where the baseline has them, as the
/// rate tables do, and whom that is), and the share of people relieved.
fn county_cells(tables: &Path) -> Result<(Vec<Cell>, &'static str, Vec<Cell>), ChartError> {
    let by_county = Published::read(tables, "statewide_by_county")?;
    let counties = by_county.text("county")?;
    let people = by_county.numbers("people")?;
    let relieved = by_county.numbers("some_relief")?;
    let adults = by_county.numbers("people_per_100k_adults")?;
    let (per_100k, whom) = if adults.iter().any(Option::is_some) {
        (adults, "adult residents (18 and over)")
    } else {
        let all_ages = by_county.numbers("people_per_100k")?;
        (all_ages, "residents (all ages)")
    };
    let row = |county: &str| counties.iter().position(|c| c == county);
    let rates = cells(|county| match row(county) {
        None => Cell::Missing,
        Some(i) if people[i].is_none() => Cell::Withheld,
        Some(i) => per_100k[i].map_or(Cell::Missing, Cell::Value),
    });
    let share = cells(|county| match row(county) {
        None => Cell::Missing,
        Some(i) => match (relieved[i], people[i]) {
            (Some(r), Some(p)) if p > 0.0 => Cell::Value(r / p),
            (Some(_), Some(_)) => Cell::Missing,
            _ => Cell::Withheld,
        },
    });
    Ok((rates, whom, share))
}

/// A 95% interval, (low, high), where there is one.
type Interval = Option<(f64, f64)>;

/// From `rate_ratios_vs_white`: each county's Black-to-White rate ratio with its 95% interval,
/// withheld where the Black or the White count is.
fn ratio_cells(tables: &Path) -> Result<Vec<(Cell, Interval)>, ChartError> {
    let ratios = Published::read(tables, "rate_ratios_vs_white")?;
    let (counties, groups) = (ratios.text("county")?, ratios.text("race_group")?);
    let (ratio, people) = (ratios.numbers("rate_ratio")?, ratios.numbers("people")?);
    let intervals = ratios.intervals("rate_ratio_low", "rate_ratio_high")?;
    let row = |county: &str, group: &str| {
        (0..groups.len()).find(|&i| counties[i] == county && groups[i] == group)
    };
    Ok(cells(|county| {
        match (row(county, "BLACK"), row(county, "WHITE")) {
            (Some(b), Some(w)) if people[b].is_none() || people[w].is_none() => {
                (Cell::Withheld, None)
            }
            (Some(b), Some(_)) => (ratio[b].map_or(Cell::Missing, Cell::Value), intervals[b]),
            _ => (Cell::Missing, None),
        }
    }))
}

/// The chart `spec` describes, from its table.
fn chart(
    spec: &Spec,
    table: &Published,
    place: &str,
    context: &Context,
) -> Result<Chart, ChartError> {
    let mut bars = match spec.bars {
        Bars::Columns(columns) => columns
            .iter()
            .map(|(name, column)| series(table, &name.replace("{flow}", &context.flow), column))
            .collect::<Result<Vec<_>, _>>()?,
        Bars::Groups => crate::population::GROUPS
            .iter()
            .chain(&["UNKNOWN"])
            .map(|g| series(table, &group_label(g), &g.to_lowercase()))
            .collect::<Result<Vec<_>, _>>()?,
        Bars::GroupRows(_) => crate::population::GROUPS
            .iter()
            .map(|g| series(table, &group_label(g), &g.to_lowercase()))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if let (Some((low, high)), Some(first)) = (spec.intervals, bars.first_mut()) {
        first.intervals = Some(table.intervals(low, high)?);
    }
    if let Some(total) = spec.total {
        let withheld = withheld_part(&table.numbers(total)?, &bars);
        bars.push(withheld);
    }
    Ok(Chart {
        title: spec.title.to_string(),
        subtitle: format!(
            "{} · flow {} · population {}",
            title_case(place),
            context.flow,
            context.vintage
        ),
        x_label: spec.x_label.to_string(),
        y_label: spec.y_label.to_string(),
        unit: spec.unit,
        categories: categories(spec.axis, table)?,
        series: bars,
        kind: spec.kind,
        note: context.note(),
    })
}

/// A table of one row per period and group as one row per period with residents and one
/// column of `column` per group (lower case), for [`Bars::GroupRows`].
fn by_period(table: Published, column: &str) -> Result<Published, ChartError> {
    let periods = table.text("period_start")?;
    let groups = table.text("race_group")?;
    let residents = table.numbers("residents")?;
    let values = table.numbers(column)?;
    let mut shown: Vec<&String> = (0..periods.len())
        .filter(|&i| residents[i].is_some())
        .map(|i| &periods[i])
        .collect();
    shown.sort_by_key(|p| p.parse::<i64>().unwrap_or(i64::MAX));
    shown.dedup();
    let mut columns = vec![Column::new(
        "period_start".into(),
        shown.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    )];
    for group in crate::population::GROUPS {
        let cell = |period: &String| {
            (0..periods.len())
                .find(|&i| &periods[i] == period && groups[i] == group)
                .and_then(|i| values[i])
        };
        let cells: Vec<Option<f64>> = shown.iter().map(|p| cell(p)).collect();
        columns.push(Column::new(group.to_lowercase().into(), cells));
    }
    let frame = DataFrame::new(shown.len(), columns).map_err(|e| TableError {
        path: table.path.clone(),
        message: e.to_string(),
    })?;
    Ok(Published { frame, ..table })
}

/// The x axis of a chart, as a reader writes it.
fn categories(axis: Axis, table: &Published) -> Result<Vec<String>, ChartError> {
    Ok(match axis {
        Axis::RaceGroups => table
            .text("race_group")?
            .iter()
            .map(|g| group_label(g))
            .collect(),
        Axis::Periods => table
            .text("period_start")?
            .iter()
            .map(|start| match start.parse::<i32>() {
                Ok(y) => format!("{y}–{:02}", (y + 4) % 100),
                Err(_) => "no date".to_string(),
            })
            .collect(),
        Axis::Sections => table
            .text("code_section")?
            .iter()
            .map(|s| format!("HS {s}"))
            .collect(),
    })
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
