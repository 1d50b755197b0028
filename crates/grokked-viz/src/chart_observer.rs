//! Plotting as an observer: [`GrokkingChart`] draws a run's grokking curve into
//! `plots/grokking.png|svg` when training finishes, so the trainer itself draws nothing.
//!
//! ```
//! use grokked_viz::chart_observer::GrokkingChart;
//! use grokked_train::{MetricsLog, MetricsRow, TrainObserver};
//! use grokked_data::Split;
//! let dir = tempfile::tempdir().unwrap();
//! let mut log = MetricsLog::new(vec![Split::TestInferredId]);
//! log.push(MetricsRow::new(0, 1.0, 1e-3, vec![0.0]));
//! log.push(MetricsRow::new(100, 0.1, 1e-3, vec![0.97]));
//! let mut chart = GrokkingChart::new(dir.path().join("grokking"));
//! chart.on_finish(&log.summary(), &log);
//! assert!(chart.outcome().unwrap().is_ok());
//! assert!(dir.path().join("grokking.png").is_file());
//! ```

use grokked_model::error::Result;
use grokked_train::metrics::{MetricsLog, Summary};
use grokked_train::observer::TrainObserver;
use grokked_train::run_dir::RunDir;
use std::path::PathBuf;

/// Draws the grokking curve when a run finishes.
#[derive(Debug)]
pub struct GrokkingChart {
    stem: PathBuf,
    outcome: Option<Result<()>>,
}

impl GrokkingChart {
    /// Writes `STEM.png` and `STEM.svg`.
    pub fn new(stem: impl Into<PathBuf>) -> Self {
        GrokkingChart {
            stem: stem.into(),
            outcome: None,
        }
    }

    /// Writes the run's `plots/grokking.png|svg`.
    pub fn for_run(run: &RunDir) -> Self {
        Self::new(run.plots_dir().join("grokking"))
    }

    /// The chart's path without extension.
    pub fn stem(&self) -> &std::path::Path {
        &self.stem
    }

    /// Whether drawing worked (`None` before the run finished). A chart that cannot be drawn
    /// (no font, say) does not fail training; the caller reports it.
    pub fn outcome(&self) -> Option<&Result<()>> {
        self.outcome.as_ref()
    }
}

impl TrainObserver for GrokkingChart {
    fn on_finish(&mut self, _summary: &Summary, metrics: &MetricsLog) {
        self.outcome = Some(crate::charts::grokking_curve(metrics, &self.stem));
    }
}
