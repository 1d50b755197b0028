//! The optimizer's settings, as `[train]` spells them: AdamW's betas, epsilon and weight decay,
//! gradient clipping, and the grokking methods (Grokfast, ⊥Grad, Muon).
//!
//! ```
//! use grokked_train::OptimConfig;
//! let train: grokked_train::TrainSection = toml::from_str("weight_decay = 1.0\nlr = 1e-3").unwrap();
//! assert_eq!(train.optim, OptimConfig { weight_decay: 1.0, ..OptimConfig::paper() });
//! assert_eq!(OptimConfig::default().weight_decay, 0.0); // plain AdamW in code
//! ```

use serde::{Deserialize, Serialize};

/// Grokfast's slow-gradient amplification (Lee et al. 2024): `g + lambda * slow(g)`, with `slow`
/// an EMA of the gradients or, when `window` is set, their mean over the last `window` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrokfastConfig {
    /// EMA momentum (ignored with `window`).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Amplification.
    pub lambda: f64,
    /// The moving-average variant's window (its state is not checkpointed: a resumed run warms
    /// the window up again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
}

fn default_alpha() -> f64 {
    0.98
}

/// Muon for the blocks' 2-D weights (see [`crate::muon`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MuonConfig {
    /// Momentum (Nesterov).
    pub momentum: f64,
    /// Newton-Schulz iterations.
    pub ns_steps: usize,
}

impl Default for MuonConfig {
    fn default() -> Self {
        MuonConfig {
            momentum: 0.95,
            ns_steps: 5,
        }
    }
}

/// Optimizer hyperparameters (the learning rate is passed per step).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default = "OptimConfig::paper")]
pub struct OptimConfig {
    /// Adam betas.
    #[serde(deserialize_with = "two_betas")]
    pub betas: (f64, f64),
    /// Adam epsilon.
    pub eps: f64,
    /// Decoupled weight decay of the decay groups.
    pub weight_decay: f64,
    /// Global gradient-norm clip (0: off).
    pub grad_clip: f64,
    /// Grokfast filter; off when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grokfast: Option<GrokfastConfig>,
    /// ⊥Grad: remove each gradient's component along its weights (rescaled to its norm).
    pub orthograd: bool,
    /// Muon for the blocks' 2-D weights; off when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muon: Option<MuonConfig>,
}

impl Default for OptimConfig {
    fn default() -> Self {
        OptimConfig {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            grad_clip: 0.0,
            grokfast: None,
            orthograd: false,
            muon: None,
        }
    }
}

impl OptimConfig {
    /// The paper's settings, which a `[train]` section gets for what it omits: weight decay 0.1,
    /// the gradient norm clipped to 1, betas (0.9, 0.999), epsilon 1e-8, no grokking method.
    /// (`Default` is plain AdamW: no decay, no clipping.)
    pub fn paper() -> Self {
        OptimConfig {
            weight_decay: 0.1,
            grad_clip: 1.0,
            ..OptimConfig::default()
        }
    }
}

/// Adam's two betas from a list that must hold exactly two (a third would be dropped unseen).
fn two_betas<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<(f64, f64), D::Error> {
    let v: Vec<f64> = Vec::deserialize(d)?;
    match v.as_slice() {
        [b1, b2] => Ok((*b1, *b2)),
        _ => Err(serde::de::Error::invalid_length(
            v.len(),
            &"exactly two betas [beta1, beta2]",
        )),
    }
}
