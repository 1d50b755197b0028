//! What a training run reports as it goes: [`TrainObserver`], with an empty default for every
//! event, [`Silent`], and a pair of observers as one.
//!
//! ```
//! use grokked_train::observer::{Silent, TrainObserver};
//! struct Steps(u64);
//! impl TrainObserver for Steps {
//!     fn on_step(&mut self, _step: u64, _loss: Option<f64>) { self.0 += 1; }
//! }
//! let mut both = (Steps(0), Silent);
//! both.on_step(1, None);
//! both.on_step(2, Some(0.5));
//! assert_eq!(both.0 .0, 2);
//! ```

use crate::metrics::{MetricsLog, Summary};
use std::path::Path;

/// Receives progress from [`Trainer::run`]; every method has an empty default.
pub trait TrainObserver {
    /// Before the first step (`start` is non-zero after a resume).
    fn on_start(&mut self, _start: u64, _max_steps: u64) {}
    /// After each optimizer step; `loss` is the step's loss when it was read back from the
    /// device (every [`LOSS_READ_EVERY`] steps and before evaluations and checkpoints).
    fn on_step(&mut self, _step: u64, _loss: Option<f64>) {}
    /// After each evaluation: `metrics` holds every evaluation so far, the new one last.
    fn on_eval(&mut self, _metrics: &MetricsLog) {}
    /// After a checkpoint is written.
    fn on_checkpoint(&mut self, _step: u64, _dir: &Path) {}
    /// When the run ends, with every evaluation of the run (also those before a resume).
    fn on_finish(&mut self, _summary: &Summary, _metrics: &MetricsLog) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl TrainObserver for Silent {}

/// Two observers, called in order.
impl<A: TrainObserver, B: TrainObserver> TrainObserver for (A, B) {
    fn on_start(&mut self, start: u64, max_steps: u64) {
        self.0.on_start(start, max_steps);
        self.1.on_start(start, max_steps);
    }
    fn on_step(&mut self, step: u64, loss: Option<f64>) {
        self.0.on_step(step, loss);
        self.1.on_step(step, loss);
    }
    fn on_eval(&mut self, metrics: &MetricsLog) {
        self.0.on_eval(metrics);
        self.1.on_eval(metrics);
    }
    fn on_checkpoint(&mut self, step: u64, dir: &Path) {
        self.0.on_checkpoint(step, dir);
        self.1.on_checkpoint(step, dir);
    }
    fn on_finish(&mut self, summary: &Summary, metrics: &MetricsLog) {
        self.0.on_finish(summary, metrics);
        self.1.on_finish(summary, metrics);
    }
}
