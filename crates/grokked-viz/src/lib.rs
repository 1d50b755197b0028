//! grokked-viz: charts over plain data (plotters, PNG and SVG), their display in a notebook, and
//! the training observers that draw them ([`chart_observer`], [`notebook_progress`]).
//!
//! ```
//! assert_eq!(grokked_viz::charts::SIZE, (900, 540));
//! ```

pub mod bands;
pub mod bars;
pub mod chart_observer;
pub mod charts;
pub mod display;
pub mod fonts;
pub mod heatmap;
pub mod notebook_progress;
pub mod render;
