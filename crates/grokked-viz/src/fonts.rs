//! The font charts draw text with: a TrueType file found once on the system (DejaVu Sans or
//! Liberation Sans in the usual places, or the file named by `GROKKED_FONT`), registered with
//! plotters as `sans-serif`.
//!
//! ```
//! // On a machine without any of the known fonts this returns an error naming GROKKED_FONT.
//! let _ = grokked_viz::fonts::ensure_font();
//! ```

use grokked_model::error::{GrokError, Result};
use plotters::style::FontStyle;
use std::path::PathBuf;
use std::sync::OnceLock;

const CANDIDATES: [&str; 6] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
];

static FONT: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();

fn find_and_register() -> std::result::Result<PathBuf, String> {
    let from_env = std::env::var_os("GROKKED_FONT").map(PathBuf::from);
    let path = from_env
        .into_iter()
        .chain(CANDIDATES.iter().map(PathBuf::from))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "no TrueType font found for charts: set GROKKED_FONT to a .ttf file".to_string()
        })?;
    let bytes: &'static [u8] = Box::leak(
        std::fs::read(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .into_boxed_slice(),
    );
    for style in [FontStyle::Normal, FontStyle::Bold] {
        plotters::style::register_font("sans-serif", style, bytes)
            .map_err(|_| format!("{}: not a usable font", path.display()))?;
    }
    Ok(path)
}

/// Registers the chart font (once) and returns its file.
pub fn ensure_font() -> Result<PathBuf> {
    FONT.get_or_init(find_and_register)
        .clone()
        .map_err(GrokError::Invalid)
}
