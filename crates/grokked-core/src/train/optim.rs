//! AdamW over flat parameter groups, with weight-decay groups, global-norm clipping and the
//! Grokfast EMA filter.
//!
//! Each group's parameters are views into one contiguous buffer, so a step is a dozen tensor ops
//! whatever the number of parameters. Biases and LayerNorm parameters get no weight decay.
//!
//! ```
//! use grokked_core::model::{GptConfig, GptModel};
//! use grokked_core::train::optim::{AdamW, AdamWConfig};
//! let model = GptModel::new(GptConfig::small(20, 8, 1, 8, 2), tch::Device::Cpu).unwrap();
//! let opt = AdamW::new(&model.vs, AdamWConfig::default()).unwrap();
//! assert!(opt.group_names(true).contains(&"transformer.h.0.attn.c_attn.weight".to_string()));
//! assert!(opt.group_names(false).contains(&"transformer.ln_f.weight".to_string()));
//! ```

use crate::error::{GrokError, Result};
use crate::train::config::GrokfastConfig;
use tch::{nn::VarStore, Kind, Tensor};

/// AdamW hyperparameters (the learning rate is passed per step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// Adam betas.
    pub betas: (f64, f64),
    /// Adam epsilon.
    pub eps: f64,
    /// Decoupled weight decay of the decay group.
    pub weight_decay: f64,
    /// Global gradient-norm clip (0: off).
    pub grad_clip: f64,
    /// Grokfast filter, if on.
    pub grokfast: Option<GrokfastConfig>,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            grad_clip: 0.0,
            grokfast: None,
        }
    }
}

/// Grokfast's EMA gradient filter (Lee et al. 2024): keeps `ema = alpha * ema + (1 - alpha) * g`
/// (starting from the first gradient) and returns `g + lambda * ema`.
#[derive(Debug)]
pub struct GrokfastFilter {
    cfg: GrokfastConfig,
    ema: Option<Tensor>,
}

impl GrokfastFilter {
    /// A filter with no history.
    pub fn new(cfg: GrokfastConfig) -> Self {
        GrokfastFilter { cfg, ema: None }
    }

    /// Filters one gradient.
    pub fn apply(&mut self, g: &Tensor) -> Tensor {
        let ema = match &self.ema {
            Some(ema) => ema * self.cfg.alpha + g * (1.0 - self.cfg.alpha),
            None => g.copy(),
        };
        let out = g + &ema * self.cfg.lambda;
        self.ema = Some(ema);
        out
    }
}

/// Whether a parameter is weight-decayed: everything but biases and LayerNorm parameters.
pub fn decays(name: &str) -> bool {
    !(name.ends_with(".bias")
        || name
            .split('.')
            .any(|part| part.starts_with("ln_") || part == "ln"))
}

/// Parameters sharing one flat buffer and one weight decay.
struct Group {
    names: Vec<String>,
    params: Vec<Tensor>,
    flat: Tensor,
    m: Tensor,
    v: Tensor,
    filter: Option<GrokfastFilter>,
    decay: bool,
}

impl Group {
    fn new(mut named: Vec<(String, Tensor)>, decay: bool) -> Self {
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let device = named.first().map_or(tch::Device::Cpu, |(_, t)| t.device());
        let flat = if named.is_empty() {
            Tensor::zeros([0], (Kind::Float, device))
        } else {
            Tensor::cat(
                &named
                    .iter()
                    .map(|(_, t)| t.detach().reshape([-1]))
                    .collect::<Vec<_>>(),
                0,
            )
        };
        let mut offset = 0;
        let mut params = Vec::with_capacity(named.len());
        let mut names = Vec::with_capacity(named.len());
        for (name, mut p) in named {
            let n = p.numel() as i64;
            p.set_data(&flat.narrow(0, offset, n).view(p.size().as_slice()));
            offset += n;
            params.push(p);
            names.push(name);
        }
        Group {
            names,
            params,
            m: flat.zeros_like(),
            v: flat.zeros_like(),
            filter: None,
            flat,
            decay,
        }
    }

    fn flat_grad(&self) -> Tensor {
        let grads: Vec<Tensor> = self
            .params
            .iter()
            .map(|p| {
                let g = p.grad();
                if g.defined() {
                    g.reshape([-1])
                } else {
                    p.zeros_like().reshape([-1])
                }
            })
            .collect();
        if grads.is_empty() {
            self.flat.zeros_like()
        } else {
            Tensor::cat(&grads, 0)
        }
    }

    /// `(name, view)` pairs of a flat state tensor, shaped like the parameters.
    fn views(&self, flat: &Tensor) -> Vec<(String, Tensor)> {
        let mut offset = 0;
        self.names
            .iter()
            .zip(&self.params)
            .map(|(name, p)| {
                let n = p.numel() as i64;
                let view = flat.narrow(0, offset, n).view(p.size().as_slice());
                offset += n;
                (name.clone(), view)
            })
            .collect()
    }
}

/// AdamW (PyTorch's update rule) over a VarStore's trainable parameters.
pub struct AdamW {
    groups: Vec<Group>,
    cfg: AdamWConfig,
    step: u64,
}

impl std::fmt::Debug for AdamW {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdamW")
            .field("cfg", &self.cfg)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl AdamW {
    /// Groups the trainable variables of `vs` and makes them views of flat buffers.
    pub fn new(vs: &VarStore, cfg: AdamWConfig) -> Result<Self> {
        let vars = vs.variables();
        let trainable: Vec<(String, Tensor)> = vars
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        if trainable.iter().any(|(_, t)| t.kind() != Kind::Float) {
            return Err(GrokError::Invalid(
                "AdamW expects float32 parameters".into(),
            ));
        }
        let (decay, no_decay): (Vec<_>, Vec<_>) =
            trainable.into_iter().partition(|(n, _)| decays(n));
        Ok(AdamW {
            groups: vec![Group::new(decay, true), Group::new(no_decay, false)],
            cfg,
            step: 0,
        })
    }

    /// The names of the decayed (`true`) or undecayed (`false`) parameters, sorted.
    pub fn group_names(&self, decay: bool) -> Vec<String> {
        self.groups
            .iter()
            .filter(|g| g.decay == decay)
            .flat_map(|g| g.names.clone())
            .collect()
    }

    /// The number of steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Clears every gradient.
    pub fn zero_grad(&mut self) {
        for g in &mut self.groups {
            for p in &mut g.params {
                p.zero_grad();
            }
        }
    }

    /// One update with learning rate `lr`; returns the gradient norm before clipping.
    pub fn step(&mut self, lr: f64) -> Result<f64> {
        let cfg = self.cfg;
        self.step += 1;
        let t = self.step as f64;
        tch::no_grad(|| {
            let mut grads: Vec<Tensor> = self.groups.iter().map(Group::flat_grad).collect();
            if let Some(gf) = cfg.grokfast {
                for (group, g) in self.groups.iter_mut().zip(grads.iter_mut()) {
                    *g = group
                        .filter
                        .get_or_insert_with(|| GrokfastFilter::new(gf))
                        .apply(g);
                }
            }
            let norm = grads
                .iter()
                .map(|g| g.square().sum(Kind::Float))
                .fold(
                    Tensor::zeros([], (Kind::Float, grads[0].device())),
                    |a, b| a + b,
                )
                .sqrt();
            let norm_value = norm.double_value(&[]);
            if cfg.grad_clip > 0.0 {
                let coef = (cfg.grad_clip / (norm_value + 1e-6)).min(1.0);
                if coef < 1.0 {
                    for g in &mut grads {
                        *g = &*g * coef;
                    }
                }
            }
            let (b1, b2) = cfg.betas;
            let (bc1, bc2) = (1.0 - b1.powf(t), 1.0 - b2.powf(t));
            for (group, g) in self.groups.iter_mut().zip(&grads) {
                if group.params.is_empty() {
                    continue;
                }
                if group.decay && cfg.weight_decay > 0.0 {
                    let _ = group.flat.g_mul_scalar_(1.0 - lr * cfg.weight_decay);
                }
                let _ = group.m.g_mul_scalar_(b1).g_add_(&(g * (1.0 - b1)));
                let _ = group.v.g_mul_scalar_(b2).g_add_(&(g.square() * (1.0 - b2)));
                let denom = group.v.sqrt() / bc2.sqrt() + cfg.eps;
                let _ = group.flat.g_sub_(&(&group.m / denom * (lr / bc1)));
            }
            Ok(norm_value)
        })
    }

    /// The optimizer state as named tensors (`m.NAME`, `v.NAME`, `ema.NAME`).
    pub fn state_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for g in &self.groups {
            for (prefix, flat) in [
                ("m", Some(&g.m)),
                ("v", Some(&g.v)),
                ("ema", g.filter.as_ref().and_then(|f| f.ema.as_ref())),
            ] {
                if let Some(flat) = flat {
                    out.extend(
                        g.views(flat)
                            .into_iter()
                            .map(|(n, t)| (format!("{prefix}.{n}"), t)),
                    );
                }
            }
        }
        out
    }

    /// Restores the state written by [`AdamW::state_tensors`] after `step` steps; every `m.`/`v.`
    /// tensor must be present with its parameter's shape.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], step: u64) -> Result<()> {
        let by_name: std::collections::HashMap<&str, &Tensor> =
            tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let has_ema = tensors.iter().any(|(n, _)| n.starts_with("ema."));
        tch::no_grad(|| {
            for g in &mut self.groups {
                if has_ema {
                    let gf = self.cfg.grokfast.ok_or_else(|| GrokError::Invalid("optimizer state has a Grokfast EMA but the run has no [train.grokfast]".into()))?;
                    let f = g.filter.get_or_insert_with(|| GrokfastFilter::new(gf));
                    f.ema = Some(g.flat.zeros_like());
                }
                for (prefix, flat) in [
                    ("m", Some(&g.m)),
                    ("v", Some(&g.v)),
                    ("ema", g.filter.as_ref().and_then(|f| f.ema.as_ref())),
                ] {
                    let Some(flat) = flat else { continue };
                    for (name, mut view) in g.views(flat) {
                        let key = format!("{prefix}.{name}");
                        let src = by_name.get(key.as_str()).ok_or_else(|| {
                            GrokError::Invalid(format!("optimizer state lacks `{key}`"))
                        })?;
                        if src.size() != view.size() {
                            return Err(GrokError::Invalid(format!(
                                "optimizer state `{key}` has shape {:?}, expected {:?}",
                                src.size(),
                                view.size()
                            )));
                        }
                        view.f_copy_(src)?;
                    }
                }
            }
            Ok(())
        })?;
        self.step = step;
        Ok(())
    }
}
