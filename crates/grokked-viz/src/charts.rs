//! Charts drawn with plotters, each written as PNG and SVG: the grokking curve (accuracy per
//! split against step, log-scale x, with a second panel of the run's telemetry when it has any).
//!
//! ```
//! use grokked_train::metrics::{MetricsLog, MetricsRow};
//! use grokked_data::Split;
//! let mut log = MetricsLog::new(vec![Split::TrainInferred, Split::TestInferredId]);
//! for (step, a, b) in [(0, 0.0, 0.0), (100, 0.6, 0.1), (1000, 1.0, 0.97)] {
//!     log.push(MetricsRow::new(step, 1.0, 1e-3, vec![a, b]));
//! }
//! let dir = tempfile::tempdir().unwrap();
//! let stem = dir.path().join("grokking");
//! grokked_viz::charts::grokking_curve(&log, &stem).unwrap();
//! assert!(stem.with_extension("png").is_file() && stem.with_extension("svg").is_file());
//! ```

use grokked_model::error::Result;
use grokked_train::metrics::MetricsLog;
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

/// Named (x, y) series for [`line_chart`].
pub type Series = Vec<(String, Vec<(f64, f64)>)>;

/// Axes and caption of a [`line_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct LineSpec {
    /// Caption.
    pub title: String,
    /// x axis description.
    pub x_desc: String,
    /// y axis description.
    pub y_desc: String,
    /// Logarithmic x axis (values below 1 are drawn at 1).
    pub log_x: bool,
    /// y range.
    pub y_range: (f64, f64),
}

fn draw_lines<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &LineSpec,
    series: &Series,
) -> std::result::Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let xs = series.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.0));
    let x_max = xs.clone().fold(1.0f64, f64::max).max(2.0) * 1.05;
    let x_min = if spec.log_x {
        1.0
    } else {
        xs.fold(f64::INFINITY, f64::min).min(0.0)
    };
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(&spec.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56);
    let (y0, y1) = spec.y_range;
    macro_rules! finish {
        ($chart:expr, $xmap:expr) => {{
            let mut chart = $chart.map_err(e)?;
            chart
                .configure_mesh()
                .x_desc(spec.x_desc.as_str())
                .y_desc(spec.y_desc.as_str())
                .draw()
                .map_err(e)?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let pts: Vec<(f64, f64)> = pts
                    .iter()
                    .filter(|(_, y)| y.is_finite())
                    .map(|&(x, y)| ($xmap(x), y))
                    .collect();
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                    .map_err(e)?
                    .label(name.as_str())
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
        }};
    }
    if spec.log_x {
        finish!(
            builder.build_cartesian_2d((x_min..x_max).log_scale(), y0..y1),
            |x: f64| x.max(1.0)
        );
    } else {
        finish!(builder.build_cartesian_2d(x_min..x_max, y0..y1), |x: f64| x);
    }
    root.present().map_err(e)
}

/// Writes `STEM.png` and `STEM.svg` of named line series.
pub fn line_chart(spec: &LineSpec, series: &Series, stem: &Path) -> Result<()> {
    crate::render::render(
        stem,
        SIZE,
        |a| draw_lines(a, spec, series),
        |a| draw_lines(a, spec, series),
    )
}

/// Line charts stacked vertically, one per panel.
fn draw_panels<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    panels: &[(LineSpec, Series)],
) -> std::result::Result<(), String> {
    for (area, (spec, series)) in root.split_evenly((panels.len(), 1)).into_iter().zip(panels) {
        draw_lines(area, spec, series)?;
    }
    Ok(())
}

/// The panels of a run's chart: accuracy per split and, when the run recorded telemetry, the
/// total weight norm and logit scale (each over its maximum) and the bridge's best logit-lens
/// MRR over the layers.
fn grokking_panels(log: &MetricsLog) -> Vec<(LineSpec, Series)> {
    let accuracy = LineSpec {
        title: "Accuracy per split: memorisation, then grokking".into(),
        x_desc: "optimization step (log scale)".into(),
        y_desc: "exact-match accuracy".into(),
        log_x: true,
        y_range: (0.0, 1.02),
    };
    let series: Series = log
        .splits
        .iter()
        .map(|s| {
            (
                s.name().to_string(),
                log.series(*s)
                    .into_iter()
                    .map(|(x, y)| (x as f64, y))
                    .collect(),
            )
        })
        .collect();
    let mut panels = vec![(accuracy, series)];
    let relative = |name: &str| -> Vec<(f64, f64)> {
        let pts = log.extra_series(name);
        let max = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        pts.into_iter().map(|(x, y)| (x as f64, y / max)).collect()
    };
    let mut telemetry: Series = Vec::new();
    for (name, label) in [
        ("weight_norm", "weight norm / its max"),
        ("logit_scale", "logit scale / its max"),
    ] {
        if log.extra.iter().any(|n| n == name) {
            telemetry.push((label.into(), relative(name)));
        }
    }
    let bridge: Vec<usize> = (0..log.extra.len())
        .filter(|&i| log.extra[i].starts_with("bridge_mrr_"))
        .collect();
    if !bridge.is_empty() {
        let best = log
            .rows
            .iter()
            .map(|r| {
                let m = bridge
                    .iter()
                    .filter_map(|&i| r.extra.get(i).copied())
                    .fold(f64::NAN, f64::max);
                (r.step as f64, m)
            })
            .collect();
        telemetry.push(("bridge MRR at r1 (best layer)".into(), best));
    }
    if !telemetry.is_empty() {
        let spec = LineSpec {
            title: "What changes through the transition".into(),
            x_desc: "optimization step (log scale)".into(),
            y_desc: "relative value / MRR".into(),
            log_x: true,
            y_range: (0.0, 1.05),
        };
        panels.push((spec, telemetry));
    }
    panels
}

/// Writes `STEM.png` and `STEM.svg` of a run's accuracy curves (and telemetry).
pub fn grokking_curve(log: &MetricsLog, stem: &Path) -> Result<()> {
    let panels = grokking_panels(log);
    let size = (SIZE.0, SIZE.1 * panels.len() as u32);
    crate::render::render(
        stem,
        size,
        |a| draw_panels(a, &panels),
        |a| draw_panels(a, &panels),
    )
}

/// A run's accuracy curves (and telemetry) as an SVG string (shown inline in notebooks).
pub fn grokking_curve_svg(log: &MetricsLog) -> Result<super::display::Svg> {
    let panels = grokking_panels(log);
    let size = (SIZE.0, SIZE.1 * panels.len() as u32);
    crate::render::render_svg_string(size, |a| draw_panels(a, &panels)).map(super::display::Svg)
}

/// Named line series as an SVG string (for inline display in notebooks).
pub fn line_chart_svg(spec: &LineSpec, series: &Series) -> Result<super::display::Svg> {
    crate::render::render_svg_string(SIZE, |a| draw_lines(a, spec, series)).map(super::display::Svg)
}
