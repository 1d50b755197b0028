//! What opening a model is allowed to do. A model folder is data: loading one runs no code of its
//! own and accepts no broken weights unless the user says otherwise.
//!
//! - A `config.json` (or a run's `config.toml`) that names a reasoning-module plugin is refused,
//!   before the library is touched, unless the user allowed that library ([`LoadPolicy::allow_plugin`];
//!   `--allow-plugin PATH` on the command line). Paths are compared after resolving both to
//!   absolute canonical paths.
//! - Weights with NaN or infinite values are refused unless [`LoadPolicy::allow_nonfinite`]
//!   (`--allow-nonfinite`) is set for debugging.
//!
//! ```
//! use grokked_core::model::trust::LoadPolicy;
//! use grokked_plugin::host::PluginConfig;
//! let dir = tempfile::tempdir().unwrap();
//! let lib = dir.path().join("libmodule.so");
//! std::fs::write(&lib, b"not really a library").unwrap();
//! let plugin = PluginConfig::new(&lib, serde_json::json!({}), 0, 1);
//! let err = LoadPolicy::default().check_plugin(&plugin, "model/config.json".as_ref()).unwrap_err();
//! assert!(err.to_string().contains("--allow-plugin"));
//! assert!(LoadPolicy::default().allow_plugin(&lib).check_plugin(&plugin, "model/config.json".as_ref()).is_ok());
//! ```

use crate::error::{GrokError, Result};
use grokked_plugin::host::{resolve_library, PluginConfig};
use std::path::{Path, PathBuf};

/// The user's consent for what loading a model may do beyond reading data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadPolicy {
    allowed_plugins: Vec<PathBuf>,
    allow_nonfinite: bool,
}

impl LoadPolicy {
    /// Data only: no plugin libraries, finite weights only (the default).
    pub fn data_only() -> Self {
        Self::default()
    }

    /// Also allows loading the plugin library at `path`.
    pub fn allow_plugin(mut self, path: impl Into<PathBuf>) -> Self {
        self.allowed_plugins.push(path.into());
        self
    }

    /// Also allows every library in `paths`.
    pub fn allow_plugins<P: Into<PathBuf>>(self, paths: impl IntoIterator<Item = P>) -> Self {
        paths.into_iter().fold(self, Self::allow_plugin)
    }

    /// Accepts (`true`) or refuses non-finite weights.
    pub fn allow_nonfinite(mut self, allow: bool) -> Self {
        self.allow_nonfinite = allow;
        self
    }

    /// Whether non-finite weights are accepted.
    pub fn nonfinite_allowed(&self) -> bool {
        self.allow_nonfinite
    }

    /// Checks that the library `plugin` names, found in `named_in`, was allowed. Nothing of the
    /// library is loaded here.
    pub fn check_plugin(&self, plugin: &PluginConfig, named_in: &Path) -> Result<()> {
        let library = resolve_library(&plugin.path)
            .map_err(|e| GrokError::format(named_in, format!("names a plugin library: {e}")))?;
        let allowed = self
            .allowed_plugins
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .any(|p| p == library);
        if allowed {
            Ok(())
        } else {
            Err(GrokError::PluginNotAllowed {
                config: named_in.to_path_buf(),
                library,
            })
        }
    }
}
