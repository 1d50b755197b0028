//! Line charts with a band per series: the mean over seeds as a line, their spread (minimum to
//! maximum, widened by each run's own interval when it has one) as a shaded band, written as PNG
//! and SVG.
//!
//! ```
//! use grokked_viz::bands::{band_chart, Band};
//! use grokked_viz::charts::LineSpec;
//! let spec = LineSpec { title: "t".into(), x_desc: "step".into(), y_desc: "acc".into(), log_x: false, y_range: (0.0, 1.0) };
//! let band = Band::from_runs("phi 7.2", &[vec![(0.0, 0.0), (100.0, 0.25)], vec![(0.0, 0.5), (100.0, 0.75)]]);
//! assert_eq!(band.points[1], (100.0, 0.5, 0.25, 0.75));
//! let dir = tempfile::tempdir().unwrap();
//! band_chart(&spec, &[band], &dir.path().join("bands")).unwrap();
//! assert!(dir.path().join("bands.svg").is_file());
//! ```

use super::charts::{LineSpec, SIZE};
use grokked_model::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One run's curve with an interval at each point: `(x, y, lo, hi)`.
pub type IntervalCurve = Vec<(f64, f64, f64, f64)>;

/// One setting across seeds: `(x, mean, min, max)` at each x.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The setting's name (legend).
    pub name: String,
    /// `(x, mean, min, max)`, by x.
    pub points: Vec<(f64, f64, f64, f64)>,
}

impl Band {
    /// The band of several runs' `(x, y)` curves: at every x any run has, each run's value is its
    /// last value at or before x (a run that stopped early keeps its final value), and runs that
    /// have not started by x are left out.
    pub fn from_runs(name: &str, runs: &[Vec<(f64, f64)>]) -> Self {
        let runs: Vec<IntervalCurve> = runs
            .iter()
            .map(|r| r.iter().map(|&(x, y)| (x, y, y, y)).collect())
            .collect();
        Self::from_runs_with_intervals(name, &runs)
    }

    /// [`Band::from_runs`] for curves whose every value has an interval `(x, y, lo, hi)`: the
    /// band runs from the lowest `lo` to the highest `hi` of the runs at each x, so it covers
    /// both the spread over seeds and each run's own interval, whichever is wider.
    ///
    /// ```
    /// use grokked_viz::bands::Band;
    /// let runs = [vec![(0.0, 0.5, 0.4, 0.6)], vec![(0.0, 0.7, 0.65, 0.75)]];
    /// let band = Band::from_runs_with_intervals("s", &runs);
    /// assert_eq!(band.points, [(0.0, 0.6, 0.4, 0.75)]);
    /// ```
    pub fn from_runs_with_intervals(name: &str, runs: &[IntervalCurve]) -> Self {
        let mut xs: Vec<f64> = runs.iter().flatten().map(|p| p.0).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let points = xs
            .into_iter()
            .filter_map(|x| {
                let at: Vec<(f64, f64, f64)> = runs
                    .iter()
                    .filter_map(|r| r.iter().rev().find(|p| p.0 <= x))
                    .map(|p| (p.1, p.2, p.3))
                    .filter(|p| p.0.is_finite())
                    .collect();
                if at.is_empty() {
                    return None;
                }
                let mean = at.iter().map(|p| p.0).sum::<f64>() / at.len() as f64;
                let lo = at
                    .iter()
                    .map(|p| p.1.min(p.0))
                    .fold(f64::INFINITY, f64::min);
                let hi = at
                    .iter()
                    .map(|p| p.2.max(p.0))
                    .fold(f64::NEG_INFINITY, f64::max);
                Some((x, mean, lo, hi))
            })
            .collect();
        Band {
            name: name.to_string(),
            points,
        }
    }
}

/// Colours of the bands, in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn draw_bands<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &LineSpec,
    bands: &[Band],
) -> std::result::Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let x_max = bands
        .iter()
        .flat_map(|b| b.points.iter().map(|p| p.0))
        .fold(2.0f64, f64::max)
        * 1.05;
    let map = |x: f64| if spec.log_x { x.max(1.0) } else { x };
    let (y0, y1) = spec.y_range;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(&spec.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56);
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart.map_err(e)?;
            chart
                .configure_mesh()
                .x_desc(spec.x_desc.as_str())
                .y_desc(spec.y_desc.as_str())
                .x_label_formatter(&|x| format!("{x:.0}"))
                .draw()
                .map_err(e)?;
            for (i, band) in bands.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let upper = band.points.iter().map(|p| (map(p.0), p.3));
                let lower = band.points.iter().rev().map(|p| (map(p.0), p.2));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        upper.chain(lower).collect::<Vec<_>>(),
                        color.mix(0.18).filled(),
                    )))
                    .map_err(e)?;
                chart
                    .draw_series(LineSeries::new(
                        band.points.iter().map(|p| (map(p.0), p.1)),
                        color.stroke_width(2),
                    ))
                    .map_err(e)?
                    .label(band.name.as_str())
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
        finish!(builder.build_cartesian_2d((1.0..x_max).log_scale(), y0..y1));
    } else {
        finish!(builder.build_cartesian_2d(0.0..x_max, y0..y1));
    }
    root.present().map_err(e)
}

/// Writes `STEM.png` and `STEM.svg` of `bands`.
pub fn band_chart(spec: &LineSpec, bands: &[Band], stem: &Path) -> Result<()> {
    crate::render::render(
        stem,
        SIZE,
        |a| draw_bands(a, spec, bands),
        |a| draw_bands(a, spec, bands),
    )
}

/// `bands` as an SVG string (shown inline in notebooks).
pub fn band_chart_svg(spec: &LineSpec, bands: &[Band]) -> Result<super::display::Svg> {
    crate::render::render_svg_string(SIZE, |a| draw_bands(a, spec, bands)).map(super::display::Svg)
}
