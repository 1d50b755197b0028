//! Bar charts (attributions, grouped comparisons), as PNG and SVG.
//!
//! ```
//! use grokked_viz::bars::{bars, Bars};
//! let dir = tempfile::tempdir().unwrap();
//! let b = Bars::signed("attributions", "attribution", &["<e_1>".into(), "<r_2>".into()], &[0.7, -0.2]);
//! bars(&b, &dir.path().join("b")).unwrap();
//! assert!(dir.path().join("b.png").is_file() && dir.path().join("b.svg").is_file());
//! ```

use crate::render::{render, DrawResult};
use grokked_model::error::{GrokError, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

fn draw_bars<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, b: &Bars) -> DrawResult {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let lo = b.values.iter().copied().fold(0.0f64, f64::min);
    let hi = b.values.iter().copied().fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.1).max(1e-6);
    let (bottom, top) = (lo - pad, hi + pad);
    // Headroom above the tallest bar for the legend, so that it never covers a bar.
    let plot_px = (f64::from(root.dim_in_pixel().1) - CHROME_PX).max(1.0);
    let legend_px = legend_height(b.series.len()).min(plot_px / 2.0);
    let top = top + (top - bottom) * legend_px / (plot_px - legend_px);
    let mut chart = ChartBuilder::on(&root)
        .caption(&b.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        // `0..=n-1` as segments: one segment per bar, each label at its bar's centre.
        .build_cartesian_2d(
            (0..b.labels.len().saturating_sub(1)).into_segmented(),
            bottom..top,
        )
        .map_err(e)?;
    let names = b.labels.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(b.labels.len() + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_desc(b.y_desc.as_str())
        .draw()
        .map_err(e)?;
    if b.series.is_empty() {
        chart
            .draw_series(b.values.iter().enumerate().map(|(i, v)| {
                let color = if *v >= 0.0 {
                    SERIES_COLORS[0]
                } else {
                    SERIES_COLORS[1]
                };
                Rectangle::new(bar_corners(i, *v), color.filled())
            }))
            .map_err(e)?;
        return root.present().map_err(e);
    }
    for (s, name) in b.series.iter().enumerate() {
        let color = SERIES_COLORS[s % SERIES_COLORS.len()];
        chart
            .draw_series(
                b.values
                    .iter()
                    .zip(&b.series_of)
                    .enumerate()
                    .filter(|(_, (_, of))| **of == s)
                    .map(|(i, (v, _))| Rectangle::new(bar_corners(i, *v), color.filled())),
            )
            .map_err(e)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    // White outlines keep neighbouring bars of one colour apart.
    chart
        .draw_series(
            b.values
                .iter()
                .enumerate()
                .map(|(i, v)| Rectangle::new(bar_corners(i, *v), WHITE.stroke_width(4))),
        )
        .map_err(e)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// Pixels of a bar chart's height outside its plotting area: margins, caption and x labels.
const CHROME_PX: f64 = 2.0 * 12.0 + 30.0 + 40.0;

/// Pixels the legend of `series` entries takes from the top of the plotting area, with a gap
/// under it (none without series: no legend is drawn).
fn legend_height(series: usize) -> f64 {
    if series == 0 {
        0.0
    } else {
        20.0 * series as f64 + 26.0
    }
}

/// The corners of bar `i` of height `v`: it fills its segment.
fn bar_corners(i: usize, v: f64) -> [(SegmentValue<usize>, f64); 2] {
    [
        (SegmentValue::Exact(i), 0.0),
        (SegmentValue::Exact(i + 1), v),
    ]
}

/// Bar colours: one per series (or positive / negative for signed bars).
const SERIES_COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(127, 127, 127),
    RGBColor(44, 160, 44),
];

/// A bar chart: one bar per label, either coloured by sign or grouped into named series (shown in
/// a legend).
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Caption.
    pub title: String,
    /// What the y axis measures.
    pub y_desc: String,
    /// One label per bar (x axis).
    pub labels: Vec<String>,
    /// One value per bar.
    pub values: Vec<f64>,
    /// Series names; empty: bars are coloured by sign.
    pub series: Vec<String>,
    /// Per bar, the index of its series in `series`.
    pub series_of: Vec<usize>,
}

impl Bars {
    /// Bars coloured by sign (attributions).
    pub fn signed(title: &str, y_desc: &str, labels: &[String], values: &[f64]) -> Bars {
        Bars {
            title: title.into(),
            y_desc: y_desc.into(),
            labels: labels.to_vec(),
            values: values.to_vec(),
            series: Vec::new(),
            series_of: Vec::new(),
        }
    }
}

/// Writes a bar chart as `STEM.png` and `STEM.svg`.
pub fn bars(b: &Bars, stem: &Path) -> Result<()> {
    if b.labels.len() != b.values.len()
        || (!b.series.is_empty() && b.series_of.len() != b.values.len())
        || b.series_of.iter().any(|&s| s >= b.series.len())
    {
        return Err(GrokError::Invalid(format!(
            "bar chart {:?}: {} labels, {} values, {} series indices for {} series",
            b.title,
            b.labels.len(),
            b.values.len(),
            b.series_of.len(),
            b.series.len()
        )));
    }
    // Each bar gets at least the width of its longest label (about 6 px a character).
    let longest = b
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let size = (
        200 + (6 * longest).max(90) * b.labels.len().max(3) as u32,
        420 + legend_height(b.series.len()) as u32,
    );
    render(stem, size, |a| draw_bars(a, b), |a| draw_bars(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of attribute `name` in one SVG element's line.
    fn attr(line: &str, name: &str) -> f64 {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn each_bar_label_sits_under_its_bar() {
        let labels: Vec<String> = ["a long label under the first bar", "b", "c", "d"]
            .map(String::from)
            .to_vec();
        let b = Bars::signed("t", "y", &labels, &[0.5, -0.25, 1.0, 0.75]);
        let dir = tempfile::tempdir().unwrap();
        bars(&b, &dir.path().join("b")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("b.svg")).unwrap();
        let lines: Vec<&str> = svg.lines().collect();
        let width = attr(lines[1], "width");
        assert!(
            width >= 4.0 * 6.0 * labels[0].len() as f64,
            "room for the longest label"
        );
        // The bars: filled rectangles in the series colours (not the background or outlines).
        let mut spans: Vec<(f64, f64)> = lines
            .iter()
            .filter(|l| {
                l.starts_with("<rect")
                    && SERIES_COLORS[..2].iter().any(|c| {
                        l.contains(&format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2))
                    })
            })
            .map(|l| (attr(l, "x"), attr(l, "x") + attr(l, "width")))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(spans.len(), labels.len(), "{svg}");
        for (i, label) in labels.iter().enumerate() {
            let at = lines.iter().position(|l| l.trim() == label).unwrap();
            let x = attr(lines[at - 1], "x");
            assert!(
                spans[i].0 < x && x < spans[i].1,
                "{label} at {x}, bar {:?}",
                spans[i]
            );
            assert!((x - (spans[i].0 + spans[i].1) / 2.0).abs() < 2.0, "centred");
        }
    }

    #[test]
    fn the_legend_sits_above_every_bar() {
        let labels: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let b = Bars {
            title: "t".into(),
            y_desc: "y".into(),
            labels,
            values: vec![0.9, 0.5, 1.0, 0.3, 0.99],
            series: ["one", "two", "three", "four"].map(String::from).to_vec(),
            series_of: vec![0, 0, 1, 3, 2],
        };
        let dir = tempfile::tempdir().unwrap();
        bars(&b, &dir.path().join("b")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("b.svg")).unwrap();
        let rects: Vec<&str> = svg.lines().filter(|l| l.starts_with("<rect")).collect();
        let filled = |c: &RGBColor| format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
        // The tallest bar's top edge, and the legend's frame (the one black-bordered rectangle).
        let bar_top = rects
            .iter()
            .filter(|l| {
                l.contains("height") && SERIES_COLORS.iter().any(|c| l.contains(&filled(c)))
            })
            .filter(|l| attr(l, "width") > 20.0)
            .map(|l| attr(l, "y"))
            .fold(f64::INFINITY, f64::min);
        let frame: Vec<&&str> = rects
            .iter()
            .filter(|l| l.contains("stroke=\"#000000\""))
            .collect();
        assert_eq!(frame.len(), 1, "{svg}");
        let legend_bottom = attr(frame[0], "y") + attr(frame[0], "height");
        assert!(bar_top.is_finite(), "{svg}");
        assert!(
            legend_bottom < bar_top,
            "legend to {legend_bottom}, bars from {bar_top}"
        );
    }
}
