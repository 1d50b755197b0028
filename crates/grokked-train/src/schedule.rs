//! Learning-rate schedules: linear warmup, then constant or cosine decay.
//!
//! ```
//! use grokked_train::{schedule::learning_rate, ScheduleKind};
//! assert_eq!(learning_rate(ScheduleKind::Constant, 1e-3, 100, 1000, 50), 5e-4);
//! assert_eq!(learning_rate(ScheduleKind::Constant, 1e-3, 100, 1000, 500), 1e-3);
//! assert!(learning_rate(ScheduleKind::Cosine, 1e-3, 0, 1000, 1000).abs() < 1e-12);
//! ```

use super::config::ScheduleKind;

/// The learning rate of optimizer step `step` (1-based, as PyTorch's LambdaLR counts after its
/// first `step()`; step 0 is the rate before any update).
pub fn learning_rate(kind: ScheduleKind, peak: f64, warmup: u64, max_steps: u64, step: u64) -> f64 {
    if step < warmup {
        return peak * step as f64 / warmup as f64;
    }
    match kind {
        ScheduleKind::Constant => peak,
        ScheduleKind::Cosine => {
            let span = max_steps.saturating_sub(warmup).max(1) as f64;
            let progress = ((step - warmup) as f64 / span).min(1.0);
            peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
        }
    }
}
