//! One pre-LayerNorm transformer block: `x + attn(ln_1(x))`, then `+ mlp(ln_2(.))`.
//!
//! ```
//! use grokked_model::{attention::AttnMask, block::Block, GptConfig, GptSize, NoHooks};
//! let cfg = GptConfig::new(GptSize { vocab_size: 10, n_positions: 8, n_layer: 2, n_embd: 8, n_head: 2 });
//! let vs = tch::nn::VarStore::new(tch::Device::Cpu);
//! let block = Block::new(&(vs.root() / "h" / 0), &cfg).unwrap();
//! let x = tch::Tensor::randn([2, 4, 8], (tch::Kind::Float, tch::Device::Cpu));
//! let y = block.forward(&x, &AttnMask::causal(), None, 0, &mut NoHooks, false).unwrap();
//! assert_eq!(y.size(), [2, 4, 8]);
//! ```

use super::attention::{Attention, AttnMask, LayerKv};
use super::config::GptConfig;
use super::hooks::{at, Hook, HookSite};
use super::mlp::Mlp;
use crate::error::Result;
use tch::{nn, nn::Module, Tensor};

/// A GPT-2 block.
#[derive(Debug)]
pub struct Block {
    /// LayerNorm before attention.
    pub ln_1: nn::LayerNorm,
    /// The attention sublayer.
    pub attn: Attention,
    /// LayerNorm before the MLP.
    pub ln_2: nn::LayerNorm,
    /// The MLP sublayer.
    pub mlp: Mlp,
}

/// LayerNorm over the last dimension with GPT-2's parameter names (`weight`, `bias`).
pub fn layer_norm(p: &nn::Path, cfg: &GptConfig) -> nn::LayerNorm {
    let c = nn::LayerNormConfig {
        eps: cfg.layer_norm_epsilon,
        ..Default::default()
    };
    nn::layer_norm(p, vec![cfg.n_embd], c)
}

impl Block {
    /// Creates the block's parameters under `p` (`transformer.h.{i}` in a GPT-2 model).
    pub fn new(p: &nn::Path, cfg: &GptConfig) -> Result<Self> {
        Ok(Block {
            ln_1: layer_norm(&(p / "ln_1"), cfg),
            attn: Attention::new(&(p / "attn"), cfg),
            ln_2: layer_norm(&(p / "ln_2"), cfg),
            mlp: Mlp::new(&(p / "mlp"), cfg)?,
        })
    }

    /// Applies the block as layer `layer`, calling `hook` at its sites.
    pub fn forward(
        &self,
        x: &Tensor,
        mask: &AttnMask,
        kv: Option<&mut LayerKv>,
        layer: usize,
        hook: &mut dyn Hook,
        train: bool,
    ) -> Result<Tensor> {
        let x = at(hook, HookSite::ResidPre(layer), x.shallow_clone())?;
        let a = self
            .attn
            .forward(&self.ln_1.forward(&x), mask, kv, layer, hook, train)?;
        let a = at(hook, HookSite::AttnOut(layer), a)?;
        let mid = at(hook, HookSite::ResidMid(layer), x + a)?;
        let m = self
            .mlp
            .forward_hooked(&self.ln_2.forward(&mid), layer, hook, train)?;
        let m = at(hook, HookSite::MlpOut(layer), m)?;
        at(hook, HookSite::ResidPost(layer), mid + m)
    }
}
