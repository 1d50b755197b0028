//! The GPT-2 model: configuration, modules, hook sites, Hugging Face folders, generation and the
//! byte-level BPE tokenizer.
//!
//! ```
//! use grokked_core::model::{GptConfig, GptModel, HookSite};
//! let model = GptModel::new(GptConfig::small(40, 8, 2, 16, 4), tch::Device::Cpu).unwrap();
//! assert_eq!(model.gpt.blocks.len(), 2);
//! assert_eq!(HookSite::AttnOut(1).to_string(), "blocks.1.hook_attn_out");
//! ```

pub mod attention;
pub mod block;
pub mod bpe;
pub mod config;
pub mod generate;
pub mod gpt;
pub mod hf;
pub mod hooks;
pub mod linear;
pub mod mlp;
pub mod plugin_stage;
pub mod precision;
pub mod safetensors_io;
pub mod trust;

pub use config::{Activation, GptConfig, InitScheme};
pub use gpt::{ForwardOpts, Gpt, GptModel, KvCache};
pub use hooks::{Hook, HookSite, NoHooks};
pub use trust::LoadPolicy;
