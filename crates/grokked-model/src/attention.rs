//! Causal multi-head self-attention with an optional key/value cache.
//!
//! The fused kernel (`scaled_dot_product_attention`) runs unless a hook asks for the attention
//! scores or pattern, in which case they are computed explicitly so they can be read or replaced
//! (a hook that returns them unchanged keeps the fused result, bit for bit). A hook on
//! `attn.hook_result` gets each head's output through its slice of the output projection.
//!
//! ```
//! use grokked_model::{attention::{Attention, AttnMask}, GptConfig, GptSize, NoHooks};
//! let cfg = GptConfig::new(GptSize { vocab_size: 10, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }).with_dropout(0.0);
//! let vs = tch::nn::VarStore::new(tch::Device::Cpu);
//! let attn = Attention::new(&(vs.root() / "attn"), &cfg);
//! let x = tch::Tensor::randn([1, 5, 8], (tch::Kind::Float, tch::Device::Cpu));
//! let y = attn.forward(&x, &AttnMask::causal(), None, 0, &mut NoHooks, false).unwrap();
//! assert_eq!(y.size(), [1, 5, 8]);
//! ```

use super::config::GptConfig;
use super::hooks::{at, at_heads, unchanged, Hook, HookSite};
use super::linear::Conv1D;
use super::precision::lowered;
use crate::error::Result;
use tch::{nn, Kind, Tensor};

/// Which keys each query may attend to.
#[derive(Debug)]
pub enum AttnMask {
    /// Plain causal attention over a sequence with no cache and no padding.
    Causal,
    /// An explicit boolean mask `[batch, 1, query, key]`, true where attention is allowed.
    Explicit(Tensor),
}

impl AttnMask {
    /// The plain causal mask.
    pub fn causal() -> Self {
        AttnMask::Causal
    }

    /// Builds the mask for `q_len` new positions after `past_len` cached ones, given the key
    /// padding mask `key_mask: [batch, past_len + q_len]` (1 = real token, 0 = padding).
    /// Each query may always see itself, so rows of padding queries are never empty.
    pub fn padded(key_mask: &Tensor, past_len: i64, q_len: i64) -> Self {
        let device = key_mask.device();
        let k_len = past_len + q_len;
        let q_pos = Tensor::arange(q_len, (Kind::Int64, device)).view([q_len, 1]) + past_len;
        let k_pos = Tensor::arange(k_len, (Kind::Int64, device)).view([1, k_len]);
        let causal = k_pos.le_tensor(&q_pos);
        let itself = k_pos.eq_tensor(&q_pos);
        let keys = key_mask.to_kind(Kind::Bool).unsqueeze(1).unsqueeze(1);
        let mask = causal.unsqueeze(0).unsqueeze(0).logical_and(&keys);
        AttnMask::Explicit(mask.logical_or(&itself.unsqueeze(0).unsqueeze(0)))
    }
}

/// Cached keys and values of one layer, `[batch, n_head, past, head_dim]` each.
#[derive(Debug, Default)]
pub struct LayerKv {
    /// Keys seen so far.
    pub k: Option<Tensor>,
    /// Values seen so far.
    pub v: Option<Tensor>,
}

/// GPT-2's attention sublayer: `c_attn` (fused q, k, v) and `c_proj`.
#[derive(Debug)]
pub struct Attention {
    /// The fused query/key/value projection, `[n_embd, 3 n_embd]`.
    pub c_attn: Conv1D,
    /// The output projection, `[n_embd, n_embd]`.
    pub c_proj: Conv1D,
    n_head: i64,
    attn_pdrop: f64,
    resid_pdrop: f64,
}

impl Attention {
    /// Creates the sublayer's parameters under `p` (named as in Hugging Face checkpoints).
    pub fn new(p: &nn::Path, cfg: &GptConfig) -> Self {
        let d = cfg.n_embd;
        Attention {
            c_attn: Conv1D::new(&(p / "c_attn"), d, 3 * d, cfg, false),
            c_proj: Conv1D::new(&(p / "c_proj"), d, d, cfg, true),
            n_head: cfg.n_head,
            attn_pdrop: cfg.attn_pdrop,
            resid_pdrop: cfg.resid_pdrop,
        }
    }

    fn split_heads(&self, t: &Tensor) -> Tensor {
        let (b, s, d) = t.size3().expect("attention input is [batch, seq, n_embd]");
        t.view([b, s, self.n_head, d / self.n_head]).transpose(1, 2)
    }

    /// Attends over `x: [batch, seq, n_embd]`, appending this step's keys and values to `kv`.
    pub fn forward(
        &self,
        x: &Tensor,
        mask: &AttnMask,
        kv: Option<&mut LayerKv>,
        layer: usize,
        hook: &mut dyn Hook,
        train: bool,
    ) -> Result<Tensor> {
        let (b, s, d) = x.size3()?;
        let qkv = self.c_attn.forward(x).split(d, -1);
        let q = at_heads(hook, HookSite::Q(layer), self.split_heads(&qkv[0]))?;
        let mut k = at_heads(hook, HookSite::K(layer), self.split_heads(&qkv[1]))?;
        let mut v = at_heads(hook, HookSite::V(layer), self.split_heads(&qkv[2]))?;
        if let Some(cache) = kv {
            if let (Some(pk), Some(pv)) = (&cache.k, &cache.v) {
                k = Tensor::f_cat(&[pk, &k], 2)?;
                v = Tensor::f_cat(&[pv, &v], 2)?;
            }
            cache.k = Some(k.shallow_clone());
            cache.v = Some(v.shallow_clone());
        }
        let p_drop = if train { self.attn_pdrop } else { 0.0 };
        let fused = || -> Result<Tensor> {
            Ok(match mask {
                AttnMask::Causal => Tensor::f_scaled_dot_product_attention::<Tensor>(
                    &q, &k, &v, None, p_drop, true, None, false,
                )?,
                AttnMask::Explicit(m) => Tensor::f_scaled_dot_product_attention(
                    &q,
                    &k,
                    &v,
                    Some(m),
                    p_drop,
                    false,
                    None,
                    false,
                )?,
            })
        };
        let explicit =
            hook.wants(HookSite::AttnScores(layer)) || hook.wants(HookSite::AttnPattern(layer));
        let y = if explicit {
            let scale = 1.0 / ((d / self.n_head) as f64).sqrt();
            let allowed = match mask {
                AttnMask::Causal => {
                    let k_len = k.size()[2];
                    Tensor::ones([s, k_len], (Kind::Bool, x.device())).tril(k_len - s)
                }
                AttnMask::Explicit(m) => m.shallow_clone(),
            };
            let scores = (q.matmul(&k.transpose(-2, -1)) * scale)
                .masked_fill(&allowed.logical_not(), f64::NEG_INFINITY);
            let hooked_scores = at(hook, HookSite::AttnScores(layer), scores.shallow_clone())?;
            let pattern = hooked_scores.softmax(-1, hooked_scores.kind());
            let returned = at(hook, HookSite::AttnPattern(layer), pattern.shallow_clone())?;
            if unchanged(&hooked_scores, &scores) && unchanged(&returned, &pattern) && !train {
                // The hooks only read: keep the fused kernel's output, bit for bit.
                fused()?
            } else {
                returned.dropout(p_drop, train).matmul(&v)
            }
        } else {
            fused()?
        };
        let z = at_heads(hook, HookSite::Z(layer), y)?;
        let projected = || {
            self.c_proj
                .forward(&z.transpose(1, 2).contiguous().view([b, s, d]))
        };
        let out = if hook.wants(HookSite::Result(layer)) {
            // Each head's slice of the output projection: [b, h, p, dh] x [h, dh, d].
            let h = self.n_head;
            let w = lowered(&self.c_proj.weight).view([h, d / h, d]);
            let per_head = lowered(&z).matmul(&w).transpose(1, 2);
            let returned = hook.call(HookSite::Result(layer), per_head.shallow_clone())?;
            if unchanged(&returned, &per_head) {
                projected()
            } else {
                returned.sum_dim_intlist(2, false, returned.kind()) + lowered(&self.c_proj.bias)
            }
        } else {
            projected()
        };
        Ok(out.dropout(self.resid_pdrop, train))
    }
}
