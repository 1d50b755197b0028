//! Heatmaps (logit lens, causal tracing, attention), as PNG and SVG files or an inline SVG.
//!
//! ```
//! use grokked_viz::heatmap::{heatmap, Heatmap};
//! let dir = tempfile::tempdir().unwrap();
//! let h = Heatmap {
//!     title: "demo".into(),
//!     rows: vec!["layer 0".into(), "layer 1".into()],
//!     cols: vec!["h".into(), "r1".into()],
//!     values: vec![vec![0.1, 0.9], vec![0.5, 0.2]],
//!     range: (0.0, 1.0),
//! };
//! heatmap(&h, &dir.path().join("h")).unwrap();
//! assert!(dir.path().join("h.svg").is_file());
//! ```

use crate::render::{render, render_svg_string, DrawResult};
use grokked_model::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A matrix with labels; row 0 is drawn at the bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Caption.
    pub title: String,
    /// Row labels (y axis).
    pub rows: Vec<String>,
    /// Column labels (x axis).
    pub cols: Vec<String>,
    /// `values[row][col]`.
    pub values: Vec<Vec<f64>>,
    /// The value range the colour scale spans.
    pub range: (f64, f64),
}

fn draw_heatmap<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, h: &Heatmap) -> DrawResult {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (nr, nc) = (h.rows.len(), h.cols.len());
    let mut chart = ChartBuilder::on(&root)
        .caption(&h.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d((0..nc).into_segmented(), (0..nr).into_segmented())
        .map_err(e)?;
    let (rows, cols) = (h.rows.clone(), h.cols.clone());
    let label = |names: &[String], v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nc + 1)
        .y_labels(nr + 1)
        .x_label_formatter(&|c| label(&cols, c))
        .y_label_formatter(&|r| label(&rows, r))
        .draw()
        .map_err(e)?;
    let (lo, hi) = h.range;
    chart
        .draw_series(h.values.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, v)| {
                let color =
                    ViridisRGB::get_color_normalized(if v.is_finite() { *v } else { lo }, lo, hi);
                Rectangle::new(
                    [
                        (SegmentValue::Exact(c), SegmentValue::Exact(r)),
                        (SegmentValue::Exact(c + 1), SegmentValue::Exact(r + 1)),
                    ],
                    color.filled(),
                )
            })
        }))
        .map_err(e)?;
    chart
        .draw_series(h.values.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, v)| {
                let shade = if (v - lo) / (hi - lo).max(1e-12) > 0.6 {
                    BLACK
                } else {
                    WHITE
                };
                let style = ("sans-serif", 13)
                    .into_font()
                    .color(&shade)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                Text::new(
                    format!("{v:.2}"),
                    (SegmentValue::CenterOf(c), SegmentValue::CenterOf(r)),
                    style,
                )
            })
        }))
        .map_err(e)?;
    root.present().map_err(e)
}

/// Writes a heatmap as `STEM.png` and `STEM.svg`.
pub fn heatmap(h: &Heatmap, stem: &Path) -> Result<()> {
    let size = (
        160 + 90 * h.cols.len().max(3) as u32,
        120 + 36 * h.rows.len().max(3) as u32,
    );
    render(stem, size, |a| draw_heatmap(a, h), |a| draw_heatmap(a, h))
}

/// A heatmap as an SVG string.
pub fn heatmap_svg(h: &Heatmap) -> Result<crate::display::Svg> {
    let size = (
        160 + 90 * h.cols.len().max(3) as u32,
        120 + 36 * h.rows.len().max(3) as u32,
    );
    render_svg_string(size, |a| draw_heatmap(a, h)).map(crate::display::Svg)
}
