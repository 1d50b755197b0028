//! grokked: train small transformers until they grok implicit reasoning, and look inside them.
//!
//! This facade re-exports the workspace crates; notebooks and end-to-end tests depend on it alone.
//!
//! ```
//! use grokked::prelude::*;
//! let model = GptModel::new(GptConfig::small(30, 16, 1, 8, 2), Device::Cpu).unwrap();
//! assert_eq!(model.config().n_layer, 1);
//! ```

pub use grokked_core as core;
pub use grokked_core::{error, lens, model, seed, train, viz};
pub use grokked_data as data;
pub use grokked_experiments as experiments;
pub use grokked_experiments::{compare_memory, sweep};
pub use grokked_plugin as plugin;
pub use grokked_retrieval as retrieval;
pub use plotters;
pub use polars;
pub use tch;

/// The names most programs and notebooks need.
pub mod prelude {
    pub use grokked_core::model::bpe::Gpt2Tokenizer;
    pub use grokked_core::model::generate::{generate, Decoding, GenerateOpts};
    pub use grokked_core::model::{
        hf, ForwardOpts, GptConfig, GptModel, Hook, HookSite, KvCache, NoHooks,
    };
    pub use grokked_core::seed::with_seed;
    pub use grokked_core::train::{RunConfig, Summary, TrainObserver, Trainer};
    pub use grokked_core::{GrokError, Result};
    pub use grokked_data::{Split, TaskData, TaskSpec};
    pub use tch::{Device, Kind, Tensor};
}
