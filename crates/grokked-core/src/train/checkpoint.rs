//! Checkpoints: `checkpoints/step-N/` holds the model as a Hugging Face folder (`config.json`,
//! `model.safetensors`, `tokenizer.json`), the optimizer state (`optimizer.safetensors`), the
//! metrics so far (`metrics.parquet`) and `trainer_state.json` (step and seed; the data order and
//! dropout masks follow from them). A checkpoint is written into a temporary folder and renamed
//! into place, so a crash never leaves a half-written one and the previous one survives.
//!
//! ```
//! use grokked_core::train::checkpoint::{checkpoint_dir, latest_checkpoint};
//! let run = tempfile::tempdir().unwrap();
//! assert!(latest_checkpoint(run.path()).unwrap().is_none());
//! std::fs::create_dir_all(checkpoint_dir(run.path(), 200)).unwrap();
//! std::fs::create_dir_all(checkpoint_dir(run.path(), 1000)).unwrap();
//! assert_eq!(latest_checkpoint(run.path()).unwrap().unwrap().0, 1000);
//! ```

use crate::error::{GrokError, Result};
use crate::model::hf;
use crate::model::safetensors_io::{read_tensors, write_tensors};
use crate::model::GptModel;
use crate::train::metrics::MetricsLog;
use crate::train::optim::AdamW;
use grokked_data::tokenizer::TaskTokenizer;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The optimizer state file of a checkpoint.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// The trainer state file of a checkpoint.
pub const STATE_FILE: &str = "trainer_state.json";
/// The metrics snapshot of a checkpoint.
pub const METRICS_FILE: &str = "metrics.parquet";

/// What besides tensors a resumed run needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Optimizer steps taken.
    pub step: u64,
    /// The run's seed.
    pub seed: u64,
}

/// `RUN/checkpoints/step-N`.
pub fn checkpoint_dir(run: &Path, step: u64) -> PathBuf {
    run.join("checkpoints").join(format!("step-{step}"))
}

/// Every complete checkpoint of a run, as (step, folder), by step.
pub fn list_checkpoints(run: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let dir = run.join("checkpoints");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| GrokError::io(&dir, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("step-")
                .and_then(|n| n.parse().ok())
                .map(|n| (n, e.path()))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The latest checkpoint of a run.
pub fn latest_checkpoint(run: &Path) -> Result<Option<(u64, PathBuf)>> {
    Ok(list_checkpoints(run)?.pop())
}

/// Loads the model of a run's checkpoint (`step`, or the latest) onto `device`.
pub fn load_model(run: &Path, step: Option<u64>, device: tch::Device) -> Result<(GptModel, u64)> {
    let (step, dir) = match step {
        Some(s) => (s, checkpoint_dir(run, s)),
        None => latest_checkpoint(run)?
            .ok_or_else(|| GrokError::Invalid(format!("{}: no checkpoints", run.display())))?,
    };
    if !dir.is_dir() {
        let have: Vec<String> = list_checkpoints(run)?
            .into_iter()
            .map(|(s, _)| s.to_string())
            .collect();
        return Err(GrokError::Invalid(format!(
            "{}: no checkpoint at step {step} (have: {})",
            run.display(),
            have.join(", ")
        )));
    }
    Ok((hf::load_folder(&dir, device)?, step))
}

/// Writes a checkpoint of `step` atomically.
pub fn save_checkpoint(
    run: &Path,
    model: &GptModel,
    optim: &AdamW,
    tokenizer: &TaskTokenizer,
    metrics: &MetricsLog,
    state: &TrainerState,
) -> Result<PathBuf> {
    let target = checkpoint_dir(run, state.step);
    let parent = target.parent().expect("checkpoint folders have a parent");
    let tmp = parent.join(format!(".step-{}.tmp-{}", state.step, std::process::id()));
    let write = || -> Result<()> {
        std::fs::create_dir_all(&tmp).map_err(|e| GrokError::io(&tmp, e))?;
        hf::save_folder(model, &tmp)?;
        tokenizer.save(&tmp.join("tokenizer.json"))?;
        write_tensors(&tmp.join(OPTIMIZER_FILE), &optim.state_tensors())?;
        metrics.save(&tmp.join(METRICS_FILE))?;
        let json =
            serde_json::to_string_pretty(state).map_err(|e| GrokError::Invalid(e.to_string()))?;
        crate::fsutil::write_atomic(&tmp.join(STATE_FILE), json.as_bytes())?;
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

/// Loads a checkpoint into `model` and `optim`; returns its state and metrics.
pub fn load_checkpoint(
    dir: &Path,
    model: &mut GptModel,
    optim: &mut AdamW,
) -> Result<(TrainerState, MetricsLog)> {
    let state_path = dir.join(STATE_FILE);
    let text = crate::fsutil::read_to_string(&state_path)?;
    let state: TrainerState =
        serde_json::from_str(&text).map_err(|e| GrokError::format(&state_path, e.to_string()))?;
    hf::load_weights(model, &dir.join(hf::WEIGHTS_FILE))?;
    let opt_path = dir.join(OPTIMIZER_FILE);
    optim
        .load_state(&read_tensors(&opt_path)?, state.step)
        .map_err(|e| GrokError::format(&opt_path, e.to_string()))?;
    let metrics = MetricsLog::load(&dir.join(METRICS_FILE))?;
    Ok((state, metrics))
}
