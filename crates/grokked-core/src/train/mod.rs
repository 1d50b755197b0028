//! Training to grokking: run configs, the AdamW optimizer, schedules, data order, evaluation,
//! checkpoints, metrics and the trainer.
//!
//! ```
//! use grokked_core::train::{learning_rate, ScheduleKind};
//! assert_eq!(learning_rate(ScheduleKind::Constant, 1e-3, 0, 100, 10), 1e-3);
//! ```

pub mod batches;
pub mod chart_observer;
pub mod checkpoint;
pub mod config;
pub mod config_checks;
pub mod eval;
pub mod grad_filters;
pub mod metrics;
pub mod muon;
pub mod notebook_progress;
pub mod optim;
pub mod progress;
pub mod run_dir;
pub mod run_lock;
pub mod schedule;
pub mod telemetry;
pub mod tensorboard;
pub mod trainer;

pub use config::{
    AuxBridgeConfig, GrokfastConfig, Interval, LossKind, ModelSection, MuonConfig, RunConfig,
    ScheduleKind, TrainSection,
};
pub use metrics::{MetricsLog, MetricsRow, Summary, Tail};
pub use run_dir::{LoadedRun, RunDir};
pub use schedule::learning_rate;
pub use trainer::{ResumeOptions, TrainObserver, Trainer};
