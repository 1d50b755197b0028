//! The renderer every chart calls: one drawing function, written as PNG and SVG side by side, or
//! into an SVG string for inline display.
//!
//! ```
//! use grokked_viz::render::{render, DrawResult};
//! use plotters::prelude::*;
//! let dir = tempfile::tempdir().unwrap();
//! fn blank<DB: DrawingBackend>(a: DrawingArea<DB, plotters::coord::Shift>) -> DrawResult {
//!     a.fill(&WHITE).map_err(|e| e.to_string())
//! }
//! render(&dir.path().join("blank"), (40, 30), |a| blank(a), |a| blank(a)).unwrap();
//! assert!(dir.path().join("blank.png").is_file() && dir.path().join("blank.svg").is_file());
//! ```

use grokked_model::error::{GrokError, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// What a drawing function returns: plotters' error as text.
pub type DrawResult = std::result::Result<(), String>;

/// Draws a chart onto a PNG and an SVG of `size` at `STEM.png` / `STEM.svg` (one closure per
/// backend, since plotters' backends are distinct types).
pub fn render(
    stem: &Path,
    size: (u32, u32),
    png: impl Fn(DrawingArea<BitMapBackend, Shift>) -> DrawResult,
    svg: impl Fn(DrawingArea<SVGBackend, Shift>) -> DrawResult,
) -> Result<()> {
    crate::fonts::ensure_font()?;
    if let Some(dir) = stem.parent() {
        std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
    }
    let png_path = stem.with_extension("png");
    png(BitMapBackend::new(&png_path, size).into_drawing_area())
        .map_err(|m| GrokError::format(&png_path, m))?;
    let svg_path = stem.with_extension("svg");
    svg(SVGBackend::new(&svg_path, size).into_drawing_area())
        .map_err(|m| GrokError::format(&svg_path, m))
}

/// Draws a chart into an SVG string (for inline display in notebooks).
pub fn render_svg_string(
    size: (u32, u32),
    svg: impl Fn(DrawingArea<SVGBackend, Shift>) -> DrawResult,
) -> Result<String> {
    crate::fonts::ensure_font()?;
    let mut buf = String::new();
    svg(SVGBackend::with_string(&mut buf, size).into_drawing_area()).map_err(GrokError::Invalid)?;
    Ok(buf)
}
