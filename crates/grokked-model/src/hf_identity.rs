//! What a `config.json` claims to be. A plain model is Hugging Face's `GPT2LMHeadModel`; a model
//! with a reasoning-module plugin is not, and says so: `model_type` `grokked_plugin` (so
//! transformers' auto classes refuse it) and a `layer_types` entry that names the plugin for each
//! block it replaces (so `GPT2LMHeadModel.from_pretrained` refuses it too, with that text in its
//! message), where otherwise transformers would load it with random weights in place of the
//! plugin's and only a warning.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize};
//! use grokked_plugin::host::PluginConfig;
//! let mut cfg = GptConfig::new(GptSize { vocab_size: 30, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 });
//! let plain: serde_json::Value = serde_json::from_str(&cfg.to_json().unwrap()).unwrap();
//! assert_eq!(plain["architectures"][0], "GPT2LMHeadModel");
//! cfg.plugin = Some(PluginConfig::new("/lib/libloop.so", serde_json::json!({}), 1, 1));
//! let marked: serde_json::Value = serde_json::from_str(&cfg.to_json().unwrap()).unwrap();
//! assert_eq!(marked["model_type"], "grokked_plugin");
//! assert_eq!(marked["layer_types"][0], "full_attention");
//! assert!(marked["layer_types"][1].as_str().unwrap().contains("libloop.so"));
//! ```

use grokked_plugin::host::PluginConfig;
use serde_json::{json, Map, Value};

/// The `model_type` of a model with a plugin.
pub const PLUGIN_MODEL_TYPE: &str = "grokked_plugin";

/// Sets the identity fields in `extra` (a config's other fields) of a model with `n_layer` blocks
/// and `plugin`: GPT-2's without a plugin, the plugin marks with one.
pub fn mark(plugin: Option<&PluginConfig>, n_layer: i64, extra: &mut Map<String, Value>) {
    let Some(plugin) = plugin else {
        if extra.get("model_type") == Some(&json!(PLUGIN_MODEL_TYPE)) {
            for key in ["layer_types", "grokked_note"] {
                extra.remove(key);
            }
            extra.insert("model_type".into(), json!("gpt2"));
            extra.insert("architectures".into(), json!(["GPT2LMHeadModel"]));
        }
        return;
    };
    let library = plugin.path.file_name().map_or_else(
        || plugin.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let marker = format!(
        "grokked_plugin {library}: this block is a grokked reasoning-module plugin, which \
         transformers cannot run; load the model with grokked (--allow-plugin)"
    );
    let n = n_layer.max(0) as usize;
    // The blocks the plugin replaces; an inserted plugin marks the block it runs before (or the
    // last block when it runs after all of them).
    let marked: Vec<usize> = if plugin.replace > 0 {
        (plugin.after_layer..plugin.after_layer + plugin.replace).collect()
    } else {
        vec![plugin.after_layer.min(n.saturating_sub(1))]
    };
    let layer_types: Vec<Value> = (0..n)
        .map(|l| {
            if marked.contains(&l) {
                json!(marker)
            } else {
                json!("full_attention")
            }
        })
        .collect();
    extra.insert("model_type".into(), json!(PLUGIN_MODEL_TYPE));
    extra.insert("architectures".into(), json!(["GrokkedPluginModel"]));
    extra.insert("layer_types".into(), Value::Array(layer_types));
    extra.insert(
        "grokked_note".into(),
        json!(format!(
            "A GPT-2 whose blocks {marked:?} are the reasoning-module plugin {library} \
             (`grokked_plugin`): not a GPT2LMHeadModel; open it with grokked."
        )),
    );
}
