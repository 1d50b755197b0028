//! [`PluginConfig`]: where a reasoning module sits in a model, how it is configured, and the
//! library it was built with.

use serde::Serialize;
use std::path::PathBuf;

/// Where a reasoning module sits in a model and how it is configured (the `[model.plugin]`
/// table of a run config; `grokked_plugin` in a model's `config.json`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// The plugin library (`.so` / `.dylib` / `.dll`).
    pub path: PathBuf,
    /// Options passed to the module (a JSON object; a TOML table in run configs).
    #[serde(default = "empty_options")]
    pub options: serde_json::Value,
    /// The module runs after this many blocks (0: right after the embeddings).
    #[serde(default)]
    pub after_layer: usize,
    /// The number of blocks after that point the module replaces (0: it is inserted).
    #[serde(default)]
    pub replace: usize,
    /// The library's SHA-256 (lowercase hex). Recorded when a model with the plugin is built,
    /// so checkpoints carry it; a library with another hash is refused before it is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When the recorded library was built (its file's modification time, Unix seconds),
    /// recorded with `sha256`, so a refusal can say which build the run was saved with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_unix: Option<u64>,
}

impl PluginConfig {
    /// A placement of the library at `path` with `options`, recording no hash yet.
    pub fn new(
        path: impl Into<PathBuf>,
        options: serde_json::Value,
        after_layer: usize,
        replace: usize,
    ) -> Self {
        PluginConfig {
            path: path.into(),
            options,
            after_layer,
            replace,
            sha256: None,
            built_unix: None,
        }
    }
}

fn empty_options() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}
