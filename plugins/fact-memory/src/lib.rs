//! `fact-memory`: attention over a learned table of fact embeddings (the tutorial's "memory
//! module"). Each position reads `softmax(LN(x) Wq K^T / sqrt(d)) V` from `slots` memory rows and
//! adds it to the residual stream.
//!
//! Options: `slots` (memory rows, default 256). Parameters: `ln.weight`, `ln.bias`,
//! `query.weight` `[d, d]`, `memory.keys` `[slots, d]`, `memory.values` `[slots, d]`.

use grokked_plugin::abi::ModelDims;
use grokked_plugin::functional::{layer_norm, linear};
use grokked_plugin::sdk::{Context, Init, ParamSpec, ReasoningModule};
use grokked_plugin::serde::{Deserialize, Serialize};
use grokked_plugin::tch::{Kind, Tensor};

/// The options (`[model.plugin] options = { slots = 256 }`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(crate = "grokked_plugin::serde")]
pub struct Options {
    /// Memory rows.
    pub slots: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { slots: 256 }
    }
}

/// A key-value memory read by every position.
pub struct FactMemory {
    slots: i64,
    dims: ModelDims,
}

impl ReasoningModule for FactMemory {
    type Options = Options;

    fn new(options: Options, dims: &ModelDims) -> Result<Self, String> {
        if options.slots <= 0 {
            return Err(format!(
                "option `slots` must be a positive integer, got {}",
                options.slots
            ));
        }
        Ok(FactMemory {
            slots: options.slots,
            dims: *dims,
        })
    }

    fn parameters(&self) -> Vec<ParamSpec> {
        let d = self.dims.n_embd;
        vec![
            ParamSpec::new("ln.weight", &[d], Init::Ones),
            ParamSpec::new("ln.bias", &[d], Init::Zeros),
            ParamSpec::new("query.weight", &[d, d], Init::Normal { std: 0.02 }),
            ParamSpec::new("memory.keys", &[self.slots, d], Init::Normal { std: 0.02 }),
            ParamSpec::new(
                "memory.values",
                &[self.slots, d],
                Init::Normal { std: 0.02 },
            ),
        ]
    }

    fn forward(&self, hidden: &Tensor, p: &[Tensor], _ctx: &Context) -> Result<Tensor, String> {
        let d = self.dims.n_embd as f64;
        let q = linear(
            &layer_norm(hidden, &p[0], &p[1], self.dims.layer_norm_epsilon),
            &p[2],
            &p[0].zeros_like(),
        );
        let weights = (q.matmul(&p[3].tr()) / d.sqrt()).softmax(-1, Kind::Float);
        Ok(hidden + weights.matmul(&p[4]))
    }
}

grokked_plugin::export_reasoning_module!(FactMemory, "fact-memory");
