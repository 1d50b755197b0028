//! Hugging Face GPT-2 folders: `config.json` + `model.safetensors` (+ tokenizer files).
//!
//! A folder written by Python's `save_pretrained` loads here, and a folder written here loads in
//! `GPT2LMHeadModel.from_pretrained`. Keys may carry the `transformer.` prefix or not (checkpoints
//! saved from `GPT2Model` lack it); the causal-mask buffers of old checkpoints are ignored.
//!
//! ```
//! use grokked_core::model::{hf, GptConfig, GptModel};
//! let dir = tempfile::tempdir().unwrap();
//! let model = GptModel::new(GptConfig::small(20, 8, 1, 8, 2), tch::Device::Cpu).unwrap();
//! hf::save_folder(&model, dir.path()).unwrap();
//! let back = hf::load_folder(dir.path(), tch::Device::Cpu).unwrap();
//! assert_eq!(back.config(), model.config());
//! ```

use super::config::GptConfig;
use super::gpt::GptModel;
use super::safetensors_io::{read_tensors, write_tensors};
use crate::error::{GrokError, Result};
use std::collections::HashMap;
use std::path::Path;
use tch::{Device, Tensor};

/// File name of the config in a model folder.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the weights in a model folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";

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

/// Copies checkpoint tensors into `model`'s parameters, checking that each exists with the
/// right shape. Tensors of other dtypes are converted.
pub fn load_weights(model: &mut GptModel, path: &Path) -> Result<()> {
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
            let src = found.remove(&name).ok_or_else(|| GrokError::Tensor {
                path: path.to_path_buf(),
                tensor: name.clone(),
                msg: "missing from the checkpoint".into(),
            })?;
            if src.size() != var.size() {
                return Err(GrokError::Tensor {
                    path: path.to_path_buf(),
                    tensor: name.clone(),
                    msg: format!(
                        "shape {:?} in the file, the model expects {:?}",
                        src.size(),
                        var.size()
                    ),
                });
            }
            let mut var = var.shallow_clone();
            var.f_copy_(&src.to_kind(var.kind()))?;
        }
        Ok(())
    })
}

/// The parameters to save, by name (the tied LM head is not saved, as Hugging Face does).
pub fn named_weights(model: &GptModel) -> Vec<(String, Tensor)> {
    let mut named: Vec<_> = model.vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// Loads a model folder onto `device`.
pub fn load_folder(dir: &Path, device: Device) -> Result<GptModel> {
    let cfg = GptConfig::from_file(&dir.join(CONFIG_FILE))?;
    let mut model = GptModel::new(cfg, device)?;
    load_weights(&mut model, &dir.join(WEIGHTS_FILE))?;
    Ok(model)
}

/// Writes `config.json` and `model.safetensors` into `dir` (created if missing), each atomically.
pub fn save_folder(model: &GptModel, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
    write_tensors(&dir.join(WEIGHTS_FILE), &named_weights(model))?;
    model.config().save(&dir.join(CONFIG_FILE))
}
