//! `Conv1D`: GPT-2's linear layer, whose weight is stored `[in, out]` as in Hugging Face checkpoints.
//!
//! ```
//! use grokked_model::{linear::Conv1D, GptConfig, GptSize};
//! let vs = tch::nn::VarStore::new(tch::Device::Cpu);
//! let cfg = GptConfig::new(GptSize { vocab_size: 10, n_positions: 8, n_layer: 1, n_embd: 4, n_head: 2 });
//! let fc = Conv1D::new(&(vs.root() / "fc"), 4, 6, &cfg, false);
//! let y = fc.forward(&tch::Tensor::zeros([2, 3, 4], (tch::Kind::Float, tch::Device::Cpu)));
//! assert_eq!(y.size(), [2, 3, 6]);
//! ```

use super::config::{GptConfig, InitScheme};
use tch::{nn, Tensor};

/// A linear map `x @ weight + bias` with `weight: [in, out]`.
#[derive(Debug)]
pub struct Conv1D {
    /// `[in, out]`.
    pub weight: Tensor,
    /// `[out]`.
    pub bias: Tensor,
}

impl Conv1D {
    /// Creates `weight` and `bias` under `p`. `residual_proj` marks projections into the
    /// residual stream, which GPT-2 initialises with a smaller scale.
    pub fn new(p: &nn::Path, d_in: i64, d_out: i64, cfg: &GptConfig, residual_proj: bool) -> Self {
        let (w_init, b_init) = match cfg.init {
            InitScheme::Gpt2 => {
                let scale = if residual_proj {
                    (2.0 * cfg.n_layer as f64).sqrt()
                } else {
                    1.0
                };
                let std = cfg.initializer_range / scale;
                (
                    nn::Init::Randn {
                        mean: 0.0,
                        stdev: std,
                    },
                    nn::Init::Const(0.0),
                )
            }
            InitScheme::Pytorch => {
                let bound = 1.0 / (d_in as f64).sqrt();
                let u = nn::Init::Uniform {
                    lo: -bound,
                    up: bound,
                };
                (u, u)
            }
        };
        Conv1D {
            weight: p.var("weight", &[d_in, d_out], w_init),
            bias: p.var("bias", &[d_out], b_init),
        }
    }

    /// Applies the map to the last dimension of `x` (one fused `addmm` over the flattened
    /// leading dimensions).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        use super::precision::lowered;
        let size = x.size();
        let (d_in, d_out) = (self.weight.size()[0], self.weight.size()[1]);
        let flat = lowered(x).reshape([-1, d_in]);
        let y = lowered(&self.bias).addmm(&flat, &lowered(&self.weight));
        let mut out_size = size[..size.len() - 1].to_vec();
        out_size.push(d_out);
        y.view(out_size.as_slice())
    }
}

/// The init of GPT-2 embedding tables under `scheme`.
pub fn embedding_init(cfg: &GptConfig) -> nn::Init {
    match cfg.init {
        InitScheme::Gpt2 => nn::Init::Randn {
            mean: 0.0,
            stdev: cfg.initializer_range,
        },
        InitScheme::Pytorch => nn::Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        },
    }
}
