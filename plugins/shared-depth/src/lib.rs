//! `shared-depth`: k GPT-2 blocks applied n times with shared weights (Universal-Transformer
//! style), the paper's appendix E.2 fix for out-of-distribution composition.
//!
//! Options: `k` (blocks, default 2), `n` (loops, default 2). Parameters: `h.{i}.*` for each of
//! the k blocks, under Hugging Face's block names. Hook sites: `loop.{j}.out`, the residual stream
//! after loop j (so the logit lens reads the model loop by loop).

use grokked_plugin::abi::ModelDims;
use grokked_plugin::functional::{block_params, gpt2_block};
use grokked_plugin::sdk::{Context, ParamSpec, ReasoningModule, SiteSpec};
use grokked_plugin::serde::{Deserialize, Serialize};
use grokked_plugin::tch::Tensor;

/// The options (`[model.plugin] options = { k = 2, n = 2 }`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(crate = "grokked_plugin::serde")]
pub struct Options {
    /// Shared blocks per loop.
    pub k: usize,
    /// Loops.
    pub n: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { k: 2, n: 2 }
    }
}

/// k shared blocks looped n times.
pub struct SharedDepth {
    k: usize,
    n: usize,
    dims: ModelDims,
}

impl ReasoningModule for SharedDepth {
    type Options = Options;

    fn new(options: Options, dims: &ModelDims) -> Result<Self, String> {
        if options.k == 0 || options.n == 0 {
            return Err(format!(
                "options `k` and `n` must be positive, got k = {}, n = {}",
                options.k, options.n
            ));
        }
        Ok(SharedDepth {
            k: options.k,
            n: options.n,
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

    fn sites(&self) -> Vec<SiteSpec> {
        (0..self.n)
            .map(|j| SiteSpec::residual(&format!("loop.{j}.out")))
            .collect()
    }

    fn forward(&self, hidden: &Tensor, params: &[Tensor], ctx: &Context) -> Result<Tensor, String> {
        let mut x = hidden.shallow_clone();
        for j in 0..self.n {
            for block in params.chunks(12) {
                x = gpt2_block(
                    &x,
                    block,
                    self.dims.n_head,
                    self.dims.layer_norm_epsilon,
                    ctx.attention_mask.as_ref(),
                );
            }
            x = ctx.site(&format!("loop.{j}.out"), x)?;
        }
        Ok(x)
    }
}

grokked_plugin::export_reasoning_module!(SharedDepth, "shared-depth");

#[cfg(test)]
mod tests {
    use super::*;
    use grokked_plugin::sdk::testing;
    use grokked_plugin::tch::{Device, Kind};

    #[test]
    fn each_loop_offers_its_output_and_the_last_is_the_result() {
        let module = SharedDepth::new(Options { k: 1, n: 3 }, &ModelDims::for_test(8, 2)).unwrap();
        let params = testing::parameters(&module.parameters(), 0);
        assert_eq!(params.len(), 12);
        let x = Tensor::randn([2, 3, 8], (Kind::Float, Device::Cpu));
        let (y, sites) = testing::forward_with_sites(&module, &x, &params).unwrap();
        let names: Vec<&str> = sites.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["loop.0.out", "loop.1.out", "loop.2.out"]);
        assert!(sites[2].1.allclose(&y, 1e-6, 1e-6, false));
        assert!(!sites[0].1.allclose(&y, 1e-3, 1e-3, false));
    }
}
