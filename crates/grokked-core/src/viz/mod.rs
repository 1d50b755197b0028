//! Charts (plotters, PNG and SVG) and the font they use.
//!
//! ```
//! assert_eq!(grokked_core::viz::charts::SIZE, (900, 540));
//! ```

pub mod bands;
pub mod charts;
pub mod display;
pub mod fonts;
pub mod heatmap;
