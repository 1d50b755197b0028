//! Hugging Face GPT-2 folders: `config.json` + `model.safetensors` (+ tokenizer files).
//!
//! A folder written by Python's `save_pretrained` loads here, and a folder written here loads in
//! `GPT2LMHeadModel.from_pretrained`. Keys may carry the `transformer.` prefix or not (checkpoints
//! saved from `GPT2Model` lack it); the causal-mask buffers of old checkpoints are ignored.
//!
//! Loading verifies the weights against the config: every tensor the config implies must be in
//! the file with its shape, every tensor in the file must be used, values must be finite (unless
//! the [`LoadPolicy`] allows otherwise), and a file written here records the architecture it was
//! saved from, so a `config.json` edited to another `n_head` is refused. A config that names a
//! plugin library needs the policy's consent before anything of the library is touched.
//!
//! ```
//! use grokked_model::{hf, GptConfig, GptSize, GptModel};
//! let dir = tempfile::tempdir().unwrap();
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! hf::save_folder(&model, dir.path()).unwrap();
//! let back = hf::load_folder(dir.path(), tch::Device::Cpu).unwrap();
//! assert_eq!(back.config(), model.config());
//! ```

use super::config::GptConfig;
use super::gpt::GptModel;
use super::safetensors_io::{read_metadata, read_tensors, write_tensors_with_metadata};
use super::trust::LoadPolicy;
use crate::error::{GrokError, Result};
use std::collections::HashMap;
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// File name of the config in a model folder.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the weights in a model folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The safetensors metadata key holding the architecture the weights were saved from.
pub const ARCHITECTURE_KEY: &str = "grokked.architecture";

/// Maps a checkpoint key to this crate's parameter name, or `None` for buffers to skip.
fn canonical_key(key: &str) -> Option<String> {
    if key.ends_with(".attn.bias") || key.ends_with(".attn.masked_bias") {
        return None;
    }
    if key.starts_with("transformer.") || key.starts_with("lm_head.") || key.starts_with("plugin.")
    {
        Some(key.to_string())
    } else {
        Some(format!("transformer.{key}"))
    }
}

/// The fields of a config that fix how weights are read, as recorded next to them.
fn architecture(cfg: &GptConfig) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        m.insert(k.to_string(), v);
    };
    put("vocab_size", cfg.vocab_size.into());
    put("n_positions", cfg.n_positions.into());
    put("n_embd", cfg.n_embd.into());
    put("n_layer", cfg.n_layer.into());
    put("n_head", cfg.n_head.into());
    put("n_inner", cfg.inner_dim().into());
    put(
        "activation_function",
        cfg.activation_function.clone().into(),
    );
    put("layer_norm_epsilon", cfg.layer_norm_epsilon.into());
    put("tie_word_embeddings", cfg.tie_word_embeddings.into());
    m
}

/// Refuses a config whose architecture differs from the one the weights file recorded.
fn check_architecture(cfg: &GptConfig, weights: &Path) -> Result<()> {
    let meta = read_metadata(weights)?;
    let Some(recorded) = meta.get(ARCHITECTURE_KEY) else {
        return Ok(()); // written by another tool: nothing recorded to compare with
    };
    let recorded: serde_json::Map<String, serde_json::Value> = serde_json::from_str(recorded)
        .map_err(|e| GrokError::format(weights, format!("metadata `{ARCHITECTURE_KEY}`: {e}")))?;
    for (field, now) in architecture(cfg) {
        if let Some(then) = recorded.get(&field).filter(|then| **then != now) {
            return Err(GrokError::format(
                weights,
                format!(
                    "saved from a model with {field} = {then}, but the config says {field} = \
                     {now}: the config does not describe these weights"
                ),
            ));
        }
    }
    Ok(())
}

/// Copies checkpoint tensors into `model`'s parameters, checking that each exists with the
/// right shape and finite values (unless `policy` allows them) and that no tensor of the file
/// is left unused. Tensors of other dtypes are converted.
pub fn load_weights(model: &mut GptModel, path: &Path, policy: &LoadPolicy) -> Result<()> {
    let tensor_err = |tensor: &str, msg: String| GrokError::Tensor {
        path: path.to_path_buf(),
        tensor: tensor.to_string(),
        msg,
    };
    check_architecture(model.config(), path)?;
    let mut found: HashMap<String, Tensor> = read_tensors(path)?
        .into_iter()
        .filter_map(|(k, t)| canonical_key(&k).map(|k| (k, t)))
        .collect();
    let vars = model.vs.variables();
    let mut names: Vec<_> = vars.keys().cloned().collect();
    names.sort();
    tch::no_grad(|| {
        for name in names {
            let var = &vars[&name];
            let src = found
                .remove(&name)
                .ok_or_else(|| tensor_err(&name, "missing from the checkpoint".into()))?;
            if src.size() != var.size() {
                return Err(tensor_err(
                    &name,
                    format!(
                        "shape {:?} in the file, the model expects {:?}",
                        src.size(),
                        var.size()
                    ),
                ));
            }
            let src = src.to_kind(var.kind());
            if !policy.nonfinite_allowed() && src.is_floating_point() {
                let bad = src
                    .isfinite()
                    .logical_not()
                    .sum(Kind::Int64)
                    .int64_value(&[]);
                if bad > 0 {
                    return Err(tensor_err(
                        &name,
                        format!(
                            "{bad} non-finite values (NaN or infinity): refusing a broken model \
                             (`--allow-nonfinite` loads it anyway, for debugging)"
                        ),
                    ));
                }
            }
            var.shallow_clone().f_copy_(&src)?;
        }
        Ok(())
    })?;
    // A tied LM head may be saved explicitly; it must then equal the embeddings it is tied to.
    if let Some(head) = found.remove("lm_head.weight") {
        let wte = &model.gpt.wte.ws;
        if !model.config().tie_word_embeddings || head.size() != wte.size() || !head.equal(wte) {
            return Err(tensor_err(
                "lm_head.weight",
                "in the file but not used: the config ties the LM head to wte and this tensor \
                 differs from wte"
                    .into(),
            ));
        }
    }
    let mut unused: Vec<String> = found.into_keys().collect();
    unused.sort();
    match unused.first() {
        None => Ok(()),
        Some(first) => Err(tensor_err(
            first,
            format!(
                "in the file but not in the model the config describes ({} unused tensor(s); \
                 does config.json give the right n_layer and plugin?)",
                unused.len()
            ),
        )),
    }
}

/// The parameters to save, by name (the tied LM head is not saved, as Hugging Face does).
pub fn named_weights(model: &GptModel) -> Vec<(String, Tensor)> {
    let mut named: Vec<_> = model.vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// Reads a folder's `config.json`, checking that a plugin it names is allowed by `policy`.
/// A rebuilt library is accepted here when the policy says so ([`LoadPolicy::accept_rebuilt`]),
/// and the policy's plugin overrides (library path, options) are applied (in memory only).
pub fn read_config(dir: &Path, policy: &LoadPolicy) -> Result<GptConfig> {
    let path = dir.join(CONFIG_FILE);
    let mut cfg = GptConfig::from_file(&path)?;
    if let Some(plugin) = &mut cfg.plugin {
        policy.overrides().relocate(plugin);
        policy.check_plugin(plugin, &path)?;
        policy.accept_rebuilt_plugin(plugin, &path)?;
    }
    policy.overrides().apply(cfg.plugin.as_mut(), &path)?;
    Ok(cfg)
}

/// Loads a model folder onto `device`: data only (a config naming a plugin is refused; see
/// [`load_folder_with`]).
pub fn load_folder(dir: &Path, device: Device) -> Result<GptModel> {
    load_folder_with(dir, device, &LoadPolicy::data_only())
}

/// Loads a model folder onto `device` with what `policy` allows.
pub fn load_folder_with(dir: &Path, device: Device, policy: &LoadPolicy) -> Result<GptModel> {
    let cfg = read_config(dir, policy)?;
    let weights = dir.join(WEIGHTS_FILE);
    // Everything that can be checked against the files is, before the model is allocated.
    policy.check_recorded_hash(dir, &weights)?;
    check_architecture(&cfg, &weights)?;
    let mut model = GptModel::new(cfg, device)?;
    load_weights(&mut model, &weights, policy)?;
    Ok(model)
}

/// Writes `config.json` and `model.safetensors` into `dir` (created if missing), each atomically.
/// The weights file records the architecture it was saved from.
pub fn save_folder(model: &GptModel, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
    let arch = serde_json::Value::Object(architecture(model.config())).to_string();
    write_tensors_with_metadata(
        &dir.join(WEIGHTS_FILE),
        &named_weights(model),
        &[(ARCHITECTURE_KEY, arch)],
    )?;
    model.config().save(&dir.join(CONFIG_FILE))
}
