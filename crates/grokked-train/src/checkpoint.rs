//! Checkpoints: `checkpoints/step-N/` holds the model as a Hugging Face folder (`config.json`,
//! `model.safetensors`, `tokenizer.json`), the optimizer state (`optimizer.safetensors`), the
//! metrics so far (`metrics.parquet`) and `trainer_state.json` (step, seed and the SHA-256 of both
//! weight files; the data order and dropout masks follow from step and seed). A checkpoint is
//! written into a temporary folder and renamed into place, so a crash never leaves a half-written
//! one and the previous one survives; loading verifies the checksums.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel, LoadPolicy};
//! use grokked_train::checkpoint::{load_checkpoint, save_checkpoint, TrainerState};
//! use grokked_train::{optim::Optimizer, OptimConfig};
//! use grokked_train::{MetricsLog, run_dir::RunDir};
//! use grokked_data::{tokens::tokenizer::TaskTokenizer, tokens::vocab};
//! let run = tempfile::tempdir().unwrap();
//! let run = RunDir::new(run.path());
//! let mut model = GptModel::new(GptConfig::new(GptSize { vocab_size: 16, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let mut optim = Optimizer::new(&model.vs, OptimConfig::default()).unwrap();
//! let tok = TaskTokenizer::new(&vocab::composition_vocab(5, 5)).unwrap();
//! let state = TrainerState::new(7, 0);
//! let dir = save_checkpoint(&run, &model, &optim, &tok, &MetricsLog::new(vec![]), &state).unwrap();
//! let (back, _) = load_checkpoint(&dir, &mut model, &mut optim, &LoadPolicy::default()).unwrap();
//! assert_eq!(back.step, 7);
//! assert!(back.weights_sha256.is_some());
//! ```

use crate::metrics::MetricsLog;
use crate::optim::Optimizer;
use crate::run_dir::{RunDir, METRICS_FILE, OPTIMIZER_FILE};
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_model::error::{GrokError, Result};
use grokked_model::fsutil::sha256_file;
use grokked_model::safetensors_io::{read_tensors, write_tensors};
use grokked_model::trust::verify_sha256;
use grokked_model::trust::STATE_FILE;
use grokked_model::{hf, GptModel, LoadPolicy};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What besides tensors a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Optimizer steps taken.
    pub step: u64,
    /// The run's seed.
    pub seed: u64,
    /// SHA-256 of `model.safetensors` (absent in checkpoints of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_sha256: Option<String>,
    /// SHA-256 of `optimizer.safetensors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer_sha256: Option<String>,
    /// The training losses summed since the last evaluation (a checkpoint off the evaluation
    /// schedule, e.g. on a cluster's warning signal, carries them to the resumed run).
    #[serde(default, skip_serializing_if = "is_zero", with = "exact_f64")]
    pub loss_sum: f64,
    /// How many losses `loss_sum` holds.
    #[serde(default, skip_serializing_if = "is_zero_count")]
    pub loss_count: u64,
}

/// An f64 written as the shortest text that reads back to the same bits, and read with Rust's
/// correctly rounded parser (serde_json's own float parsing may be off by one unit in the last
/// place, and a resumed run must continue the exact sum).
mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:?}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_zero_count(v: &u64) -> bool {
    *v == 0
}

impl TrainerState {
    /// The state at `step` of a run seeded with `seed` (checksums are filled in on save).
    pub fn new(step: u64, seed: u64) -> Self {
        TrainerState {
            step,
            seed,
            weights_sha256: None,
            optimizer_sha256: None,
            loss_sum: 0.0,
            loss_count: 0,
        }
    }
}

/// Writes a checkpoint of `state.step` atomically.
pub fn save_checkpoint(
    run: &RunDir,
    model: &GptModel,
    optim: &Optimizer,
    tokenizer: &TaskTokenizer,
    metrics: &MetricsLog,
    state: &TrainerState,
) -> Result<PathBuf> {
    let target = run.checkpoint_dir(state.step);
    let parent = run.checkpoints_dir();
    let tmp = parent.join(format!(".step-{}.tmp-{}", state.step, std::process::id()));
    let write = || -> Result<()> {
        std::fs::create_dir_all(&tmp).map_err(|e| GrokError::io(&tmp, e))?;
        hf::save_folder(model, &tmp)?;
        tokenizer.save(&tmp.join("tokenizer.json"))?;
        write_tensors(&tmp.join(OPTIMIZER_FILE), &optim.state_tensors())?;
        metrics.save(&tmp.join(METRICS_FILE))?;
        let state = TrainerState {
            weights_sha256: Some(sha256_file(&tmp.join(hf::WEIGHTS_FILE))?),
            optimizer_sha256: Some(sha256_file(&tmp.join(OPTIMIZER_FILE))?),
            ..state.clone()
        };
        let json =
            serde_json::to_string_pretty(&state).map_err(|e| GrokError::Invalid(e.to_string()))?;
        grokked_model::fsutil::write_atomic(&tmp.join(STATE_FILE), json.as_bytes())?;
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(|e| GrokError::io(&target, e))?;
        }
        std::fs::rename(&tmp, &target).map_err(|e| GrokError::io(&target, e))
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|()| target)
}

/// Reads a checkpoint's `trainer_state.json`.
pub fn read_state(dir: &Path) -> Result<TrainerState> {
    let path = dir.join(STATE_FILE);
    let text = grokked_model::fsutil::read_to_string(&path)?;
    serde_json::from_str(&text).map_err(|e| GrokError::format(&path, e.to_string()))
}

/// Refuses `file` when its SHA-256 is not the one `trainer_state.json` recorded (a checkpoint
/// of an older version records none).
fn verify(file: &Path, recorded: Option<&String>) -> Result<()> {
    recorded.map_or(Ok(()), |r| verify_sha256(file, r))
}

/// Loads a checkpoint into `model` and `optim` after verifying its checksums; returns its state
/// and metrics.
pub fn load_checkpoint(
    dir: &Path,
    model: &mut GptModel,
    optim: &mut Optimizer,
    policy: &LoadPolicy,
) -> Result<(TrainerState, MetricsLog)> {
    let state = read_state(dir)?;
    let weights = dir.join(hf::WEIGHTS_FILE);
    let opt_path = dir.join(OPTIMIZER_FILE);
    verify(&weights, state.weights_sha256.as_ref())?;
    verify(&opt_path, state.optimizer_sha256.as_ref())?;
    hf::load_weights(model, &weights, policy)?;
    optim
        .load_state(&read_tensors(&opt_path)?, state.step)
        .map_err(|e| GrokError::format(&opt_path, e.to_string()))?;
    let metrics = MetricsLog::load(&dir.join(METRICS_FILE))?;
    Ok((state, metrics))
}

#[cfg(test)]
mod tests {
    use super::TrainerState;

    #[test]
    fn the_loss_sum_reads_back_to_the_same_bits() {
        for sum in [0.1 + 0.2, 1.0 / 3.0, 2.3267314830445685e-4 * 499.0, 1e-300] {
            let mut state = TrainerState::new(3, 0);
            state.loss_sum = sum;
            state.loss_count = 7;
            let json = serde_json::to_string(&state).unwrap();
            let back: TrainerState = serde_json::from_str(&json).unwrap();
            assert_eq!(back.loss_sum.to_bits(), sum.to_bits(), "{json}");
        }
    }
}
