//! grokked-lens: looking inside a model, as functions over a model and token ids: activation
//! caches, the logit lens (also over K-hop chains), patching and causal tracing, attention patterns, integrated gradients.
//!
//! Activations carry TransformerLens's hook names and shapes (see [`grokked_model::hooks`]).
//!
//! ```
//! use grokked_lens::cache::run_with_cache_at;
//! use grokked_model::{GptConfig, GptSize, GptModel, HookSite};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 4 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let (_, cache) = run_with_cache_at(&model.gpt, &ids, &[]).unwrap();
//! assert_eq!(cache[&HookSite::Q(1)].size(), [1, 3, 4, 4]); // [batch, pos, head, d_head]
//! assert_eq!(model.gpt.resid_sites()[0], HookSite::ResidPre(0)); // the lens's layer 0
//! ```

pub mod attention;
pub mod cache;
pub mod chain_lens;
pub mod composition;
pub mod integrated_gradients;
pub mod logit_lens;
pub mod patching;
