//! Sizes against what this machine can hold: a size that would not fit in memory is refused with
//! an error naming the field and the memory it would need, before anything is allocated (an
//! allocation that fails aborts the process, which in a notebook kills the kernel).
//!
//! ```
//! use grokked_data::limits::{fits, human_bytes};
//! assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
//! assert!(fits("task", "entities", 1_000).is_ok());
//! let err = fits("composition task", "entities", u128::MAX).unwrap_err().to_string();
//! assert!(err.contains("entities") && err.contains("would need"), "{err}");
//! ```

use crate::error::{DataError, Result};

/// Bytes of memory available to this process now (`MemAvailable` of `/proc/meminfo`), or, where
/// that cannot be read, a generous 1 TiB so that only absurd sizes are refused.
pub fn available_bytes() -> u128 {
    let fallback = 1u128 << 40;
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else {
        return fallback;
    };
    text.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u128>().ok())
        .map_or(fallback, |kib| kib * 1024)
}

/// `bytes` for a person: `512 B`, `3.0 GiB`, `2.0 TiB`, ...
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Refuses `bytes` (what `field` of `place` asks to allocate) when it exceeds the memory
/// available now.
pub fn fits(place: &str, field: &str, bytes: u128) -> Result<()> {
    let available = available_bytes();
    if bytes <= available {
        return Ok(());
    }
    Err(DataError::field(
        place,
        field,
        format!(
            "too large: it would need {} of memory, and {} is available",
            human_bytes(bytes),
            human_bytes(available)
        ),
    ))
}
