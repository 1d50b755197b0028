//! grokked-model: the GPT-2 model and what defines or loads one: config, layers, hook sites,
//! Hugging Face folders, generation, the BPE tokenizer, trust checks, and the shared error type.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel, HookSite};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 40, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 4 }), tch::Device::Cpu).unwrap();
//! assert_eq!(model.gpt.blocks.len(), 2);
//! assert_eq!(HookSite::AttnOut(1).to_string(), "blocks.1.hook_attn_out");
//! ```

pub mod activation;
pub mod attention;
pub mod block;
pub mod bpe;
pub mod config;
pub mod error;
pub mod fsutil;
pub mod generate;
pub mod gpt;
pub mod gpt_sites;
pub mod hf;
pub mod hf_identity;
pub mod hooks;
pub mod linear;
pub mod mlp;
pub mod overrides;
pub mod plugin_stage;
pub mod precision;
pub mod safetensors_io;
pub mod seed;
pub mod trust;

pub use activation::Activation;
pub use config::{GptConfig, GptSize, InitScheme};
pub use error::{GrokError, Result};
pub use gpt::{ForwardOpts, Gpt, GptModel, KvCache};
pub use hooks::{Hook, HookSite, NoHooks};
pub use trust::LoadPolicy;
