//! `shared-depth`: k GPT-2 blocks applied n times with shared weights (Universal-Transformer
//! style), the paper's appendix E.2 fix for out-of-distribution composition.
//!
//! Options: `k` (blocks, default 2), `n` (repeats, default 2). Parameters: `h.{i}.*` for each of
//! the k blocks, under Hugging Face's block names.

use grokked_plugin::abi::ModelDims;
use grokked_plugin::functional::{block_params, gpt2_block};
use grokked_plugin::sdk::{Context, ParamSpec, ReasoningModule};
use grokked_plugin::tch::Tensor;

/// k shared blocks looped n times.
pub struct SharedDepth {
    k: usize,
    n: usize,
    dims: ModelDims,
}

fn option(
    options: &grokked_plugin::serde_json::Value,
    key: &str,
    default: u64,
) -> Result<usize, String> {
    match options.get(key) {
        None => Ok(default as usize),
        Some(v) => v
            .as_u64()
            .filter(|v| *v > 0)
            .map(|v| v as usize)
            .ok_or_else(|| format!("option `{key}` must be a positive integer, got {v}")),
    }
}

impl ReasoningModule for SharedDepth {
    fn new(options: &grokked_plugin::serde_json::Value, dims: &ModelDims) -> Result<Self, String> {
        Ok(SharedDepth {
            k: option(options, "k", 2)?,
            n: option(options, "n", 2)?,
            dims: *dims,
        })
    }

    fn parameters(&self) -> Vec<ParamSpec> {
        // Residual projections scaled as GPT-2 does for the effective depth k * n.
        let scale = 1.0 / ((2 * self.k * self.n) as f64).sqrt().max(1.0);
        (0..self.k)
            .flat_map(|i| block_params(&format!("h.{i}"), self.dims.n_embd, scale.sqrt()))
            .collect()
    }

    fn forward(&self, hidden: &Tensor, params: &[Tensor], ctx: &Context) -> Result<Tensor, String> {
        let mut x = hidden.shallow_clone();
        for _ in 0..self.n {
            for block in params.chunks(12) {
                x = gpt2_block(
                    &x,
                    block,
                    self.dims.n_head,
                    self.dims.layer_norm_epsilon,
                    ctx.attention_mask.as_ref(),
                );
            }
        }
        Ok(x)
    }
}

grokked_plugin::export_reasoning_module!(SharedDepth, "shared-depth");
