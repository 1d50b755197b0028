//! [`PluginError`]: why a plugin could not be loaded or run, each naming the file or the plugin.

use super::record::{self, PluginInfo};
use std::path::{Path, PathBuf};

/// Why a plugin could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The file does not exist.
    #[error("{}: plugin file not found (looked in {}; a relative path in a run config is taken from the config file's folder)", .0.display(), folder(.0))]
    NotFound(PathBuf),
    /// The file is not a loadable library, or exports no declaration.
    #[error("{path}: not a grokked plugin ({reason})")]
    NotAPlugin {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A version field differs between plugin and host.
    #[error("{path}: plugin built for {what} {plugin}, but this host has {what} {host}; rebuild the plugin against this SDK (the library says: ABI {}, SDK {}, libtorch {}, rustc {}, built {})", record.abi_version, record.sdk_version, record.libtorch_version, record.rustc_version, record::built(record.built_unix))]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// Which version (ABI, SDK, libtorch, rustc).
        what: &'static str,
        /// The plugin's.
        plugin: String,
        /// The host's.
        host: String,
        /// What the library was built with.
        record: Box<PluginInfo>,
    },
    /// The plugin returned an error or panicked.
    #[error("plugin `{name}`: {msg}")]
    Plugin {
        /// The plugin's name.
        name: String,
        /// Its message.
        msg: String,
    },
    /// The library differs from the one recorded (e.g. in a checkpoint's `config.json`).
    #[error("{path}: the library's SHA-256 is {found}, but {recorded} was recorded for it; it is not the library the model was saved with, so it is not loaded")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The recorded hash.
        recorded: String,
        /// The file's hash now.
        found: String,
    },
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The host passed something invalid.
    #[error("plugin: {0}")]
    Invalid(String),
}

/// The folder a path names a file in, absolute when it can be made so.
fn folder(path: &Path) -> String {
    let parent = path.parent().unwrap_or(Path::new(""));
    std::path::absolute(parent)
        .unwrap_or_else(|_| parent.to_path_buf())
        .display()
        .to_string()
}
