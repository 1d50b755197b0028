//! File helpers with errors that name the file: atomic writes (see
//! [`grokked_data::io::atomic_file`]), reads and checksums.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a.txt");
//! grokked_model::fsutil::write_atomic(&p, b"hello").unwrap();
//! assert_eq!(grokked_model::fsutil::read_to_string(&p).unwrap(), "hello");
//! assert!(grokked_model::fsutil::sha256_file(&p).unwrap().starts_with("2cf24dba"));
//! ```

use crate::error::{GrokError, Result};
use grokked_data::io::atomic_file;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    atomic_file::write(path, bytes).map_err(|e| GrokError::io(path, e))
}

/// Reads a file to a string, naming the file on error.
pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| GrokError::io(path, e))
}

/// The SHA-256 of a file's content, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| GrokError::io(path, e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
