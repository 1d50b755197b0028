//! Settings changed for one load of a model and never written back: a plugin's options, such as
//! more loops at inference than in training (`--set model.plugin.options.n=4` on `grokked eval`,
//! `lens` and `analyze`), and where its library is (`--set model.plugin.path=LIB`: a model saved
//! on another machine, or shipped, names a library path that is not yours). The checkpoint stays
//! as it was; only the model built from it differs, and loading still checks every weight against
//! it. The library found at the new path still needs consent (`--allow-plugin`) and is still held
//! to the hash the checkpoint records (or `--accept-rebuilt`).
//!
//! ```
//! use grokked_model::overrides::ModelOverrides;
//! let o = ModelOverrides::parse(&["model.plugin.options.n=4".to_string()]).unwrap();
//! assert_eq!(o.plugin_options()["n"], 4);
//! let o = ModelOverrides::parse(&["model.plugin.path=target/release/libshared_depth.so".to_string()]).unwrap();
//! assert_eq!(o.plugin_path().unwrap(), std::path::Path::new("target/release/libshared_depth.so"));
//! let err = ModelOverrides::parse(&["model.n_layer=2".to_string()]).unwrap_err();
//! assert!(err.to_string().contains("model.plugin.options.KEY"), "{err}");
//! ```

use crate::error::{GrokError, Result};
use grokked_plugin::host::PluginConfig;
use std::path::{Path, PathBuf};

/// The prefix of the keys that can be overridden.
pub const PLUGIN_OPTIONS: &str = "model.plugin.options.";
/// The key of the plugin library's path.
pub const PLUGIN_PATH: &str = "model.plugin.path";

/// Plugin options to change for one load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelOverrides {
    plugin_options: serde_json::Map<String, serde_json::Value>,
    plugin_path: Option<PathBuf>,
}

impl ModelOverrides {
    /// Reads `KEY=VALUE` assignments; `KEY` is `model.plugin.options.NAME` and `VALUE` JSON (a
    /// bare word counts as a string).
    pub fn parse(sets: &[String]) -> Result<Self> {
        let mut plugin_options = serde_json::Map::new();
        let mut plugin_path = None;
        for set in sets {
            let (key, value) = set
                .split_once('=')
                .ok_or_else(|| GrokError::Invalid(format!("--set {set}: expected KEY=VALUE")))?;
            if key.trim() == PLUGIN_PATH {
                let value = value.trim().trim_matches('"');
                if value.is_empty() {
                    return Err(GrokError::Invalid(format!("--set {set}: an empty path")));
                }
                plugin_path = Some(PathBuf::from(value));
                continue;
            }
            let name = key
                .trim()
                .strip_prefix(PLUGIN_OPTIONS)
                .filter(|n| !n.is_empty() && !n.contains('.'))
                .ok_or_else(|| {
                    GrokError::Invalid(format!(
                        "--set {set}: only a plugin's options ({PLUGIN_OPTIONS}KEY=VALUE) and its \
                         library ({PLUGIN_PATH}=LIB) can change when a model is opened; the \
                         checkpoint fixes everything else"
                    ))
                })?;
            let value = value.trim();
            let parsed = serde_json::from_str(value)
                .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
            plugin_options.insert(name.to_string(), parsed);
        }
        Ok(ModelOverrides {
            plugin_options,
            plugin_path,
        })
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.plugin_options.is_empty() && self.plugin_path.is_none()
    }

    /// The library to open the plugin from, in place of the one the model names.
    pub fn plugin_path(&self) -> Option<&Path> {
        self.plugin_path.as_deref()
    }

    /// Points `plugin` at the overriding library, if any (a no-op otherwise): applied before
    /// consent is checked, so consent is asked for the library that will run.
    pub fn relocate(&self, plugin: &mut PluginConfig) {
        if let Some(path) = &self.plugin_path {
            plugin.path = path.clone();
        }
    }

    /// The plugin options to change.
    pub fn plugin_options(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.plugin_options
    }

    /// Applies the option overrides to the plugin of the model described in `named_in` (its
    /// library path was already changed by [`ModelOverrides::relocate`], before consent was
    /// checked). A model without a plugin has nothing to change: that is an error, as is a key
    /// the module does not know (the module says so when it is created).
    pub fn apply(&self, plugin: Option<&mut PluginConfig>, named_in: &Path) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let plugin = plugin.ok_or_else(|| {
            GrokError::format(
                named_in,
                "names no plugin, so --set model.plugin.* has nothing to change",
            )
        })?;
        match &mut plugin.options {
            serde_json::Value::Object(options) => {
                options.extend(self.plugin_options.clone());
                Ok(())
            }
            other => Err(GrokError::format(
                named_in,
                format!("the plugin's options are not a table: {other}"),
            )),
        }
    }
}
