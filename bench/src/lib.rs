//! Shared helpers of the benchmark binaries in `bench/src/bin/`.
//!
//! ```
//! let (secs, v) = grokked_bench::timed(|| 2 + 2);
//! assert_eq!(v, 4);
//! assert!(secs >= 0.0);
//! ```

/// Runs `f` and returns its wall time in seconds with its value.
pub fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = std::time::Instant::now();
    let v = f();
    (start.elapsed().as_secs_f64(), v)
}
