//! The optimizer: AdamW (PyTorch's update rule) over flat parameter groups, with weight-decay
//! groups, global-norm clipping, and the optional grokking methods: Grokfast's gradient filter,
//! the orthogonal gradient ⊥Grad (see [`super::grad_filters`]) and Muon for 2-D weight matrices
//! (see [`super::muon`]).
//!
//! Each group's parameters are views into one contiguous buffer, so a step is a dozen tensor ops
//! whatever the number of parameters, and nothing is read back to the host. Biases and LayerNorm
//! parameters get no weight decay. With Muon, the blocks' 2-D weights form a third group; the
//! embeddings (and the tied LM head) stay with AdamW, as Muon's authors advise.
//!
//! A step: flat gradients -> Grokfast filter -> ⊥Grad per parameter tensor -> global-norm clip
//! -> AdamW or Muon update with decoupled weight decay.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! use grokked_train::{optim::Optimizer, OptimConfig};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let opt = Optimizer::new(&model.vs, OptimConfig::default()).unwrap();
//! assert!(opt.group_names(true).contains(&"transformer.h.0.attn.c_attn.weight".to_string()));
//! assert!(opt.group_names(false).contains(&"transformer.ln_f.weight".to_string()));
//! ```

use crate::grad_filters::{orthogonalize, GrokfastFilter};
use crate::muon::{newton_schulz, rms_scale};
use crate::optim_config::OptimConfig;
use grokked_model::error::{GrokError, Result};
use tch::{nn::VarStore, Kind, Tensor};

/// Whether a parameter is weight-decayed: everything but biases and LayerNorm parameters.
pub fn decays(name: &str) -> bool {
    !(name.ends_with(".bias")
        || name
            .split('.')
            .any(|part| part.starts_with("ln_") || part == "ln"))
}

/// Whether Muon (when on) updates a parameter: a decayed 2-D matrix that is not an embedding
/// table or the LM head.
pub fn muon_updates(name: &str, shape: &[i64]) -> bool {
    decays(name)
        && shape.len() == 2
        && !name.ends_with("wte.weight")
        && !name.ends_with("wpe.weight")
        && !name.starts_with("lm_head.")
}

/// How a group is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// AdamW with weight decay.
    AdamDecay,
    /// AdamW without weight decay (biases, LayerNorms).
    AdamPlain,
    /// Muon with weight decay.
    Muon,
}

/// Parameters sharing one flat buffer and one update rule.
struct Group {
    rule: Rule,
    names: Vec<String>,
    params: Vec<Tensor>,
    flat: Tensor,
    /// First moment (AdamW) or momentum (Muon).
    m: Tensor,
    /// Second moment (AdamW only; empty for Muon).
    v: Tensor,
    filter: Option<GrokfastFilter>,
}

impl Group {
    fn new(mut named: Vec<(String, Tensor)>, rule: Rule) -> Self {
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
        let v = if rule == Rule::Muon {
            flat.zeros_like().narrow(0, 0, 0)
        } else {
            flat.zeros_like()
        };
        Group {
            rule,
            names,
            params,
            m: flat.zeros_like(),
            v,
            filter: None,
            flat,
        }
    }

    fn decays(&self) -> bool {
        self.rule != Rule::AdamPlain
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

    /// `(name, view)` pairs of a flat tensor, shaped like the parameters.
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

    /// The optimizer state this group saves, by prefix.
    fn state(&self) -> Vec<(&'static str, &Tensor)> {
        let mut out = vec![("m", &self.m)];
        if self.rule != Rule::Muon {
            out.push(("v", &self.v));
        }
        if let Some(ema) = self
            .filter
            .as_ref()
            .filter(|f| f.saves_state())
            .and_then(|f| f.slow.as_ref())
        {
            out.push(("ema", ema));
        }
        out
    }
}

/// The optimizer over a VarStore's trainable parameters.
pub struct Optimizer {
    groups: Vec<Group>,
    cfg: OptimConfig,
    step: u64,
}

impl std::fmt::Debug for Optimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optimizer")
            .field("cfg", &self.cfg)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Optimizer {
    /// Groups the trainable variables of `vs` and makes them views of flat buffers.
    pub fn new(vs: &VarStore, cfg: OptimConfig) -> Result<Self> {
        let trainable: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        if trainable.iter().any(|(_, t)| t.kind() != Kind::Float) {
            return Err(GrokError::Invalid(
                "the optimizer expects float32 parameters".into(),
            ));
        }
        let rule = |(name, t): &(String, Tensor)| {
            if cfg.muon.is_some() && muon_updates(name, &t.size()) {
                Rule::Muon
            } else if decays(name) {
                Rule::AdamDecay
            } else {
                Rule::AdamPlain
            }
        };
        let groups = [Rule::AdamDecay, Rule::AdamPlain, Rule::Muon]
            .into_iter()
            .map(|r| {
                let members = trainable
                    .iter()
                    .filter(|p| rule(p) == r)
                    .map(|(n, t)| (n.clone(), t.shallow_clone()))
                    .collect();
                Group::new(members, r)
            })
            .filter(|g| !g.params.is_empty() || g.rule != Rule::Muon)
            .collect();
        Ok(Optimizer {
            groups,
            cfg,
            step: 0,
        })
    }

    /// The names of the decayed (`true`) or undecayed (`false`) parameters, sorted.
    pub fn group_names(&self, decay: bool) -> Vec<String> {
        let mut names: Vec<String> = self
            .groups
            .iter()
            .filter(|g| g.decays() == decay)
            .flat_map(|g| g.names.clone())
            .collect();
        names.sort();
        names
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

    /// One update with learning rate `lr`; returns the gradient norm before clipping, as a
    /// scalar tensor (reading it back is left to the caller, so the step never waits for the
    /// device).
    pub fn step(&mut self, lr: f64) -> Result<Tensor> {
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
            if cfg.orthograd {
                for (group, g) in self.groups.iter().zip(grads.iter_mut()) {
                    let parts: Vec<Tensor> = group
                        .views(&group.flat)
                        .iter()
                        .zip(group.views(g))
                        .map(|((_, w), (_, gp))| orthogonalize(w, &gp))
                        .collect();
                    if !parts.is_empty() {
                        *g = Tensor::cat(&parts, 0);
                    }
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
            if cfg.grad_clip > 0.0 {
                let coef = (cfg.grad_clip / (&norm + 1e-6)).clamp_max(1.0);
                for g in &mut grads {
                    *g = &*g * &coef;
                }
            }
            let (b1, b2) = cfg.betas;
            let (bc1, bc2) = (1.0 - b1.powf(t), 1.0 - b2.powf(t));
            for (group, g) in self.groups.iter_mut().zip(&grads) {
                if group.params.is_empty() {
                    continue;
                }
                if group.decays() && cfg.weight_decay > 0.0 {
                    let _ = group.flat.g_mul_scalar_(1.0 - lr * cfg.weight_decay);
                }
                match (group.rule, cfg.muon) {
                    (Rule::Muon, Some(mc)) => {
                        let mu = mc.momentum;
                        let _ = group.m.g_mul_scalar_(mu).g_add_(&(g * (1.0 - mu)));
                        // Nesterov: look ahead along the momentum.
                        let update = g * (1.0 - mu) + &group.m * mu;
                        for ((_, mut w), (_, u)) in group
                            .views(&group.flat)
                            .into_iter()
                            .zip(group.views(&update))
                        {
                            let (rows, cols) = (u.size()[0], u.size()[1]);
                            let o = newton_schulz(&u, mc.ns_steps);
                            let _ = w.g_sub_(&(o * (lr * rms_scale(rows, cols))));
                        }
                    }
                    _ => {
                        let _ = group.m.g_mul_scalar_(b1).g_add_(&(g * (1.0 - b1)));
                        let _ = group.v.g_mul_scalar_(b2).g_add_(&(g.square() * (1.0 - b2)));
                        let denom = group.v.sqrt() / bc2.sqrt() + cfg.eps;
                        let _ = group.flat.g_sub_(&(&group.m / denom * (lr / bc1)));
                    }
                }
            }
            Ok(norm)
        })
    }

    /// The optimizer state as named tensors (`m.NAME`, `v.NAME` for AdamW's parameters, `ema.NAME`
    /// with Grokfast's EMA filter).
    pub fn state_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for g in &self.groups {
            for (prefix, flat) in g.state() {
                out.extend(
                    g.views(flat)
                        .into_iter()
                        .map(|(n, t)| (format!("{prefix}.{n}"), t)),
                );
            }
        }
        out
    }

    /// Restores the state written by [`Optimizer::state_tensors`] after `step` steps; every tensor
    /// the configuration keeps must be present with its parameter's shape.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], step: u64) -> Result<()> {
        let by_name: std::collections::HashMap<&str, &Tensor> =
            tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let has_ema = tensors.iter().any(|(n, _)| n.starts_with("ema."));
        tch::no_grad(|| {
            for g in &mut self.groups {
                if has_ema {
                    let gf = self.cfg.grokfast.filter(|c| c.window.is_none()).ok_or_else(|| {
                        GrokError::Invalid(
                            "optimizer state has a Grokfast EMA but the run has no [train.grokfast] \
                             EMA filter"
                                .into(),
                        )
                    })?;
                    let f = g.filter.get_or_insert_with(|| GrokfastFilter::new(gf));
                    f.slow = Some(g.flat.zeros_like());
                }
                for (prefix, flat) in g.state() {
                    for (name, mut view) in g.views(flat) {
                        let key = format!("{prefix}.{name}");
                        let src = by_name.get(key.as_str()).ok_or_else(|| {
                            GrokError::Invalid(format!(
                                "optimizer state lacks `{key}` (was the run saved with other \
                                 optimizer settings?)"
                            ))
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
