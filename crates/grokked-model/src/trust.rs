//! What opening a model is allowed to do. A model folder is data: loading one runs no code of its
//! own and accepts no broken weights unless the user says otherwise.
//!
//! - A `config.json` (or a run's `config.toml`) that names a reasoning-module plugin is refused,
//!   before the library is touched, unless the user allowed that library ([`LoadPolicy::allow_plugin`];
//!   `--allow-plugin PATH` on the command line). Paths are compared after resolving both to
//!   absolute canonical paths.
//! - Weights with NaN or infinite values are refused unless [`LoadPolicy::allow_nonfinite`]
//!   (`--allow-nonfinite`) is set for debugging.
//! - Weights whose SHA-256 differs from the one their checkpoint recorded (`trainer_state.json`)
//!   are refused, before the model is built, unless [`LoadPolicy::allow_hash_mismatch`]
//!   (`--allow-hash-mismatch`) is set for forensics.
//! - A plugin library whose SHA-256 differs from the one the model was saved with (it was
//!   rebuilt) is refused before it is loaded, unless [`LoadPolicy::accept_rebuilt`]
//!   (`--accept-rebuilt`, beside `--allow-plugin`) is set: then it is opened, and a note on
//!   stderr says what changed (old and new hash, both build times). The saved model keeps the new
//!   library's hash from then on.
//!
//! ```
//! use grokked_model::trust::LoadPolicy;
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
use grokked_plugin::host::record::{built, modified_unix};
use grokked_plugin::host::{library_sha256, resolve_library, PluginConfig};
use std::path::{Path, PathBuf};

/// The user's consent for what loading a model may do beyond reading data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadPolicy {
    allowed_plugins: Vec<PathBuf>,
    allow_nonfinite: bool,
    allow_hash_mismatch: bool,
    accept_rebuilt: bool,
    overrides: crate::overrides::ModelOverrides,
}

/// The file of a checkpoint folder that records its weights' SHA-256 (`weights_sha256`).
pub const STATE_FILE: &str = "trainer_state.json";

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

    /// Accepts (`true`) or refuses weights that differ from their recorded SHA-256.
    pub fn allow_hash_mismatch(mut self, allow: bool) -> Self {
        self.allow_hash_mismatch = allow;
        self
    }

    /// Refuses `weights` of the model folder `dir` when the folder's [`STATE_FILE`] records
    /// another SHA-256 for them (unless mismatches are allowed). A folder that records nothing
    /// (a Hugging Face folder from elsewhere) passes.
    pub fn check_recorded_hash(&self, dir: &Path, weights: &Path) -> Result<()> {
        if self.allow_hash_mismatch {
            return Ok(());
        }
        let state = dir.join(STATE_FILE);
        if !state.is_file() {
            return Ok(());
        }
        let text = crate::fsutil::read_to_string(&state)?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| GrokError::format(&state, e.to_string()))?;
        match json.get("weights_sha256") {
            None => Ok(()),
            Some(serde_json::Value::String(recorded)) => {
                verify_sha256(weights, recorded).map_err(|e| match e {
                    GrokError::Format { path, msg } => GrokError::Format {
                        path,
                        msg: format!(
                            "{msg}; refusing to use these weights (`--allow-hash-mismatch` \
                             loads them anyway, for forensics)"
                        ),
                    },
                    other => other,
                })
            }
            Some(other) => Err(GrokError::format(
                &state,
                format!("field `weights_sha256`: expected a string, got {other}"),
            )),
        }
    }

    /// Accepts (`true`) an allowed plugin library that was rebuilt since the model was saved
    /// (its SHA-256 differs from the recorded one); the default refuses it.
    pub fn accept_rebuilt(mut self, accept: bool) -> Self {
        self.accept_rebuilt = accept;
        self
    }

    /// When rebuilt libraries are accepted and `plugin`'s library differs from the hash it
    /// records, drops the pin (the model built from `plugin` records the new hash) and says so on
    /// stderr; otherwise changes nothing, so the pin refuses the library when it is loaded.
    /// Returns the note, if any.
    pub fn accept_rebuilt_plugin(
        &self,
        plugin: &mut PluginConfig,
        named_in: &Path,
    ) -> Result<Option<String>> {
        let Some(recorded) = plugin.sha256.clone().filter(|_| self.accept_rebuilt) else {
            return Ok(None);
        };
        let library = resolve_library(&plugin.path)
            .map_err(|e| GrokError::format(named_in, format!("names a plugin library: {e}")))?;
        let found = library_sha256(&library)?;
        if found.eq_ignore_ascii_case(&recorded) {
            return Ok(None);
        }
        let note = format!(
            "{}: the plugin library {} was rebuilt since this model was saved: SHA-256 {recorded} \
             (built {}) then, {found} (built {}) now; opening it with the new build \
             (--accept-rebuilt)",
            named_in.display(),
            library.display(),
            built(plugin.built_unix),
            built(modified_unix(&library)),
        );
        eprintln!("grokked: {note}");
        plugin.sha256 = None;
        plugin.built_unix = None;
        Ok(Some(note))
    }

    /// Opens models with these plugin options changed (for this load only; the files stay as
    /// they are). Not consent, but how the model is opened: it travels with the policy because
    /// every command that opens a model takes one.
    pub fn with_overrides(mut self, overrides: crate::overrides::ModelOverrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// The plugin options changed when a model is opened.
    pub fn overrides(&self) -> &crate::overrides::ModelOverrides {
        &self.overrides
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

/// Refuses `file` when its SHA-256 is not `recorded` (the one its [`STATE_FILE`] holds).
pub fn verify_sha256(file: &Path, recorded: &str) -> Result<()> {
    let found = crate::fsutil::sha256_file(file)?;
    if !found.eq_ignore_ascii_case(recorded) {
        return Err(GrokError::format(
            file,
            format!(
                "SHA-256 {found} differs from the {recorded} recorded in {STATE_FILE}: the file \
                 changed after it was saved (corrupt, or edited)"
            ),
        ));
    }
    Ok(())
}
