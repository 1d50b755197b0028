//! The run configuration (a TOML file under `datasets/configs/`): task, model and training
//! hyperparameters, read into serde structs that the CLI, notebooks and tests share.
//!
//! ```
//! use grokked_train::RunConfig;
//! let mut cfg = RunConfig::from_toml_str(r#"
//!     name = "demo"
//!     [data]
//!     task = "composition"
//!     entities = 50
//!     relations = 8
//!     out_degree = 4
//!     [model]
//!     n_layer = 2
//!     n_embd = 32
//!     n_head = 2
//!     [train]
//!     max_steps = 100
//! "#).unwrap();
//! cfg.set("max_steps=200").unwrap();
//! cfg.set("data.phi=3.0").unwrap();
//! assert_eq!(cfg.train.max_steps, 200);
//! assert!(cfg.set("no_such_key=1").is_err());
//! ```

use crate::optim_config::OptimConfig;
use crate::toml_errors::toml_error_field;
use grokked_data::DataSource;
use grokked_model::error::{GrokError, Result};
use grokked_model::{GptConfig, GptSize, InitScheme};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Model hyperparameters of a run (the vocabulary and length come from the task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSection {
    /// Number of blocks.
    pub n_layer: i64,
    /// Residual width.
    pub n_embd: i64,
    /// Attention heads.
    pub n_head: i64,
    /// Dropout everywhere (GPT-2's default is 0.1).
    pub dropout: f64,
    /// Initialisation scheme.
    pub init: InitScheme,
    /// A reasoning-module plugin (`[model.plugin]`: path, options, after_layer, replace).
    pub plugin: Option<grokked_plugin::host::PluginConfig>,
}

impl Default for ModelSection {
    fn default() -> Self {
        ModelSection {
            n_layer: 8,
            n_embd: 768,
            n_head: 12,
            dropout: 0.1,
            init: InitScheme::Gpt2,
            plugin: None,
        }
    }
}

/// The learning-rate schedule after warmup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Linear warmup, then constant (the paper's).
    Constant,
    /// Linear warmup, then cosine decay to zero at `max_steps`.
    Cosine,
}

/// A dense-then-sparse interval: every `dense_every` steps up to `dense_until`, then every
/// `sparse_every` (the paper scores every 2K steps up to 40K, then every 50K).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// Interval in the dense phase.
    pub dense_every: u64,
    /// Last step of the dense phase.
    pub dense_until: u64,
    /// Interval afterwards.
    pub sparse_every: u64,
}

impl Interval {
    /// Whether `step` is on the schedule.
    pub fn hits(&self, step: u64) -> bool {
        if step <= self.dense_until {
            self.dense_every > 0 && step.is_multiple_of(self.dense_every)
        } else {
            self.sparse_every > 0 && step.is_multiple_of(self.sparse_every)
        }
    }
}

/// The training loss over answer tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Softmax cross-entropy.
    #[default]
    CrossEntropy,
    /// StableMax cross-entropy (Prieto et al. 2025): `s(x) = x + 1` for `x >= 0`, `1 / (1 - x)`
    /// below, in place of `exp`, computed in float64 as the reference does.
    Stablemax,
}

/// An auxiliary loss on the bridge entity of two-hop training facts: the logit lens at block
/// `layer`'s output, at the `r1` position, should rank the bridge `b` first. It adds supervision
/// the plain task does not give, so its runs are reported apart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuxBridgeConfig {
    /// The loss's weight next to the answer loss.
    pub weight: f64,
    /// The block whose output is read (0-based).
    pub layer: usize,
}

/// Training hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSection {
    /// Peak learning rate.
    pub lr: f64,
    /// The optimizer: AdamW's betas, epsilon and weight decay, gradient clipping, and the
    /// grokking methods (Grokfast, ⊥Grad, Muon). Its keys sit in `[train]` itself.
    #[serde(flatten)]
    pub optim: OptimConfig,
    /// Examples per step.
    pub batch_size: usize,
    /// Linear warmup steps.
    pub warmup_steps: u64,
    /// Schedule after warmup.
    pub schedule: ScheduleKind,
    /// Number of optimizer steps.
    pub max_steps: u64,
    /// Seed of initialisation, data order and dropout.
    pub seed: u64,
    /// `auto` (CUDA when available), `cpu` or `cuda`.
    pub device: String,
    /// bf16 mixed precision on CUDA (ignored on CPU).
    pub bf16: bool,
    /// The loss: `cross_entropy` or `stablemax`.
    pub loss: LossKind,
    /// Logits are divided by this in the loss (1: plain); evaluation's argmax is unaffected.
    pub logit_temperature: f64,
    /// An auxiliary loss on the bridge entity (composition only); off when absent.
    pub aux_bridge: Option<AuxBridgeConfig>,
    /// Record weight norms, logit scale and the bridge's logit-lens MRR with each evaluation.
    pub telemetry: bool,
    /// Write TensorBoard event files (`RUN/tensorboard/`) with each evaluation.
    pub tensorboard: bool,
    /// When to evaluate every split.
    pub eval: Interval,
    /// When to write checkpoints.
    pub checkpoint: Interval,
    /// Stop early once `test_inferred_id` accuracy reaches this (e.g. 0.99); off when absent.
    pub stop_at_id_accuracy: Option<f64>,
    /// Evaluation batch size.
    pub eval_batch_size: usize,
}

impl Default for TrainSection {
    fn default() -> Self {
        TrainSection {
            lr: 1e-4,
            optim: OptimConfig::paper(),
            batch_size: 512,
            warmup_steps: 2000,
            schedule: ScheduleKind::Constant,
            max_steps: 1_500_000,
            seed: 0,
            device: "auto".into(),
            bf16: false,
            loss: LossKind::CrossEntropy,
            logit_temperature: 1.0,
            aux_bridge: None,
            telemetry: true,
            tensorboard: true,
            eval: Interval {
                dense_every: 2000,
                dense_until: 40_000,
                sparse_every: 50_000,
            },
            checkpoint: Interval {
                dense_every: 2000,
                dense_until: 40_000,
                sparse_every: 50_000,
            },
            stop_at_id_accuracy: None,
            eval_batch_size: 1024,
        }
    }
}

/// A whole run: name, task, model, training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The run's name (its folder under `runs/` by default).
    pub name: String,
    /// The task: a generator's parameters, or `path` to an existing task folder (a grokked one
    /// or the paper's released format).
    pub data: DataSource,
    /// The model.
    #[serde(default)]
    pub model: ModelSection,
    /// The optimisation.
    #[serde(default)]
    pub train: TrainSection,
}

const SECTIONS: [&str; 3] = ["data", "model", "train"];
/// Settings that are absent from a config when unset, by section.
const OPTIONAL: [(&str, &str); 8] = [
    ("data", "hops"),
    ("data", "min_hops"),
    ("data", "test_hops"),
    ("train", "grokfast"),
    ("train", "muon"),
    ("train", "aux_bridge"),
    ("train", "stop_at_id_accuracy"),
    ("model", "plugin"),
];

impl RunConfig {
    /// Parses a TOML run config.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let cfg: RunConfig = toml::from_str(text).map_err(|e| {
            let (field, msg) = toml_error_field(text, &e, Self::train_key_at_fault);
            GrokError::config(field, msg)
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The `[train]` key whose value a section-wide error is about, with its own error: the
    /// optimizer's keys reach serde through `flatten`, which reports a bad value against the
    /// whole section, so each key is read alone (the others take their defaults).
    fn train_key_at_fault(text: &str) -> Option<(String, String)> {
        let doc: toml::Table = toml::from_str(text).ok()?;
        let train = doc.get("train")?.as_table()?;
        train.iter().find_map(|(key, value)| {
            let alone = toml::Table::from_iter([(key.clone(), value.clone())]);
            let err = TrainSection::deserialize(alone).err()?;
            Some((format!("train.{key}"), err.message().to_string()))
        })
    }

    /// Reads a TOML run config, naming the file on error.
    ///
    /// A relative `[model.plugin] path` is taken from the config file's folder (and made
    /// absolute), so a config names its library the same way from any working directory.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = grokked_model::fsutil::read_to_string(path)?;
        let mut cfg =
            Self::from_toml_str(&text).map_err(|e| GrokError::format(path, e.to_string()))?;
        if let Some(plugin) = cfg.model.plugin.as_mut().filter(|p| p.path.is_relative()) {
            let folder = path.parent().unwrap_or(Path::new(""));
            plugin.path = std::path::absolute(folder.join(&plugin.path))
                .map_err(|e| GrokError::io(folder, e))?;
        }
        Ok(cfg)
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| GrokError::Invalid(e.to_string()))
    }

    /// Applies one `key=value` override. `key` is `section.field`, a bare field name that
    /// exactly one section has, or a whole section (`data={ path = "..." }`); `value` is TOML (a
    /// bare word counts as a string). `none` unsets an optional setting (e.g.
    /// `stop_at_id_accuracy=none` trains to `max_steps`).
    pub fn set(&mut self, assignment: &str) -> Result<()> {
        let (key, raw) = assignment
            .split_once('=')
            .ok_or_else(|| GrokError::Invalid(format!("`{assignment}` is not key=value")))?;
        let (key, raw) = (key.trim(), raw.trim());
        let mut doc: toml::Table =
            toml::from_str(&self.to_toml()?).map_err(|e| GrokError::Invalid(e.to_string()))?;
        let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .map(|mut t| t.remove("v").expect("parsed key"))
            .unwrap_or_else(|_| toml::Value::String(raw.to_string()));
        if SECTIONS.contains(&key) {
            // A whole section, e.g. `data={ path = "tasks/composition" }`.
            if !value.is_table() {
                return Err(GrokError::config(
                    key,
                    "a whole section takes a table: { ... }",
                ));
            }
            doc.insert(key.to_string(), value);
            let text = toml::to_string(&doc).map_err(|e| GrokError::Invalid(e.to_string()))?;
            *self = Self::from_toml_str(&text)?;
            return Ok(());
        }
        let path: Vec<String> = if key.contains('.') {
            key.split('.').map(str::to_string).collect()
        } else if doc.contains_key(key) && !SECTIONS.contains(&key) {
            vec![key.to_string()]
        } else {
            let owners: Vec<&str> = SECTIONS
                .iter()
                .copied()
                .filter(|s| {
                    doc.get(*s)
                        .and_then(|t| t.as_table())
                        .is_some_and(|t| t.contains_key(key))
                })
                .collect();
            match owners.as_slice() {
                [one] => vec![one.to_string(), key.to_string()],
                [] => match OPTIONAL.iter().find(|(_, k)| *k == key) {
                    Some((section, _)) => vec![section.to_string(), key.to_string()],
                    None => return Err(GrokError::config(key, "no such setting")),
                },
                many => {
                    return Err(GrokError::config(
                        key,
                        format!("ambiguous: in {}; write section.{key}", many.join(" and ")),
                    ))
                }
            }
        };
        let (last, parents) = path.split_last().expect("non-empty key");
        let mut table = &mut doc;
        for p in parents {
            table = table
                .get_mut(p)
                .and_then(|v| v.as_table_mut())
                .ok_or_else(|| GrokError::config(key, format!("no section `{p}`")))?;
        }
        // Optional tables (e.g. train.grokfast) may be created; plain fields must exist.
        let optional = OPTIONAL
            .iter()
            .any(|(sec, k)| parents.first().map(String::as_str) == Some(*sec) && k == last);
        if !(table.contains_key(last) || optional || value.is_table() || parents.len() > 1) {
            return Err(GrokError::config(key, "no such setting"));
        }
        if raw == "none" {
            if !optional {
                return Err(GrokError::config(
                    path.join("."),
                    "only an optional setting can be none",
                ));
            }
            table.remove(last);
        } else {
            table.insert(last.clone(), value);
        }
        let text = toml::to_string(&doc).map_err(|e| GrokError::Invalid(e.to_string()))?;
        *self = Self::from_toml_str(&text)?;
        Ok(())
    }

    /// The GPT config for a vocabulary of `vocab_size` and sequences of up to `n_positions`.
    pub fn gpt_config(&self, vocab_size: i64, n_positions: i64) -> GptConfig {
        let m = &self.model;
        let mut cfg = GptConfig::new(GptSize {
            vocab_size,
            n_positions,
            n_layer: m.n_layer,
            n_embd: m.n_embd,
            n_head: m.n_head,
        })
        .with_dropout(m.dropout);
        cfg.init = m.init;
        cfg.plugin = m.plugin.clone();
        cfg
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
