//! The county maps of a statewide run: California's 58 counties coloured by a published
//! figure, drawn with plotters (PNG and SVG) from boundaries bundled in the binary
//! (`geometry/ca_counties.json`, extracted once from the Census Bureau's cartographic
//! boundaries by `geometry/extract.py`; see `src/population/SOURCES.md`).

use std::sync::LazyLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;

use super::draw::{DrawResult, FONT, Unit, failed};

/// A county's outline, projected (California Albers) into a frame 1000 units wide, y down.
#[derive(Debug, Deserialize)]
pub struct Shape {
    pub fips: String,
    pub name: String,
    /// Outer rings, each as x, y, x, y...
    rings: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Geometry {
    counties: Vec<Shape>,
}

/// The 58 counties, by FIPS code.
pub fn shapes() -> &'static [Shape] {
    static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
        // Bundled bytes checked by a test: a failure here is a build defect.
        serde_json::from_str::<Geometry>(include_str!("geometry/ca_counties.json"))
            .map(|g| g.counties)
            .unwrap_or_default()
    });
    &SHAPES
}

/// What a county's colour stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Value(f64),
    /// Withheld as a small count (or computed from one).
    Withheld,
    /// No figure: nobody in the data, or no population to divide by.
    Missing,
}

/// How values become colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Light to dark in five classes at the quintiles of the values shown (viridis).
    Sequential,
    /// Purple below 1, orange above, neutral around 1 (ColorBrewer PuOr), for ratios.
    DivergingAtOne,
}

/// A map: one cell per county of [`shapes`], in their order.
#[derive(Debug, Clone)]
pub struct Map {
    pub title: String,
    pub subtitle: String,
    /// What the colours measure, with units (the legend's heading).
    pub legend: String,
    pub unit: Unit,
    pub scale: Scale,
    pub cells: Vec<Cell>,
    /// At the foot: source, population year, as-of date, what is withheld.
    pub note: String,
}

/// Canvas of a map, in pixels.
pub const SIZE: (u32, u32) = (1000, 820);
const MAP_HEIGHT: f64 = 690.0;
const VIRIDIS: [RGBColor; 5] = [
    RGBColor(68, 1, 84),
    RGBColor(59, 82, 139),
    RGBColor(33, 145, 140),
    RGBColor(94, 201, 98),
    RGBColor(253, 231, 37),
];
/// ColorBrewer PuOr: two purples below 1, neutral around it, four oranges above (the ratios
/// published are mostly above 1).
const PUOR: [RGBColor; 7] = [
    RGBColor(153, 142, 195),
    RGBColor(216, 218, 235),
    RGBColor(247, 247, 247),
    RGBColor(254, 224, 182),
    RGBColor(241, 163, 64),
    RGBColor(179, 88, 6),
    RGBColor(127, 59, 8),
];
/// The class of [`PUOR`] around 1.
#[cfg(test)]
const NEUTRAL: usize = 2;
/// Breaks of [`Scale::DivergingAtOne`]: symmetric around 1 on a log scale.
const RATIO_BREAKS: [f64; 6] = [0.5, 0.8, 1.25, 2.0, 4.0, 8.0];
const WITHHELD: RGBColor = RGBColor(189, 189, 189);
const MISSING: RGBColor = RGBColor(255, 255, 255);
const BORDER: RGBColor = RGBColor(110, 110, 110);

/// A colour class: values from `low` to under `high` (to `high` itself in the last class of a
/// sequential scale, whose ends are the lowest and highest values shown).
struct Class {
    low: f64,
    high: f64,
    colour: RGBColor,
}

fn classes(map: &Map) -> Vec<Class> {
    let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
    let (breaks, colours): (Vec<f64>, &[RGBColor]) = match map.scale {
        Scale::DivergingAtOne => (RATIO_BREAKS.to_vec(), &PUOR),
        Scale::Sequential => {
            let mut values: Vec<f64> = map
                .cells
                .iter()
                .filter_map(|c| match c {
                    Cell::Value(v) => Some(*v),
                    _ => None,
                })
                .collect();
            values.sort_by(f64::total_cmp);
            (low, high) = match (values.first(), values.last()) {
                (Some(&l), Some(&h)) => (l, h),
                _ => (0.0, 0.0),
            };
            let mut breaks: Vec<f64> = (1..5)
                .filter_map(|k| values.get(k * values.len() / 5).map(|v| round_2(*v)))
                .filter(|b| *b > low && *b < high)
                .collect();
            breaks.dedup();
            let colours = &VIRIDIS[VIRIDIS.len() - breaks.len() - 1..];
            (breaks, colours)
        }
    };
    let bounds = std::iter::once(low)
        .chain(breaks.iter().copied())
        .chain(std::iter::once(high));
    let bounds: Vec<f64> = bounds.collect();
    bounds
        .windows(2)
        .zip(colours)
        .map(|(w, &colour)| Class {
            low: w[0],
            high: w[1],
            colour,
        })
        .collect()
}

/// `v` to two significant digits, so that a legend's breaks read easily.
fn round_2(v: f64) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let step = 10f64.powf(v.log10().floor() - 1.0);
    (v / step).round() * step
}

fn colour_of(cell: Cell, classes: &[Class]) -> RGBColor {
    match cell {
        Cell::Value(v) => classes
            .iter()
            .find(|c| v < c.high)
            .or(classes.last())
            .map_or(MISSING, |c| c.colour),
        Cell::Withheld => WITHHELD,
        Cell::Missing => MISSING,
    }
}

/// Draws `map` on `root`: the counties' fills first, one polygon per ring in [`shapes`]
/// order (what `svg` relies on to name them), then their borders and the legend.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, map: &Map) -> DrawResult {
    root.fill(&WHITE).map_err(failed)?;
    let grey = RGBColor(80, 80, 80);
    root.draw_text(&map.title, &(FONT, 21).into_font().color(&BLACK), (16, 10))
        .map_err(failed)?;
    root.draw_text(
        &map.subtitle,
        &(FONT, 14).into_font().color(&grey),
        (16, 38),
    )
    .map_err(failed)?;
    let note = (FONT, 12).into_font().color(&grey);
    for (i, line) in wrap(&map.note, 150).iter().enumerate() {
        root.draw_text(line, &note, (16, SIZE.1 as i32 - 40 + 16 * i as i32))
            .map_err(failed)?;
    }
    let scale = MAP_HEIGHT / 1160.0;
    let at = |x: f64, y: f64| (20 + (x * scale) as i32, 70 + (y * scale) as i32);
    let classes = classes(map);
    let outline = |shape: &Shape| -> Vec<Vec<(i32, i32)>> {
        let ring = |r: &Vec<f64>| r.chunks(2).map(|p| at(p[0], p[1])).collect();
        shape.rings.iter().map(ring).collect()
    };
    for (shape, cell) in shapes().iter().zip(&map.cells) {
        let colour = colour_of(*cell, &classes);
        for ring in outline(shape) {
            root.draw(&Polygon::new(ring, colour.filled()))
                .map_err(failed)?;
        }
    }
    for shape in shapes() {
        for mut ring in outline(shape) {
            ring.push(ring[0]);
            root.draw(&PathElement::new(ring, BORDER.stroke_width(1)))
                .map_err(failed)?;
        }
    }
    draw_legend(root, map, &classes)
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &Map,
    classes: &[Class],
) -> DrawResult {
    let (x, mut y) = (560, 90);
    let text = (FONT, 14).into_font().color(&BLACK);
    let small = (FONT, 12).into_font().color(&RGBColor(60, 60, 60));
    for line in wrap(&map.legend, 48) {
        root.draw_text(&line, &(FONT, 15).into_font().color(&BLACK), (x, y))
            .map_err(failed)?;
        y += 20;
    }
    y += 6;
    let swatch = |y: i32, colour: RGBColor, label: &str| -> DrawResult {
        root.draw(&Rectangle::new([(x, y), (x + 26, y + 18)], colour.filled()))
            .map_err(failed)?;
        root.draw(&Rectangle::new(
            [(x, y), (x + 26, y + 18)],
            BORDER.stroke_width(1),
        ))
        .map_err(failed)?;
        root.draw_text(label, &text, (x + 36, y + 2))
            .map_err(failed)
    };
    for (i, class) in classes.iter().enumerate().rev() {
        let (low, high) = (
            break_label(map.unit, class.low),
            break_label(map.unit, class.high),
        );
        let label = match (class.low.is_finite(), class.high.is_finite()) {
            _ if class.low == class.high => format!("all: {low}"),
            (false, _) => format!("under {high}"),
            (true, false) => format!("{low} or more"),
            (true, true) if i + 1 == classes.len() => format!("{low} to {high}"),
            (true, true) => format!("{low} to under {high}"),
        };
        swatch(y, class.colour, &label)?;
        y += 26;
    }
    let named = |cell: Cell| -> Vec<&str> {
        let shapes = shapes().iter().zip(&map.cells);
        shapes
            .filter(|(_, c)| **c == cell)
            .map(|(s, _)| s.name.as_str())
            .collect()
    };
    for (cell, colour, what) in [
        (Cell::Withheld, WITHHELD, "Withheld (small counts)"),
        (
            Cell::Missing,
            MISSING,
            "No figure (no one, or no residents)",
        ),
    ] {
        let names = named(cell);
        if names.is_empty() {
            continue;
        }
        y += 8;
        swatch(y, colour, &format!("{what}: {}", names.len()))?;
        y += 24;
        for line in wrap(&names.join(", "), 62) {
            root.draw_text(&line, &small, (x, y)).map_err(failed)?;
            y += 16;
        }
    }
    Ok(())
}

/// A class bound as the legend writes it: to two significant digits (the breaks have no
/// more), so that 1.25 does not read as 1.2 and the ends of the scale read easily.
fn break_label(unit: Unit, v: f64) -> String {
    let v = match unit {
        Unit::Percent => round_2(v * 100.0) / 100.0,
        Unit::Count | Unit::Ratio => round_2(v),
    };
    match unit {
        Unit::Percent => format!("{}%", (v * 1000.0).round() / 10.0),
        Unit::Count | Unit::Ratio => format!("{v}"),
    }
}

/// `text` in lines of at most about `width` characters, broken at spaces.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// `text`, the SVG [`draw`] made of `map`, with each county a group with its name and figure
/// as a `<title>` (shown on hover) and its FIPS code as its id.
pub fn name_counties(map: &Map, text: &str) -> Result<String, String> {
    let mut named = String::with_capacity(text.len() + 8000);
    let mut rest = text;
    for (shape, cell) in shapes().iter().zip(&map.cells) {
        let title = match cell {
            Cell::Value(v) => format!("{}: {}", shape.name, map.unit.format(*v)),
            Cell::Withheld => format!("{}: withheld (small counts)", shape.name),
            Cell::Missing => format!("{}: no figure", shape.name),
        };
        let start = rest.find("<polygon").ok_or("a county was not drawn")?;
        let mut end = start;
        for _ in 0..shape.rings.len() {
            let at = rest[end..]
                .find("<polygon")
                .ok_or("a county was not drawn")?;
            end += at + rest[end + at..].find("/>").ok_or("unclosed polygon")? + 2;
        }
        named.push_str(&rest[..start]);
        named.push_str(&format!(
            "<g class=\"county\" id=\"county-{}\"><title>{}</title>{}</g>",
            shape.fips,
            escape(&title),
            &rest[start..end]
        ));
        rest = &rest[end..];
    }
    named.push_str(rest);
    Ok(named)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_geometry_has_the_58_counties() {
        let shapes = shapes();
        assert_eq!(shapes.len(), 58);
        assert!(
            shapes
                .iter()
                .all(|s| s.fips.starts_with("06") && !s.rings.is_empty())
        );
        let names: Vec<&str> = shapes.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"Los Angeles") && names.contains(&"San Francisco"));
        for shape in shapes {
            for ring in &shape.rings {
                assert!(ring.len() >= 6 && ring.len() % 2 == 0, "{}", shape.name);
                assert!(
                    ring.iter().all(|v| (0.0..=1200.0).contains(v)),
                    "{}",
                    shape.name
                );
            }
        }
    }

    /// The file in the repository is the one the sources file describes.
    #[test]
    fn the_geometry_checksum_is_in_the_sources_file() {
        use sha2::{Digest, Sha256};
        let bytes = include_bytes!("geometry/ca_counties.json");
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let sources = include_str!("../population/SOURCES.md");
        assert!(sources.contains(&sha), "SOURCES.md lacks {sha}");
    }

    #[test]
    fn quintile_breaks_and_ratio_classes() {
        let map = |cells: Vec<Cell>, scale| Map {
            title: String::new(),
            subtitle: String::new(),
            legend: String::new(),
            unit: Unit::Ratio,
            scale,
            cells,
            note: String::new(),
        };
        let values = (1..=100).map(|v| Cell::Value(v as f64)).collect();
        let sequential = classes(&map(values, Scale::Sequential));
        let highs: Vec<f64> = sequential.iter().map(|c| c.high).collect();
        assert_eq!(highs, [21.0, 41.0, 61.0, 81.0, 100.0]);
        assert_eq!(sequential[0].low, 1.0);
        let same = classes(&map(vec![Cell::Value(0.5); 3], Scale::Sequential));
        assert_eq!((same.len(), same[0].low, same[0].high), (1, 0.5, 0.5));
        let diverging = classes(&map(vec![Cell::Value(1.0)], Scale::DivergingAtOne));
        assert_eq!(colour_of(Cell::Value(1.0), &diverging), PUOR[NEUTRAL]);
        assert_eq!(PUOR[NEUTRAL], RGBColor(247, 247, 247));
        assert_eq!(colour_of(Cell::Value(0.3), &diverging), PUOR[0]);
        assert_eq!(colour_of(Cell::Value(9.0), &diverging), PUOR[6]);
        assert_eq!(colour_of(Cell::Withheld, &diverging), WITHHELD);
        assert_eq!(round_2(1234.0), 1200.0);
        assert_eq!(round_2(0.0456), 0.046);
    }

    #[test]
    fn every_county_is_a_named_group_in_the_svg() {
        let mut cells = vec![Cell::Value(2.0); 58];
        cells[0] = Cell::Withheld;
        cells[1] = Cell::Missing;
        let map = Map {
            title: "t".into(),
            subtitle: "s".into(),
            legend: "Rate ratio".into(),
            unit: Unit::Ratio,
            scale: Scale::DivergingAtOne,
            cells,
            note: "n".into(),
        };
        let svg = super::super::Figure::Map(map).svg().unwrap();
        assert_eq!(svg.matches("<g class=\"county\"").count(), 58);
        assert!(svg.contains("<title>Alameda: withheld (small counts)</title>"));
        assert!(svg.contains("<title>Alpine: no figure</title>"));
        assert!(svg.contains("<title>Los Angeles: 2.0</title>"));
        assert!(svg.contains("id=\"county-06075\""));
    }
}
