//! Counties side by side: one row per county with its ratio and 95% interval on a log scale,
//! in alphabetical order (not ranked: a small county's interval is wide, and a ranking of
//! point estimates would hide it). Counties whose figure is withheld or missing are named
//! underneath, never drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{DrawResult, FONT, PALETTE, failed};

/// A ratio with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The chart: rows in the order drawn.
#[derive(Debug, Clone)]
pub struct Forest {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub rows: Vec<(String, Estimate)>,
    /// Counties left out, by reason ("withheld (small counts)": names).
    pub left_out: Vec<(String, Vec<String>)>,
    pub note: String,
}

const ROW: i32 = 18;
const TOP: i32 = 100;
const LEFT: i32 = 190;
const RIGHT: i32 = 940;

impl Forest {
    /// Width and height in pixels: taller with more rows.
    pub fn size(&self) -> (u32, u32) {
        let names: usize = self.left_out.iter().map(|(_, n)| n.len() / 8 + 2).sum();
        let height = TOP + ROW * self.rows.len() as i32 + 70 + 16 * names as i32 + 50;
        (1000, height.max(300) as u32)
    }

    /// The x range, on a log scale: powers of two around every interval and 1.
    fn range(&self) -> (f64, f64) {
        let (low, high) = self.rows.iter().fold((1.0f64, 1.0f64), |(l, h), (_, e)| {
            (l.min(e.low), h.max(e.high))
        });
        let low = 2f64.powf(low.max(1e-3).log2().floor());
        let high = 2f64.powf(high.min(1e4).log2().ceil());
        (low, high.max(low * 2.0))
    }
}

/// Draws `forest` on `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, forest: &Forest) -> DrawResult {
    root.fill(&WHITE).map_err(failed)?;
    let grey = RGBColor(80, 80, 80);
    let text = (FONT, 13).into_font().color(&BLACK);
    root.draw_text(
        &forest.title,
        &(FONT, 21).into_font().color(&BLACK),
        (16, 10),
    )
    .map_err(failed)?;
    root.draw_text(
        &forest.subtitle,
        &(FONT, 14).into_font().color(&grey),
        (16, 38),
    )
    .map_err(failed)?;
    let (low, high) = forest.range();
    let x = |v: f64| {
        let t = (v.ln() - low.ln()) / (high.ln() - low.ln());
        LEFT + (t * f64::from(RIGHT - LEFT)) as i32
    };
    let bottom = TOP + ROW * forest.rows.len() as i32;
    draw_ticks(root, (low, high), &x, bottom)?;
    root.draw_text(
        &forest.x_label,
        &(FONT, 14).into_font().color(&BLACK),
        (LEFT, bottom + 26),
    )
    .map_err(failed)?;
    let colour = PALETTE[0];
    for (i, (name, e)) in forest.rows.iter().enumerate() {
        let y = TOP + ROW * i as i32 + ROW / 2;
        root.draw_text(name, &text, (16, y - 7)).map_err(failed)?;
        root.draw(&PathElement::new(
            vec![(x(e.low), y), (x(e.high), y)],
            colour.stroke_width(2),
        ))
        .map_err(failed)?;
        root.draw(&Circle::new((x(e.value), y), 4, colour.filled()))
            .map_err(failed)?;
        root.draw_text(&format!("{:.1}", e.value), &text, (RIGHT + 8, y - 7))
            .map_err(failed)?;
    }
    draw_left_out(root, forest, bottom + 56)?;
    let (_, height) = forest.size();
    root.draw_text(
        &forest.note,
        &(FONT, 12).into_font().color(&grey),
        (16, height as i32 - 26),
    )
    .map_err(failed)
}

/// The ratio axis: a line at each power of two from `low` to `high` (1 darker), labelled
/// under the rows, which end at `bottom`.
fn draw_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (low, high): (f64, f64),
    x: &dyn Fn(f64) -> i32,
    bottom: i32,
) -> DrawResult {
    let text = (FONT, 13).into_font().color(&BLACK);
    let (grey, light) = (RGBColor(80, 80, 80), RGBColor(200, 200, 200));
    let mut tick = low;
    while tick <= high * 1.0001 {
        let at = x(tick);
        let style = if (tick - 1.0).abs() < 1e-9 {
            grey.stroke_width(2)
        } else {
            light.stroke_width(1)
        };
        root.draw(&PathElement::new(vec![(at, TOP - 8), (at, bottom)], style))
            .map_err(failed)?;
        let label = if tick < 1.0 {
            format!("{tick}")
        } else {
            format!("{tick:.0}")
        };
        root.draw_text(&label, &text, (at - 8, bottom + 6))
            .map_err(failed)?;
        tick *= 2.0;
    }
    Ok(())
}

/// The groups not drawn, by reason, from `y` down.
fn draw_left_out<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    forest: &Forest,
    mut y: i32,
) -> DrawResult {
    let text = (FONT, 13).into_font().color(&BLACK);
    let small = (FONT, 12).into_font().color(&RGBColor(60, 60, 60));
    for (why, names) in &forest.left_out {
        if names.is_empty() {
            continue;
        }
        root.draw_text(
            &format!("Not drawn, {why}: {}", names.len()),
            &text,
            (16, y),
        )
        .map_err(failed)?;
        y += 18;
        for line in super::map::wrap(&names.join(", "), 140) {
            root.draw_text(&line, &small, (16, y)).map_err(failed)?;
            y += 16;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_holds_every_interval_and_one() {
        let e = |value, low, high| Estimate { value, low, high };
        let forest = Forest {
            title: String::new(),
            subtitle: String::new(),
            x_label: String::new(),
            rows: vec![
                ("A".into(), e(3.0, 1.5, 6.5)),
                ("B".into(), e(9.0, 2.1, 30.0)),
            ],
            left_out: vec![("withheld".into(), vec!["C".into()])],
            note: String::new(),
        };
        assert_eq!(forest.range(), (1.0, 32.0));
        let below = Forest {
            rows: vec![("A".into(), e(0.6, 0.3, 1.2))],
            ..forest.clone()
        };
        assert_eq!(below.range(), (0.25, 2.0));
        let many = Forest {
            rows: vec![("A".into(), e(3.0, 1.5, 6.5)); 58],
            ..forest.clone()
        };
        assert!(many.size().1 >= 100 + 18 * 58, "{:?}", many.size());
    }
}
