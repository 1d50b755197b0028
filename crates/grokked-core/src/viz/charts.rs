//! Charts drawn with plotters, each written as PNG and SVG: the grokking curve (accuracy per
//! split against step, log-scale x).
//!
//! ```
//! use grokked_core::train::metrics::{MetricsLog, MetricsRow};
//! use grokked_data::Split;
//! let mut log = MetricsLog::new(vec![Split::TrainInferred, Split::TestInferredId]);
//! for (step, a, b) in [(0, 0.0, 0.0), (100, 0.6, 0.1), (1000, 1.0, 0.97)] {
//!     log.push(MetricsRow { step, train_loss: 1.0, lr: 1e-3, acc: vec![a, b] });
//! }
//! let dir = tempfile::tempdir().unwrap();
//! let stem = dir.path().join("grokking");
//! grokked_core::viz::charts::grokking_curve(&log, &stem).unwrap();
//! assert!(stem.with_extension("png").is_file() && stem.with_extension("svg").is_file());
//! ```

use crate::error::{GrokError, Result};
use crate::train::metrics::MetricsLog;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Colours of the splits, in metrics order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (900, 540);

fn draw_curve<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    log: &MetricsLog,
    title: &str,
) -> std::result::Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let max_step = log.rows.iter().map(|r| r.step).max().unwrap_or(1).max(10) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d((1f64..max_step * 1.05).log_scale(), 0f64..1.02)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("optimization step (log scale)")
        .y_desc("exact-match accuracy")
        .draw()
        .map_err(e)?;
    for (i, split) in log.splits.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = log
            .series(*split)
            .into_iter()
            .filter(|(_, a)| a.is_finite())
            .map(|(s, a)| ((s as f64).max(1.0), a))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(e)?
            .label(split.name())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// Writes `STEM.png` and `STEM.svg` of a run's accuracy curves.
pub fn grokking_curve(log: &MetricsLog, stem: &Path) -> Result<()> {
    super::fonts::ensure_font()?;
    if let Some(dir) = stem.parent() {
        std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
    }
    let title = "Accuracy per split: memorisation, then grokking";
    let png = stem.with_extension("png");
    draw_curve(
        BitMapBackend::new(&png, SIZE).into_drawing_area(),
        log,
        title,
    )
    .map_err(|m| GrokError::format(&png, m))?;
    let svg = stem.with_extension("svg");
    draw_curve(SVGBackend::new(&svg, SIZE).into_drawing_area(), log, title)
        .map_err(|m| GrokError::format(&svg, m))
}
