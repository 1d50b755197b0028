//! grokked-core: the GPT-2 model of grokked (and, as the project grows, its trainer, lenses and
//! charts), built on tch.
//!
//! ```
//! use grokked_core::model::{generate::{generate, GenerateOpts}, GptConfig, GptModel};
//! let model = GptModel::new(GptConfig::small(30, 16, 1, 8, 2), tch::Device::Cpu).unwrap();
//! let out = generate(&model.gpt, &[vec![5, 6]], &GenerateOpts::greedy(6)).unwrap();
//! assert_eq!(out[0].len(), 6);
//! ```

pub mod error;
pub mod fsutil;
pub mod lens;
pub mod model;
pub mod seed;
pub mod train;
pub mod viz;

pub use error::{GrokError, Result};
