//! A terminal progress bar (indicatif) for training: step, loss and the latest accuracies.
//!
//! ```
//! use grokked_train::{progress::ProgressBarObserver, observer::TrainObserver};
//! let mut bar = ProgressBarObserver::hidden();
//! bar.on_start(0, 10);
//! bar.on_step(1, Some(2.5));
//! ```

use crate::metrics::{MetricsLog, MetricsRow, Summary};
use crate::observer::TrainObserver;
use grokked_data::Split;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;

/// Shows a progress bar on stderr and prints each evaluation above it.
#[derive(Debug)]
pub struct ProgressBarObserver {
    bar: ProgressBar,
    last_acc: String,
    print_evals: bool,
}

impl Default for ProgressBarObserver {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBarObserver {
    /// A bar on stderr (hidden when stderr is not a terminal, where evaluations print as lines).
    pub fn new() -> Self {
        ProgressBarObserver {
            bar: ProgressBar::new(0),
            last_acc: String::new(),
            print_evals: true,
        }
    }

    /// A bar that draws nothing (tests).
    pub fn hidden() -> Self {
        ProgressBarObserver {
            bar: ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden()),
            last_acc: String::new(),
            print_evals: false,
        }
    }
}

/// "id 95.3% ood 0.0% ..." for a metrics row.
pub fn format_accuracies(splits: &[Split], row: &MetricsRow) -> String {
    splits
        .iter()
        .zip(&row.acc)
        .map(|(s, a)| format!("{} {:.1}%", s.name(), 100.0 * a))
        .collect::<Vec<_>>()
        .join("  ")
}

/// `step N  loss L  <accuracies>`: one evaluation as a line.
pub fn format_eval_line(splits: &[Split], row: &MetricsRow) -> String {
    format!(
        "step {:>7}  loss {:.4}  {}",
        row.step,
        row.train_loss,
        format_accuracies(splits, row)
    )
}

impl TrainObserver for ProgressBarObserver {
    fn on_start(&mut self, start: u64, max_steps: u64) {
        self.bar.set_length(max_steps);
        self.bar.set_position(start);
        self.bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} steps {per_sec} eta {eta} | {msg}")
                .expect("valid template"),
        );
    }

    fn on_step(&mut self, step: u64, loss: Option<f64>) {
        self.bar.set_position(step);
        if let Some(loss) = loss {
            self.bar
                .set_message(format!("loss {loss:.4} | {}", self.last_acc));
        }
    }

    fn on_eval(&mut self, metrics: &MetricsLog) {
        let Some(row) = metrics.rows.last() else {
            return;
        };
        self.last_acc = format_accuracies(&metrics.splits, row);
        if self.print_evals {
            let line = format_eval_line(&metrics.splits, row);
            if self.bar.is_hidden() {
                eprintln!("{line}");
            } else {
                self.bar.println(line);
            }
        }
    }

    fn on_checkpoint(&mut self, _step: u64, _dir: &Path) {}

    fn on_finish(&mut self, summary: &Summary, _metrics: &MetricsLog) {
        self.bar.finish_and_clear();
        if self.print_evals {
            println!("{summary}");
        }
    }
}
