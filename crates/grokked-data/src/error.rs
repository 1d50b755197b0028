//! The dataset crate's error type; every message names the file, line, column or field at fault.
//!
//! ```
//! use grokked_data::DataError;
//! let e = DataError::parse("data.csv", 3, 7, "unterminated quote");
//! assert_eq!(e.to_string(), "data.csv:3:7: unterminated quote");
//! ```

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the dataset crate.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Malformed content at a known place of a file (line and column are 1-based).
    #[error("{path}:{line}:{column}: {msg}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        msg: String,
    },
    /// A field of a file or a parameter has a bad or missing value.
    #[error("{place}: field `{field}`: {msg}")]
    Field {
        /// The file or object holding the field.
        place: String,
        /// The field's name.
        field: String,
        /// What is wrong.
        msg: String,
    },
    /// Invalid parameters or arguments.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// polars failed (reading or writing a table).
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// The most characters of a file's content that an error message quotes.
pub const QUOTE_LIMIT: usize = 200;

/// `text` cut to [`QUOTE_LIMIT`] characters (with the number left out), for quoting in errors.
pub fn clip(text: &str) -> String {
    let n = text.chars().count();
    if n <= QUOTE_LIMIT {
        return text.to_string();
    }
    let head: String = text.chars().take(QUOTE_LIMIT).collect();
    format!("{head}... ({} more characters)", n - QUOTE_LIMIT)
}

/// The dataset crate's result type.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

impl DataError {
    /// A [`DataError::Io`] for `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A [`DataError::Parse`] at `line`:`column` of `path`.
    pub fn parse(
        path: impl AsRef<Path>,
        line: usize,
        column: usize,
        msg: impl Into<String>,
    ) -> Self {
        DataError::Parse {
            path: path.as_ref().to_path_buf(),
            line,
            column,
            msg: msg.into(),
        }
    }

    /// A [`DataError::Field`].
    pub fn field(
        place: impl Into<String>,
        field: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        DataError::Field {
            place: place.into(),
            field: field.into(),
            msg: msg.into(),
        }
    }
}
