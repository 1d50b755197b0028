//! The writer's lock of a run folder (`RUN/.lock`): an advisory `flock` that one process holds
//! while it writes the run, with the holder's process id in the file for the error of the next.
//!
//! A run folder may come from someone else, so the lock file is treated as hostile: it is never
//! followed through a symbolic link, never truncated, and refused unless it is a plain file with
//! one name (a hard link to a file of yours is refused too). Readers ([`holder`]) open it
//! read-only and take nothing that a writer would trip over for more than an instant, so a
//! status query writes nothing and works in a folder the user cannot write.
//!
//! ```
//! use grokked_train::run_lock::{holder, RunLock};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join(".lock");
//! assert_eq!(holder(&path).unwrap(), None);
//! let lock = RunLock::acquire(dir.path(), &path).unwrap();
//! assert_eq!(holder(&path).unwrap(), Some(std::process::id().to_string()));
//! drop(lock);
//! assert_eq!(holder(&path).unwrap(), None);
//! #[cfg(unix)]
//! {
//!     std::fs::remove_file(&path).unwrap();
//!     let precious = dir.path().join("precious.txt");
//!     std::fs::write(&precious, "keep me").unwrap();
//!     std::os::unix::fs::symlink(&precious, &path).unwrap();
//!     let err = RunLock::acquire(dir.path(), &path).unwrap_err().to_string();
//!     assert!(err.contains("symbolic link"), "{err}");
//!     assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
//! }
//! ```

use grokked_model::error::{GrokError, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The exclusive right to write a run folder, released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// How long a writer retries a lock that a reader may be probing at that instant.
const PROBE_GRACE: Duration = Duration::from_millis(500);

fn refuse(path: &Path, why: &str) -> GrokError {
    GrokError::format(
        path,
        format!(
            "{why}: refusing to use it as the run's lock file (remove it if the folder is yours)"
        ),
    )
}

/// Opens `path` without following a final symbolic link; `create` makes it exclusively when
/// it does not exist. The file must be a plain file with one link.
fn open_lock_file(path: &Path, create: bool) -> Result<Option<File>> {
    let io = |e| GrokError::io(path, e);
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let opened = if create {
        let made = opts.clone().write(true).create_new(true).open(path);
        match made {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => opts.write(true).open(path),
            other => other,
        }
    } else {
        opts.open(path)
    };
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => return Ok(None),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(refuse(path, "it is a symbolic link"))
        }
        Err(e) => return Err(io(e)),
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(path, "it is not a plain file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(refuse(
                path,
                &format!("it is a hard link ({} names share it)", meta.nlink()),
            ));
        }
    }
    Ok(Some(file))
}

fn recorded_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let holder = text.lines().next().unwrap_or("").trim();
    if holder.is_empty() {
        "unknown".into()
    } else {
        holder.to_string()
    }
}

impl RunLock {
    /// Takes the lock `path` of the run folder `run` (created if missing); fails at once, naming
    /// the holder's process id, while another process holds it.
    pub fn acquire(run: &Path, path: &Path) -> Result<Self> {
        std::fs::create_dir_all(run).map_err(|e| GrokError::io(run, e))?;
        let io = |e| GrokError::io(path, e);
        let mut file = open_lock_file(path, true)?.expect("created when missing");
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                // A reader's probe holds a shared lock for an instant: wait that out.
                Err(TryLockError::WouldBlock) if start.elapsed() < PROBE_GRACE => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(GrokError::RunLocked {
                        run: run.to_path_buf(),
                        lock: path.to_path_buf(),
                        holder: recorded_holder(&mut file),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // A fixed-width record overwrites an earlier one in place: the file is never truncated.
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let record = format!("{:<20}\n", std::process::id());
            file.write_all_at(record.as_bytes(), 0).map_err(io)?;
        }
        Ok(RunLock { _file: file })
    }
}

/// The process id recorded by the writer holding the lock `path`, or `None` when no process
/// holds it (or there is no usable lock file). Writes nothing and takes no lock a writer would
/// notice for more than an instant.
pub fn holder(path: &Path) -> Result<Option<String>> {
    let mut file = match open_lock_file(path, false) {
        Ok(Some(f)) => f,
        // No lock file, or one no writer could hold (a link, not a plain file).
        Ok(None) | Err(GrokError::Format { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => Ok(Some(recorded_holder(&mut file))),
        Err(TryLockError::Error(e)) => Err(GrokError::io(path, e)),
    }
}
