//! Small file helpers: atomic writes, so a crash never leaves a half-written file behind.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a.txt");
//! grokked_core::fsutil::write_atomic(&p, b"hello").unwrap();
//! assert_eq!(std::fs::read(&p).unwrap(), b"hello");
//! ```

use crate::error::{GrokError, Result};
use std::path::{Path, PathBuf};

/// The temporary sibling path used while writing `path`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|e| GrokError::io(tmp, e))
    })
}

/// Lets `write` create a temporary file, then renames it onto `path`; on error the temporary
/// file is removed and `path` is left as it was.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| GrokError::io(parent, e))?;
    }
    let tmp = temp_sibling(path);
    let result = write(&tmp).and_then(|()| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| GrokError::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| GrokError::io(path, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads a file to a string, naming the file on error.
pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| GrokError::io(path, e))
}
