//! Recording an evaluation: the metrics row (mean training loss since the last one, learning
//! rate, every split's accuracy, per-hop accuracies, telemetry), its TensorBoard events and `metrics.parquet`.

use super::Trainer;
use crate::metrics::MetricsRow;
use crate::observer::TrainObserver;
use crate::schedule::learning_rate;
use crate::tensorboard::{row_scalars, EventLog};
use grokked_model::error::Result;

impl Trainer {
    /// Evaluates every split and records the row: metrics, telemetry, TensorBoard events.
    pub(super) fn record(&mut self, observer: &mut dyn TrainObserver) -> Result<()> {
        self.read_losses()?;
        let train_loss = if self.loss_count == 0 {
            f64::NAN
        } else {
            self.loss_sum / self.loss_count as f64
        };
        let t = &self.cfg.train;
        let (accs, per_hop) = self.evaluate_with_hops()?;
        let mut row = MetricsRow::new(
            self.step,
            train_loss,
            learning_rate(t.schedule, t.lr, t.warmup_steps, t.max_steps, self.step),
            accs,
        );
        row.extra = per_hop;
        if let Some(tel) = &self.telemetry {
            row.extra.extend(tel.measure(&self.model)?);
        }
        self.loss_sum = 0.0;
        self.loss_count = 0;
        self.metrics.push(row);
        observer.on_eval(&self.metrics);
        self.write_events()?;
        self.metrics.save(&self.run.metrics_file())
    }

    /// Appends the newest metrics row to the run's TensorBoard events.
    fn write_events(&mut self) -> Result<()> {
        if !self.cfg.train.tensorboard {
            return Ok(());
        }
        let Some(row) = self.metrics.rows.last() else {
            return Ok(());
        };
        if self.events.is_none() {
            self.events = Some(EventLog::open(&self.run.tensorboard_dir())?);
        }
        let scalars = row_scalars(&self.metrics, row);
        let step = row.step;
        self.events
            .as_mut()
            .expect("opened above")
            .write_scalars(step, &scalars)
    }
}
