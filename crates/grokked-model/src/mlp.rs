//! GPT-2's MLP sublayer: `c_fc`, the activation, `c_proj`.
//!
//! ```
//! use grokked_model::{mlp::Mlp, GptConfig, GptSize};
//! let cfg = GptConfig::new(GptSize { vocab_size: 10, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 });
//! let vs = tch::nn::VarStore::new(tch::Device::Cpu);
//! let mlp = Mlp::new(&(vs.root() / "mlp"), &cfg).unwrap();
//! let x = tch::Tensor::randn([1, 3, 8], (tch::Kind::Float, tch::Device::Cpu));
//! assert_eq!(mlp.forward(&x, false).size(), [1, 3, 8]);
//! ```

use super::activation::Activation;
use super::config::GptConfig;
use super::hooks::{at, Hook, HookSite, NoHooks};
use super::linear::Conv1D;
use crate::error::Result;
use tch::{nn, Tensor};

/// The feed-forward sublayer.
#[derive(Debug)]
pub struct Mlp {
    /// `[n_embd, n_inner]`.
    pub c_fc: Conv1D,
    /// `[n_inner, n_embd]`.
    pub c_proj: Conv1D,
    act: Activation,
    resid_pdrop: f64,
}

impl Mlp {
    /// Creates the sublayer's parameters under `p`.
    pub fn new(p: &nn::Path, cfg: &GptConfig) -> Result<Self> {
        let (d, h) = (cfg.n_embd, cfg.inner_dim());
        Ok(Mlp {
            c_fc: Conv1D::new(&(p / "c_fc"), d, h, cfg, false),
            c_proj: Conv1D::new(&(p / "c_proj"), h, d, cfg, true),
            act: cfg.activation()?,
            resid_pdrop: cfg.resid_pdrop,
        })
    }

    /// Applies the sublayer.
    pub fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        self.forward_hooked(x, 0, &mut NoHooks, train)
            .expect("no hook, no error")
    }

    /// Applies the sublayer as layer `layer`, calling `hook` at `mlp.hook_pre` and
    /// `mlp.hook_post`.
    pub fn forward_hooked(
        &self,
        x: &Tensor,
        layer: usize,
        hook: &mut dyn Hook,
        train: bool,
    ) -> Result<Tensor> {
        let pre = at(hook, HookSite::MlpPre(layer), self.c_fc.forward(x))?;
        let post = at(hook, HookSite::MlpPost(layer), self.act.apply(&pre))?;
        Ok(self.c_proj.forward(&post).dropout(self.resid_pdrop, train))
    }
}
