//! The metrics table of a run: one row per evaluation (step, train loss, learning rate, exact-match
//! accuracy per split, then any telemetry columns such as weight norms), as a polars DataFrame in
//! `metrics.parquet`, plus the run's summary.
//!
//! ```
//! use grokked_train::metrics::{MetricsLog, MetricsRow};
//! use grokked_data::Split;
//! let mut log = MetricsLog::new(vec![Split::TrainInferred, Split::TestInferredId]);
//! log.push(MetricsRow::new(100, 1.0, 1e-3, vec![0.995, 0.3]));
//! log.push(MetricsRow::new(200, 0.1, 1e-3, vec![1.0, 0.96]));
//! let s = log.summary();
//! assert_eq!((s.train_saturated_at, s.id_95_at), (Some(100), Some(200)));
//! let df = log.to_dataframe().unwrap();
//! assert_eq!(df.height(), 2);
//! assert_eq!(MetricsLog::from_dataframe(&df).unwrap(), log);
//! ```

use grokked_data::{io::table, Split};
use grokked_model::error::{GrokError, Result};
use polars::prelude::*;
use std::path::Path;

/// A split's accuracy over the last evaluations of a run ([`MetricsLog::tail`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    /// Step of the first evaluation in the window.
    pub from_step: u64,
    /// Step of the last evaluation.
    pub to_step: u64,
    /// Evaluations in the window.
    pub evaluations: usize,
    /// Lowest accuracy.
    pub min: f64,
    /// Highest accuracy.
    pub max: f64,
    /// Mean accuracy.
    pub mean: f64,
}

/// One evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRow {
    /// Optimizer steps taken.
    pub step: u64,
    /// Mean training loss since the previous row.
    pub train_loss: f64,
    /// Learning rate at this step.
    pub lr: f64,
    /// Exact-match accuracy per split, in [`MetricsLog::splits`] order.
    pub acc: Vec<f64>,
    /// Telemetry values, in [`MetricsLog::extra`] order.
    pub extra: Vec<f64>,
}

impl MetricsRow {
    /// A row without telemetry.
    pub fn new(step: u64, train_loss: f64, lr: f64, acc: Vec<f64>) -> Self {
        MetricsRow {
            step,
            train_loss,
            lr,
            acc,
            extra: Vec::new(),
        }
    }
}

/// Steps at which a run crossed its landmarks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// First evaluated step with `train_inferred` accuracy >= 99%.
    pub train_saturated_at: Option<u64>,
    /// First evaluated step with `test_inferred_id` accuracy >= 95%.
    pub id_95_at: Option<u64>,
    /// The last row's step.
    pub last_step: u64,
    /// The last row's `test_inferred_id` accuracy.
    pub last_id_acc: Option<f64>,
    /// The last row's `test_inferred_ood` accuracy.
    pub last_ood_acc: Option<f64>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |s: Option<u64>| s.map_or("not reached".to_string(), |s| format!("step {s}"));
        let pct = |a: Option<f64>| a.map_or("-".to_string(), |a| format!("{:.1}%", 100.0 * a));
        write!(
            f,
            "train saturation (>=99%): {}; ID test >= 95%: {}; at step {}: ID {} OOD {}",
            at(self.train_saturated_at),
            at(self.id_95_at),
            self.last_step,
            pct(self.last_id_acc),
            pct(self.last_ood_acc)
        )
    }
}

/// All evaluations of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsLog {
    /// The evaluated splits, in column order.
    pub splits: Vec<Split>,
    /// The names of the telemetry columns after the splits.
    pub extra: Vec<String>,
    /// The rows, by step.
    pub rows: Vec<MetricsRow>,
}

impl MetricsLog {
    /// An empty log over `splits`.
    pub fn new(splits: Vec<Split>) -> Self {
        Self::with_extra(splits, Vec::new())
    }

    /// An empty log over `splits` with the telemetry columns `extra`.
    pub fn with_extra(splits: Vec<Split>, extra: Vec<String>) -> Self {
        MetricsLog {
            splits,
            extra,
            rows: Vec::new(),
        }
    }

    /// Renames the telemetry columns to `names`, keeping each row's values of the names it had
    /// (NaN for the others): a resumed run whose telemetry differs keeps one consistent table.
    pub fn set_extra(&mut self, names: Vec<String>) {
        if names == self.extra {
            return;
        }
        for row in &mut self.rows {
            row.extra = names
                .iter()
                .map(|n| {
                    self.extra
                        .iter()
                        .position(|old| old == n)
                        .and_then(|i| row.extra.get(i).copied())
                        .unwrap_or(f64::NAN)
                })
                .collect();
        }
        self.extra = names;
    }

    /// A telemetry column over the rows, as (step, value).
    pub fn extra_series(&self, name: &str) -> Vec<(u64, f64)> {
        let Some(i) = self.extra.iter().position(|n| n == name) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter_map(|r| r.extra.get(i).map(|v| (r.step, *v)))
            .collect()
    }

    /// Appends a row.
    pub fn push(&mut self, row: MetricsRow) {
        self.rows.push(row);
    }

    /// Accuracy of `split` over the rows, as (step, accuracy).
    pub fn series(&self, split: Split) -> Vec<(u64, f64)> {
        let Some(i) = self.splits.iter().position(|s| *s == split) else {
            return Vec::new();
        };
        self.rows.iter().map(|r| (r.step, r.acc[i])).collect()
    }

    /// The accuracy of `split` over the evaluations of the last `window` steps (those after step
    /// `last - window`): one evaluation is noisy on a small split, their spread and mean are not.
    /// `None` when the split was never evaluated, or the window is empty (`window` 0).
    ///
    /// ```
    /// use grokked_train::metrics::{MetricsLog, MetricsRow};
    /// use grokked_data::Split;
    /// let mut log = MetricsLog::new(vec![Split::TestHard]);
    /// for (step, acc) in [(500, 0.5), (1000, 0.9), (1500, 1.0), (2000, 0.95)] {
    ///     log.push(MetricsRow::new(step, 0.0, 1e-3, vec![acc]));
    /// }
    /// let t = log.tail(Split::TestHard, 1000).unwrap();
    /// assert_eq!((t.from_step, t.to_step, t.evaluations), (1500, 2000, 2));
    /// assert_eq!((t.min, t.max), (0.95, 1.0));
    /// assert!((t.mean - 0.975).abs() < 1e-12);
    /// assert!(log.tail(Split::TestInferredId, 1000).is_none());
    /// assert!(log.tail(Split::TestHard, 0).is_none());
    /// ```
    pub fn tail(&self, split: Split, window: u64) -> Option<Tail> {
        let series = self.series(split);
        let last = series.last()?.0;
        let recent: Vec<(u64, f64)> = series
            .into_iter()
            .filter(|(s, _)| *s + window > last)
            .collect();
        let from_step = recent.first()?.0;
        let acc = recent.iter().map(|(_, a)| *a);
        Some(Tail {
            from_step,
            to_step: last,
            evaluations: recent.len(),
            min: acc.clone().fold(f64::INFINITY, f64::min),
            max: acc.clone().fold(f64::NEG_INFINITY, f64::max),
            mean: acc.sum::<f64>() / recent.len() as f64,
        })
    }

    fn first_at(&self, split: Split, threshold: f64) -> Option<u64> {
        self.series(split)
            .into_iter()
            .find(|(_, a)| *a >= threshold)
            .map(|(s, _)| s)
    }

    fn last(&self, split: Split) -> Option<f64> {
        self.series(split).last().map(|(_, a)| *a)
    }

    /// The run's landmarks.
    pub fn summary(&self) -> Summary {
        Summary {
            train_saturated_at: self.first_at(Split::TrainInferred, 0.99),
            id_95_at: self.first_at(Split::TestInferredId, 0.95),
            last_step: self.rows.last().map_or(0, |r| r.step),
            last_id_acc: self.last(Split::TestInferredId),
            last_ood_acc: self.last(Split::TestInferredOod),
        }
    }

    /// The rows as a DataFrame: `step`, `train_loss`, `lr`, then one column per split.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let mut cols = vec![
            Column::new(
                "step".into(),
                self.rows.iter().map(|r| r.step).collect::<Vec<_>>(),
            ),
            Column::new(
                "train_loss".into(),
                self.rows.iter().map(|r| r.train_loss).collect::<Vec<_>>(),
            ),
            Column::new(
                "lr".into(),
                self.rows.iter().map(|r| r.lr).collect::<Vec<_>>(),
            ),
        ];
        for (i, s) in self.splits.iter().enumerate() {
            cols.push(Column::new(
                s.name().into(),
                self.rows.iter().map(|r| r.acc[i]).collect::<Vec<_>>(),
            ));
        }
        for (i, name) in self.extra.iter().enumerate() {
            cols.push(Column::new(
                name.as_str().into(),
                self.rows
                    .iter()
                    .map(|r| r.extra.get(i).copied().unwrap_or(f64::NAN))
                    .collect::<Vec<_>>(),
            ));
        }
        DataFrame::new(self.rows.len(), cols).map_err(|e| GrokError::Invalid(e.to_string()))
    }

    /// Reads a log back from a DataFrame written by [`MetricsLog::to_dataframe`]: columns named
    /// after splits are accuracies, the others after `lr` telemetry.
    pub fn from_dataframe(df: &DataFrame) -> Result<Self> {
        let err = |e: PolarsError| GrokError::Invalid(format!("metrics table: {e}"));
        let (mut splits, mut extra) = (Vec::new(), Vec::new());
        for name in df.get_column_names() {
            match name.as_str() {
                "step" | "train_loss" | "lr" => {}
                n => match n.parse::<Split>() {
                    Ok(split) => splits.push(split),
                    Err(_) => extra.push(n.to_string()),
                },
            }
        }
        let floats = |name: &str| -> Result<Vec<f64>> {
            Ok(df
                .column(name)
                .map_err(err)?
                .f64()
                .map_err(err)?
                .iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect())
        };
        let steps: Vec<u64> = df
            .column("step")
            .map_err(err)?
            .u64()
            .map_err(err)?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect();
        let (loss, lr) = (floats("train_loss")?, floats("lr")?);
        let accs = splits
            .iter()
            .map(|s| floats(s.name()))
            .collect::<Result<Vec<_>>>()?;
        let extras = extra
            .iter()
            .map(|n| floats(n))
            .collect::<Result<Vec<_>>>()?;
        let rows = (0..df.height())
            .map(|i| MetricsRow {
                step: steps[i],
                train_loss: loss[i],
                lr: lr[i],
                acc: accs.iter().map(|a| a[i]).collect(),
                extra: extras.iter().map(|a| a[i]).collect(),
            })
            .collect();
        Ok(MetricsLog {
            splits,
            extra,
            rows,
        })
    }

    /// Writes `metrics.parquet` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        table::write_parquet(&mut self.to_dataframe()?, path).map_err(Into::into)
    }

    /// Reads `metrics.parquet`.
    pub fn load(path: &Path) -> Result<Self> {
        Self::from_dataframe(&table::read_parquet(path)?)
    }
}
