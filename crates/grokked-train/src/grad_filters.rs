//! Gradient transforms applied before the optimizer's update: Grokfast's slow-gradient
//! amplification (Lee et al. 2024, its EMA and moving-average filters) and the orthogonal gradient
//! "⊥Grad" (Prieto et al., "Grokking at the Edge of Numerical Stability", ICLR 2025).
//!
//! ```
//! use grokked_train::grad_filters::orthogonalize;
//! use tch::Tensor;
//! let w = Tensor::from_slice(&[1.0f32, 0.0]);
//! let g = Tensor::from_slice(&[1.0f32, 1.0]);
//! // The component along w is removed and the result rescaled to |g|.
//! let o = orthogonalize(&w, &g);
//! assert!((o.dot(&w).double_value(&[])).abs() < 1e-6);
//! assert!((o.norm().double_value(&[]) - 2f64.sqrt()).abs() < 1e-6);
//! ```

use crate::optim_config::GrokfastConfig;
use tch::Tensor;

/// Grokfast's filter over one flat gradient: `g + lambda * slow(g)`, where `slow` is an EMA
/// (`alpha`, starting from the first gradient) or, with `window`, the mean of the last `window`
/// gradients (the moving-average variant, applied once the window is full, as Grokfast's `ma`
/// filter with warm-up does).
#[derive(Debug)]
pub struct GrokfastFilter {
    cfg: GrokfastConfig,
    /// The EMA, or the sum of the gradients in the window.
    pub(crate) slow: Option<Tensor>,
    /// The window's gradients, oldest first (moving-average variant only).
    history: std::collections::VecDeque<Tensor>,
}

impl GrokfastFilter {
    /// A filter with no history.
    pub fn new(cfg: GrokfastConfig) -> Self {
        GrokfastFilter {
            cfg,
            slow: None,
            history: Default::default(),
        }
    }

    /// Filters one gradient.
    pub fn apply(&mut self, g: &Tensor) -> Tensor {
        match self.cfg.window {
            None => {
                let ema = match &self.slow {
                    Some(ema) => ema * self.cfg.alpha + g * (1.0 - self.cfg.alpha),
                    None => g.copy(),
                };
                let out = g + &ema * self.cfg.lambda;
                self.slow = Some(ema);
                out
            }
            Some(window) => {
                let sum = match self.slow.take() {
                    Some(s) => s + g,
                    None => g.copy(),
                };
                self.history.push_back(g.copy());
                let sum = if self.history.len() > window {
                    let oldest = self.history.pop_front().expect("non-empty");
                    sum - oldest
                } else {
                    sum
                };
                let out = if self.history.len() == window {
                    g + &sum * (self.cfg.lambda / window as f64)
                } else {
                    g.shallow_clone()
                };
                self.slow = Some(sum);
                out
            }
        }
    }

    /// Whether the filter's state can be saved in a checkpoint (the EMA can; a window of
    /// gradients is not saved, so a resumed moving-average filter warms up again).
    pub fn saves_state(&self) -> bool {
        self.cfg.window.is_none()
    }
}

/// ⊥Grad for one parameter tensor: `g` without its component along the weights `w`,
/// rescaled to `g`'s norm (as the reference implementation does, with its 1e-30 guards).
pub fn orthogonalize(w: &Tensor, g: &Tensor) -> Tensor {
    let (w, g) = (w.reshape([-1]), g.reshape([-1]));
    let proj = w.dot(&g) / (w.dot(&w) + 1e-30);
    let orth = &g - &w * proj;
    let scale = g.norm() / (orth.norm() + 1e-30);
    orth * scale
}
