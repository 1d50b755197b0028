//! The error type of the core crate: every fallible call returns [`Result`].
//!
//! ```
//! use grokked_model::error::GrokError;
//! let e = GrokError::config("n_embd", "must be divisible by n_head (4)");
//! assert!(e.to_string().contains("n_embd"));
//! ```

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the core crate, each variant naming what was at fault.
#[derive(Debug, thiserror::Error)]
pub enum GrokError {
    /// A configuration field is missing or has a bad value.
    #[error("config field `{field}`: {msg}")]
    Config {
        /// The field's name as it appears in the file.
        field: String,
        /// What is wrong with it.
        msg: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file was read but its content is malformed.
    #[error("{path}: {msg}")]
    Format {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it (names the field, tensor or line).
        msg: String,
    },
    /// A tensor in a checkpoint is missing or has the wrong shape.
    #[error("{path}: tensor `{tensor}`: {msg}")]
    Tensor {
        /// The checkpoint file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// What is wrong with it.
        msg: String,
    },
    /// An input exceeds a limit of the model (for example a prompt longer than `n_positions`).
    #[error("{what} is {got}, above the limit {limit} ({name})")]
    Limit {
        /// What was measured, e.g. "prompt length".
        what: String,
        /// Its value.
        got: i64,
        /// The limit.
        limit: i64,
        /// The name of the limit, e.g. "n_positions".
        name: String,
    },
    /// A model or run names a plugin library the user did not allow.
    #[error("{config} names the plugin library {library}; loading it would run its code. Allow it explicitly if you trust it: `--allow-plugin {library}` on the command line, `LoadPolicy::data_only().allow_plugin(PATH)` in the library")]
    PluginNotAllowed {
        /// The file naming the library.
        config: PathBuf,
        /// The library, resolved.
        library: PathBuf,
    },
    /// Another process is writing the run folder.
    #[error("{run}: the run folder is being written by process {holder} (lock file {lock}); wait for it to finish or stop it")]
    RunLocked {
        /// The run folder.
        run: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The holder's process id, as recorded in the lock file.
        holder: String,
    },
    /// An argument is invalid (wrong shape, out of range, inconsistent).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A tokenizer failed to load, encode or decode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The dataset crate reported an error.
    #[error("{0}")]
    Data(String),
    /// A plugin could not be loaded or failed.
    #[error("{0}")]
    Plugin(#[from] grokked_plugin::host::PluginError),
    /// A libtorch operation failed.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl From<grokked_data::DataError> for GrokError {
    fn from(e: grokked_data::DataError) -> Self {
        GrokError::Data(e.to_string())
    }
}

/// The core crate's result type.
pub type Result<T, E = GrokError> = std::result::Result<T, E>;

impl GrokError {
    /// A [`GrokError::Config`] for `field`.
    pub fn config(field: impl Into<String>, msg: impl Into<String>) -> Self {
        GrokError::Config {
            field: field.into(),
            msg: msg.into(),
        }
    }

    /// A [`GrokError::Io`] for `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        GrokError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A [`GrokError::Format`] for `path`.
    pub fn format(path: &Path, msg: impl Into<String>) -> Self {
        GrokError::Format {
            path: path.to_path_buf(),
            msg: msg.into(),
        }
    }
}
