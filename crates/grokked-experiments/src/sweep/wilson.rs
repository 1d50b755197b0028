//! The 95% Wilson score interval of an accuracy measured on `n` examples: the interval every
//! sweep summary reports beside a final accuracy (`final_S_lo`, `final_S_hi`), so that a verdict
//! can say whether two settings differ by more than their sample size allows.
//!
//! ```
//! use grokked_experiments::sweep::wilson::wilson95;
//! let (lo, hi) = wilson95(0.5, 100);
//! assert!((lo - 0.4038).abs() < 1e-4 && (hi - 0.5962).abs() < 1e-4);
//! // 0 of 21 OOD facts: the interval still reaches 15%.
//! assert!(wilson95(0.0, 21).1 > 0.15);
//! ```

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval `(lo, hi)` of a proportion `p` observed on `n` trials, at normal
/// quantile `z`. `p` is clamped to [0, 1]; with `n = 0` the interval is all of [0, 1].
pub fn wilson(p: f64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let p = p.clamp(0.0, 1.0);
    let n = n as f64;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// The 95% Wilson interval of an accuracy `p` on `n` examples.
pub fn wilson95(p: f64, n: u64) -> (f64, f64) {
    wilson(p, n, Z95)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interval's defining property: its ends are the proportions whose normal test at `z`
    /// just accepts the observed `p` (|p - q| = z sqrt(q (1 - q) / n)).
    #[test]
    fn the_ends_are_where_the_score_test_turns() {
        for (p, n) in [(0.3, 10), (0.95, 406), (0.05, 21), (0.5, 7)] {
            let (lo, hi) = wilson95(p, n);
            for q in [lo, hi] {
                let score = (p - q).abs() / (q * (1.0 - q) / n as f64).sqrt();
                assert!(
                    (score - Z95).abs() < 1e-9,
                    "p {p} n {n}: q {q} gives {score}"
                );
            }
            assert!(lo < p && p < hi);
        }
    }

    #[test]
    fn edges_and_monotone_width() {
        assert_eq!(wilson95(0.3, 0), (0.0, 1.0));
        let (lo, hi) = wilson95(0.0, 100);
        assert!(lo.abs() < 1e-12, "{lo}");
        assert!((hi - Z95 * Z95 / (100.0 + Z95 * Z95)).abs() < 1e-12);
        let (lo, hi) = wilson95(1.0, 100);
        assert!((hi - 1.0).abs() < 1e-12, "{hi}");
        assert!((lo - 100.0 / (100.0 + Z95 * Z95)).abs() < 1e-12);
        let width = |n| {
            let (lo, hi) = wilson95(0.5, n);
            hi - lo
        };
        assert!(width(21) > width(300) && width(300) > width(3000));
    }
}
