//! Training progress for notebooks: each evaluation as one printed line (notebook kernels stream
//! stdout while a cell runs) and the grokking curve so far as inline SVG every few evaluations and
//! at the end.
//!
//! ```
//! use grokked_data::Split;
//! use grokked_train::{MetricsLog, MetricsRow, TrainObserver};
//! use grokked_viz::notebook_progress::NotebookProgress;
//! let mut live = NotebookProgress::new(0); // lines only, no curves
//! let mut log = MetricsLog::new(vec![Split::TrainInferred]);
//! log.push(MetricsRow::new(100, 0.5, 1e-3, vec![0.25]));
//! live.on_eval(&log);
//! assert_eq!(live.log().unwrap().rows.len(), 1);
//! ```

use crate::charts::grokking_curve_svg;
use grokked_train::metrics::{MetricsLog, Summary};
use grokked_train::observer::TrainObserver;
use grokked_train::progress::format_eval_line;

/// Prints evaluations as lines and shows the curve every `curve_every` evaluations and at the end
/// (`curve_every` 0: lines only).
#[derive(Debug, Clone, Default)]
pub struct NotebookProgress {
    curve_every: usize,
    log: Option<MetricsLog>,
}

impl NotebookProgress {
    /// Lines for every evaluation; curves every `curve_every` evaluations and at the end.
    pub fn new(curve_every: usize) -> Self {
        NotebookProgress {
            curve_every,
            log: None,
        }
    }

    /// The evaluations seen so far.
    pub fn log(&self) -> Option<&MetricsLog> {
        self.log.as_ref()
    }

    fn show_curve(&self) {
        if let Some(log) = &self.log {
            match grokking_curve_svg(log) {
                Ok(svg) => svg.evcxr_display(),
                Err(e) => println!("(no curve: {e})"),
            }
        }
    }
}

impl TrainObserver for NotebookProgress {
    fn on_start(&mut self, start: u64, max_steps: u64) {
        println!("training from step {start} to at most {max_steps}");
    }

    fn on_eval(&mut self, metrics: &MetricsLog) {
        let Some(row) = metrics.rows.last() else {
            return;
        };
        println!("{}", format_eval_line(&metrics.splits, row));
        let n = self.log.as_ref().map_or(0, |l| l.rows.len()) + 1;
        self.log = Some(metrics.clone());
        if self.curve_every > 0 && n.is_multiple_of(self.curve_every) {
            self.show_curve();
        }
    }

    fn on_finish(&mut self, summary: &Summary, _metrics: &MetricsLog) {
        println!("{summary}");
        if self.curve_every > 0 {
            self.show_curve();
        }
    }
}
