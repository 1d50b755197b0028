//! A library's build record: what its declaration says it was built with (the leading fields every
//! ABI version keeps in place), its SHA-256 and when the file was written.
//!
//! ```
//! use grokked_plugin::host::record::utc;
//! assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
//! assert_eq!(utc(1_796_088_168), "2026-12-01 01:22:48 UTC");
//! assert_eq!(utc(951_825_600), "2000-02-29 12:00:00 UTC");
//! ```

use serde::Serialize;
use std::path::PathBuf;

/// A plugin's declared identity and its file's build record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    /// The module's name.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// Its ABI version.
    pub abi_version: u32,
    /// Its SDK version.
    pub sdk_version: String,
    /// Its libtorch version.
    pub libtorch_version: String,
    /// Its rustc version.
    pub rustc_version: String,
    /// The library file's SHA-256 (lowercase hex).
    pub sha256: String,
    /// When the file was last written (its build time), in seconds since the Unix epoch.
    pub built_unix: Option<u64>,
}

impl PluginInfo {
    /// The record as `KEY VALUE` lines, indented by two spaces, for a terminal.
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!("  name      {}", self.name),
            format!("  file      {}", self.path.display()),
            format!("  ABI       {}", self.abi_version),
            format!("  SDK       {}", self.sdk_version),
            format!("  libtorch  {}", self.libtorch_version),
            format!("  rustc     {}", self.rustc_version),
            format!("  sha256    {}", self.sha256),
            format!("  built     {}", built(self.built_unix)),
        ]
    }
}

/// A build time for messages: the UTC date, or `unknown`.
pub fn built(unix: Option<u64>) -> String {
    unix.map_or_else(|| "unknown".into(), utc)
}

/// The modification time of `path` in seconds since the Unix epoch, if the file system tells.
pub fn modified_unix(path: &std::path::Path) -> Option<u64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs(),
    )
}

/// `unix` seconds as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian calendar).
pub fn utc(unix: u64) -> String {
    let (days, secs) = ((unix / 86_400) as i64, unix % 86_400);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
