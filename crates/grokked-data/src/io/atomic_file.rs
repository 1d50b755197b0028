//! Atomic file writes: write a temporary sibling, sync it, rename it over the target. A crash
//! mid-write leaves the previous file intact. The core crate builds its checkpoint writes on this.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a.txt");
//! grokked_data::io::atomic_file::write(&p, b"hello").unwrap();
//! assert_eq!(std::fs::read(&p).unwrap(), b"hello");
//! ```

use std::io;
use std::path::{Path, PathBuf};

/// The temporary sibling used while writing `path`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Lets `write` fill a temporary file, then renames it onto `path`; on error the temporary file
/// is removed and `path` is left as it was. Parent folders are created. `io_err` turns an I/O
/// failure on a named file into the caller's error type.
pub fn write_with<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
    io_err: impl Fn(&Path, io::Error) -> E,
) -> Result<(), E> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    }
    let tmp = temp_sibling(path);
    let result = write(&tmp).and_then(|()| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_err(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |tmp| std::fs::write(tmp, bytes), |_, e| e)
}
