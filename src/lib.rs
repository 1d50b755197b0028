//! grokked: train small transformers until they grok implicit reasoning, and look inside them.
//!
//! This facade re-exports the workspace crates; notebooks and end-to-end tests depend on it alone.
//!
//! ```
//! use grokked::prelude::*;
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 30, n_positions: 16, n_layer: 1, n_embd: 8, n_head: 2 }), Device::Cpu).unwrap();
//! assert_eq!(model.config().n_layer, 1);
//! ```

pub use grokked_data as data;
pub use grokked_experiments as experiments;
pub use grokked_experiments::{compare_memory, report, sweep};
pub use grokked_lens as lens;
pub use grokked_model as model;
pub use grokked_model::{error, seed};
pub use grokked_plugin as plugin;
pub use grokked_retrieval as retrieval;
pub use grokked_train as train;
pub use grokked_viz as viz;
pub use plotters;
pub use polars;
pub use tch;

/// The names most programs and notebooks need.
pub mod prelude {
    pub use grokked_data::{Split, TaskData, TaskSpec};
    pub use grokked_experiments::sweep::{Point, SweepDir};
    pub use grokked_model::bpe::Gpt2Tokenizer;
    pub use grokked_model::generate::{generate, Decoding, GenerateOpts};
    pub use grokked_model::seed::with_seed;
    pub use grokked_model::{
        hf, ForwardOpts, GptConfig, GptModel, GptSize, Hook, HookSite, KvCache, NoHooks,
    };
    pub use grokked_model::{GrokError, Result};
    pub use grokked_train::{MetricsLog, RunConfig, RunDir, Summary, TrainObserver, Trainer};
    pub use grokked_viz::display::{HtmlTable, Svg};
    pub use grokked_viz::notebook_progress::NotebookProgress;
    pub use tch::{Device, Kind, Tensor};
}
