//! Mixed precision: inside [`with_compute_kind`], linear layers, attention and the LM head run in
//! the given kind (bf16 on CUDA) while parameters, LayerNorm and the residual stream stay float32,
//! as autocast does. libtorch's autocast in tch only offers fp16, hence this.
//!
//! ```
//! use grokked_model::precision::{compute_kind, with_compute_kind};
//! assert_eq!(compute_kind(), None);
//! with_compute_kind(Some(tch::Kind::BFloat16), || assert_eq!(compute_kind(), Some(tch::Kind::BFloat16)));
//! assert_eq!(compute_kind(), None);
//! ```

use std::cell::Cell;
use tch::{Kind, Tensor};

thread_local! {
    static COMPUTE: Cell<Option<Kind>> = const { Cell::new(None) };
}

/// The kind matrix products run in on this thread, if lowered.
pub fn compute_kind() -> Option<Kind> {
    COMPUTE.with(Cell::get)
}

/// Runs `f` with matrix products in `kind` (None: float32), restoring the previous setting.
pub fn with_compute_kind<T>(kind: Option<Kind>, f: impl FnOnce() -> T) -> T {
    let prev = COMPUTE.with(|c| c.replace(kind));
    struct Restore(Option<Kind>);
    impl Drop for Restore {
        fn drop(&mut self) {
            COMPUTE.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(prev);
    f()
}

/// `t` in the compute kind (unchanged when none is set).
pub fn lowered(t: &Tensor) -> Tensor {
    match compute_kind() {
        Some(k) if t.kind() != k => t.to_kind(k),
        _ => t.shallow_clone(),
    }
}
