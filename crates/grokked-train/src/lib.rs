//! grokked-train: training to grokking and the run folder it writes: run configs, optimizers and
//! gradient filters, the trainer, evaluation, checkpoints, metrics, telemetry and TensorBoard events.
//!
//! ```
//! use grokked_train::{learning_rate, ScheduleKind};
//! assert_eq!(learning_rate(ScheduleKind::Constant, 1e-3, 0, 100, 10), 1e-3);
//! ```

pub mod batches;
pub mod checkpoint;
pub mod config;
pub mod config_checks;
pub mod eval;
pub mod grad_filters;
pub mod metrics;
pub mod muon;
pub mod observer;
pub mod optim;
pub mod optim_config;
pub mod progress;
pub mod run_dir;
pub mod run_lock;
pub mod schedule;
pub mod telemetry;
pub mod tensorboard;
pub mod toml_errors;
pub mod trainer;

pub use config::{
    AuxBridgeConfig, Interval, LossKind, ModelSection, RunConfig, ScheduleKind, TrainSection,
};
pub use metrics::{MetricsLog, MetricsRow, Summary, Tail};
pub use observer::TrainObserver;
pub use optim_config::{GrokfastConfig, MuonConfig, OptimConfig};
pub use run_dir::{LoadedRun, RunDir};
pub use schedule::learning_rate;
pub use trainer::{resume::ResumeOptions, Trainer};
