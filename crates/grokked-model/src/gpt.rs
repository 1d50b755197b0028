//! The GPT-2 decoder: embeddings, blocks, final LayerNorm and the (tied) LM head.
//!
//! Parameter names equal Hugging Face's `GPT2LMHeadModel` keys (`transformer.h.0.attn.c_attn.weight`,
//! ...), so checkpoints load with no renaming table.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 50, n_positions: 16, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let logits = model.gpt.forward(&ids, false).unwrap();
//! assert_eq!(logits.size(), [1, 3, 50]);
//! assert!(model.vs.variables().contains_key("transformer.h.1.attn.c_attn.weight"));
//! ```

use super::attention::{AttnMask, LayerKv};
use super::block::{layer_norm, Block};
use super::config::GptConfig;
use super::hooks::{
    at, unchanged, Hook, HookGuard, HookRegistry, HookSite, NoHooks, PersistentHookFn, WithRegistry,
};
use super::linear::embedding_init;
use crate::error::{GrokError, Result};
use tch::{nn, nn::Module, Device, Kind, Tensor};

/// The decoder's modules. Parameters live in the [`nn::VarStore`] it was built on.
#[derive(Debug)]
pub struct Gpt {
    /// The hyperparameters.
    pub cfg: GptConfig,
    /// Token embeddings `[vocab_size, n_embd]`.
    pub wte: nn::Embedding,
    /// Position embeddings `[n_positions, n_embd]`.
    pub wpe: nn::Embedding,
    /// The blocks, bottom first (those a plugin replaces are absent).
    pub blocks: Vec<Block>,
    /// The layer index of each block (`blocks[i]` is layer `layer_ids[i]`).
    pub layer_ids: Vec<usize>,
    /// A reasoning-module plugin and its parameters, if configured.
    pub plugin: Option<super::plugin_stage::PluginStage>,
    /// The final LayerNorm.
    pub ln_f: nn::LayerNorm,
    /// The untied LM head `[vocab_size, n_embd]`, when `tie_word_embeddings` is false.
    pub lm_head: Option<Tensor>,
    /// Hooks attached with [`Gpt::add_hook`].
    pub registry: HookRegistry,
}

/// Keys and values of every layer for incremental decoding, plus the key padding mask so far.
#[derive(Debug, Default)]
pub struct KvCache {
    /// One entry per block.
    pub layers: Vec<LayerKv>,
    /// Number of cached positions.
    pub len: i64,
}

impl KvCache {
    /// An empty cache for `n_layer` blocks.
    pub fn new(n_layer: usize) -> Self {
        KvCache {
            layers: (0..n_layer).map(|_| LayerKv::default()).collect(),
            len: 0,
        }
    }
}

/// Options of one forward pass beyond the token ids.
pub struct ForwardOpts<'a> {
    /// Key padding mask `[batch, past + seq]`, 1 for real tokens and 0 for padding.
    pub attention_mask: Option<&'a Tensor>,
    /// A cache to read past keys and values from and append this step's to.
    pub cache: Option<&'a mut KvCache>,
    /// Called at every hook site it wants.
    pub hook: &'a mut dyn Hook,
    /// Training mode (dropout on).
    pub train: bool,
    /// The caller has validated the ids' range and lengths (a training or evaluation set checked
    /// once when built), so the pass reads nothing back from the device to check them.
    pub trusted_ids: bool,
}

impl<'a> ForwardOpts<'a> {
    /// Evaluation mode, no mask, no cache, with `hook`.
    pub fn with_hook(hook: &'a mut dyn Hook) -> Self {
        ForwardOpts {
            attention_mask: None,
            cache: None,
            hook,
            train: false,
            trusted_ids: false,
        }
    }
}

impl Gpt {
    /// Builds the modules under `p` (the VarStore root for Hugging Face names).
    pub fn new(p: &nn::Path, cfg: &GptConfig) -> Result<Self> {
        cfg.validate()?;
        let t = p / "transformer";
        let emb = nn::EmbeddingConfig {
            ws_init: embedding_init(cfg),
            ..Default::default()
        };
        let plugin = match &cfg.plugin {
            Some(pc) => Some(super::plugin_stage::PluginStage::new(
                &(p / "plugin"),
                pc,
                cfg,
            )?),
            None => None,
        };
        let layer_ids: Vec<usize> = (0..cfg.n_layer as usize)
            .filter(|l| plugin.as_ref().is_none_or(|s| !s.replaces(*l)))
            .collect();
        let blocks = layer_ids
            .iter()
            .map(|&i| Block::new(&(&t / "h" / i as i64), cfg))
            .collect::<Result<Vec<_>>>()?;
        let lm_head = (!cfg.tie_word_embeddings).then(|| {
            (p / "lm_head").var("weight", &[cfg.vocab_size, cfg.n_embd], embedding_init(cfg))
        });
        let wte = nn::embedding(&t / "wte", cfg.vocab_size, cfg.n_embd, emb);
        let wpe = nn::embedding(&t / "wpe", cfg.n_positions, cfg.n_embd, emb);
        let ln_f = layer_norm(&(&t / "ln_f"), cfg);
        // The stored config names the library by its canonical path and records its hash.
        let mut cfg = cfg.clone();
        cfg.plugin = plugin.as_ref().map(|s| s.config.clone());
        Ok(Gpt {
            cfg,
            wte,
            wpe,
            blocks,
            layer_ids,
            plugin,
            ln_f,
            lm_head,
            registry: HookRegistry::default(),
        })
    }

    /// Attaches `f` at `site` for every forward pass until the returned guard drops.
    pub fn add_hook(&self, site: HookSite, f: PersistentHookFn) -> HookGuard {
        self.registry.add(site, f)
    }

    /// Logits `[batch, seq, vocab]` of token ids `[batch, seq]`, no mask, no hooks.
    pub fn forward(&self, ids: &Tensor, train: bool) -> Result<Tensor> {
        let mut hook = NoHooks;
        let mut opts = ForwardOpts::with_hook(&mut hook);
        opts.train = train;
        self.forward_with(ids, opts)
    }

    /// [`Gpt::forward`] for ids the caller validated once (a training or evaluation set): no
    /// value is read back from the device to check them.
    pub fn forward_trusted(&self, ids: &Tensor, train: bool) -> Result<Tensor> {
        let mut hook = NoHooks;
        let mut opts = ForwardOpts::with_hook(&mut hook);
        opts.train = train;
        opts.trusted_ids = true;
        self.forward_with(ids, opts)
    }

    /// Logits with a padding mask, a KV cache and hooks as `opts` says.
    pub fn forward_with(&self, ids: &Tensor, opts: ForwardOpts<'_>) -> Result<Tensor> {
        self.with_registry(opts.hook, |hook| {
            let resid = self.stream(
                ids,
                opts.attention_mask,
                opts.cache,
                hook,
                opts.train,
                opts.trusted_ids,
            )?;
            self.unembed_with(&resid, hook)
        })
    }

    /// The final LayerNorm and the LM head: logits of a residual-stream state `[.., n_embd]`
    /// (no hooks run: this is how the logit lens reads any layer).
    pub fn unembed(&self, resid: &Tensor) -> Tensor {
        self.unembed_with(resid, &mut NoHooks)
            .expect("no hook, no error")
    }

    fn unembed_with(&self, resid: &Tensor, hook: &mut dyn Hook) -> Result<Tensor> {
        use super::precision::lowered;
        let normed = if hook.wants(HookSite::LnFinalNormalized) {
            let eps = self.cfg.layer_norm_epsilon;
            let dims = [self.cfg.n_embd];
            let n = resid.f_layer_norm(dims, None::<Tensor>, None::<Tensor>, eps, false)?;
            let returned = hook.call(HookSite::LnFinalNormalized, n.shallow_clone())?;
            if unchanged(&returned, &n) {
                self.ln_f.forward(resid)
            } else {
                let (w, b) = (self.ln_f.ws.as_ref(), self.ln_f.bs.as_ref());
                returned * w.expect("ln_f has a weight") + b.expect("ln_f has a bias")
            }
        } else {
            self.ln_f.forward(resid)
        };
        let x = lowered(&normed);
        let w = lowered(self.lm_head.as_ref().unwrap_or(&self.wte.ws));
        Ok(x.matmul(&w.tr()).to_kind(Kind::Float))
    }

    /// Checks ids' shape, kind and range, and the sequence length (real tokens only, when a
    /// padding mask is given) against `n_positions`. `trusted` ids get the checks that need no
    /// values from the device only.
    fn check_ids(
        &self,
        ids: &Tensor,
        past: i64,
        mask: Option<&Tensor>,
        trusted: bool,
    ) -> Result<(i64, i64)> {
        let size = ids.size();
        if size.len() != 2 {
            return Err(GrokError::Invalid(format!(
                "token ids must be [batch, seq], got {size:?}"
            )));
        }
        if ids.kind() != Kind::Int64 {
            return Err(GrokError::Invalid(format!(
                "token ids must be int64, got {:?}",
                ids.kind()
            )));
        }
        let (b, s) = (size[0], size[1]);
        let used = match mask {
            _ if trusted => past + s,
            Some(m) if m.numel() > 0 => m
                .sum_dim_intlist(-1, false, Kind::Int64)
                .max()
                .int64_value(&[]),
            _ => past + s,
        };
        if used > self.cfg.n_positions {
            return Err(GrokError::Limit {
                what: "sequence length".into(),
                got: used,
                limit: self.cfg.n_positions,
                name: "n_positions".into(),
            });
        }
        if ids.numel() > 0 && !trusted {
            let (lo, hi) = (ids.min().int64_value(&[]), ids.max().int64_value(&[]));
            if lo < 0 || hi >= self.cfg.vocab_size {
                return Err(GrokError::Invalid(format!(
                    "token id {} outside the vocabulary [0, {})",
                    if lo < 0 { lo } else { hi },
                    self.cfg.vocab_size
                )));
            }
        }
        Ok((b, s))
    }

    /// The residual stream after the last block (before `ln_f`), `[batch, seq, n_embd]`.
    pub fn residual(&self, ids: &Tensor, opts: ForwardOpts<'_>) -> Result<Tensor> {
        self.with_registry(opts.hook, |hook| {
            self.stream(
                ids,
                opts.attention_mask,
                opts.cache,
                hook,
                opts.train,
                opts.trusted_ids,
            )
        })
    }

    /// Runs `f` with the call's `hook` preceded by the hooks attached with [`Gpt::add_hook`].
    fn with_registry<T>(
        &self,
        hook: &mut dyn Hook,
        f: impl FnOnce(&mut dyn Hook) -> Result<T>,
    ) -> Result<T> {
        if self.registry.is_empty() {
            f(hook)
        } else {
            f(&mut WithRegistry {
                registry: &self.registry,
                hook,
            })
        }
    }

    /// The residual stream after the last stage, calling `hook` at every site it wants.
    fn stream(
        &self,
        ids: &Tensor,
        attention_mask: Option<&Tensor>,
        mut cache: Option<&mut KvCache>,
        hook: &mut dyn Hook,
        train: bool,
        trusted_ids: bool,
    ) -> Result<Tensor> {
        let past = cache.as_ref().map_or(0, |c| c.len);
        let (_, s) = self.check_ids(ids, past, attention_mask, trusted_ids)?;
        let device = ids.device();
        let positions = match attention_mask {
            Some(m) => {
                let pos = (m.cumsum(-1, Kind::Int64) - 1).clamp_min(0);
                pos.narrow(-1, past, s)
            }
            None => Tensor::arange_start(past, past + s, (Kind::Int64, device)).unsqueeze(0),
        };
        let mask = match attention_mask {
            Some(m) => {
                if m.size() != [ids.size()[0], past + s] {
                    return Err(GrokError::Invalid(format!(
                        "attention_mask must be [batch, past + seq] = [{}, {}], got {:?}",
                        ids.size()[0],
                        past + s,
                        m.size()
                    )));
                }
                AttnMask::padded(m, past, s)
            }
            None if past == 0 => AttnMask::causal(),
            None => AttnMask::padded(
                &Tensor::ones([ids.size()[0], past + s], (Kind::Int64, device)),
                past,
                s,
            ),
        };
        let tokens = at(
            hook,
            HookSite::Embed,
            Tensor::f_embedding(&self.wte.ws, ids, -1, false, false)?,
        )?;
        let pos = Tensor::f_embedding(&self.wpe.ws, &positions, -1, false, false)?;
        let pos = if hook.wants(HookSite::PosEmbed) {
            hook.call(HookSite::PosEmbed, pos.expand_as(&tokens))?
        } else {
            pos
        };
        let mut x = (tokens + pos).dropout(self.cfg.embd_pdrop, train);
        let run_plugin = |x: Tensor, hook: &mut dyn Hook| -> Result<Tensor> {
            let stage = self.plugin.as_ref().expect("called only with a plugin");
            let x = at(hook, HookSite::PluginIn, x)?;
            let y = stage.forward(&x, train, attention_mask, hook)?;
            at(hook, HookSite::PluginOut, y)
        };
        for (i, block) in self.blocks.iter().enumerate() {
            let layer = self.layer_ids[i];
            if self.plugin.as_ref().is_some_and(|s| s.runs_before(layer)) {
                x = run_plugin(x, hook)?;
            }
            let kv = cache.as_deref_mut().map(|c| &mut c.layers[i]);
            x = block.forward(&x, &mask, kv, layer, hook, train)?;
        }
        if self
            .plugin
            .as_ref()
            .is_some_and(|s| s.runs_last(&self.layer_ids))
        {
            x = run_plugin(x, hook)?;
        }
        if let Some(c) = cache {
            c.len += s;
        }
        Ok(x)
    }
}

/// A model together with the [`nn::VarStore`] that owns its parameters.
pub struct GptModel {
    /// Owns every parameter (save, load, freeze, optimizer groups).
    pub vs: nn::VarStore,
    /// The modules.
    pub gpt: Gpt,
}

impl std::fmt::Debug for GptModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GptModel")
            .field("cfg", &self.gpt.cfg)
            .finish_non_exhaustive()
    }
}

impl GptModel {
    /// A freshly initialised model on `device`.
    pub fn new(cfg: GptConfig, device: Device) -> Result<Self> {
        let vs = nn::VarStore::new(device);
        let gpt = Gpt::new(&vs.root(), &cfg)?;
        Ok(GptModel { vs, gpt })
    }

    /// The hyperparameters.
    pub fn config(&self) -> &GptConfig {
        &self.gpt.cfg
    }

    /// The device the parameters live on.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// The number of trainable scalars.
    pub fn num_parameters(&self) -> i64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }
}
