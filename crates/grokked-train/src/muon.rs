//! Muon's update for 2-D weight matrices (Jordan et al. 2024): momentum orthogonalised by a
//! quintic Newton-Schulz iteration, so every singular value of the step is close to 1. The step is
//! scaled by `0.2 * sqrt(max(rows, cols))` so its RMS matches AdamW's (Liu et al. 2025,
//! "Muon is Scalable"), which lets Muon share AdamW's learning rate and weight decay.
//!
//! ```
//! use grokked_train::muon::newton_schulz;
//! use tch::{Device, Kind, Tensor};
//! tch::manual_seed(0);
//! let g = Tensor::randn([16, 8], (Kind::Float, Device::Cpu));
//! let o = newton_schulz(&g, 5);
//! let (_, s, _) = o.svd(true, false);
//! let (lo, hi) = (s.min().double_value(&[]), s.max().double_value(&[]));
//! assert!(lo > 0.6 && hi < 1.25, "{lo} {hi}");
//! ```

use tch::Tensor;

/// The quintic iteration's coefficients (Jordan et al.): they push every singular value of a
/// matrix with spectral norm at most 1 into roughly [0.7, 1.2] in five steps.
const COEFFS: (f64, f64, f64) = (3.4445, -4.7750, 2.0315);

/// An approximately orthogonal matrix with `g`'s singular vectors: `U V^T` of `g = U S V^T`, by
/// `steps` Newton-Schulz iterations (in `g`'s kind).
pub fn newton_schulz(g: &Tensor, steps: usize) -> Tensor {
    let (a, b, c) = COEFFS;
    let tall = g.size()[0] > g.size()[1];
    let mut x = if tall { g.tr() } else { g.shallow_clone() };
    x = &x / (x.norm() + 1e-7);
    for _ in 0..steps {
        let gram = x.matmul(&x.tr());
        let poly = &gram * b + gram.matmul(&gram) * c;
        x = &x * a + poly.matmul(&x);
    }
    if tall {
        x.tr()
    } else {
        x
    }
}

/// The step's scale for a `rows x cols` matrix: AdamW's update RMS (about 0.2) over the RMS of
/// an orthogonal matrix of that shape (`1 / sqrt(max(rows, cols))`).
pub fn rms_scale(rows: i64, cols: i64) -> f64 {
    0.2 * (rows.max(cols) as f64).sqrt()
}
