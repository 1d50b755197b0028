//! Shared helpers of the benchmark binaries in `bench/src/bin/`: timing, and running the Python
//! training peer (`bench/python/train_peer.py`) on data exported from a trainer.
//!
//! ```
//! let (secs, v) = grokked_bench::timed(|| 2 + 2);
//! assert_eq!(v, 4);
//! assert!(secs >= 0.0);
//! ```

use anyhow::{bail, Context};
use grokked_data::Split;
use grokked_model::safetensors_io::write_tensors;
use grokked_train::Trainer;
use std::path::{Path, PathBuf};

/// Runs `f` and returns its wall time in seconds with its value.
pub fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = std::time::Instant::now();
    let v = f();
    (start.elapsed().as_secs_f64(), v)
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ sits in the root")
        .to_path_buf()
}

/// The venv's python (`GROKKED_VENV` or `.venv`).
pub fn python() -> PathBuf {
    std::env::var_os("GROKKED_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"))
        .join("bin/python")
}

/// The peer's JSON answer.
#[derive(Debug, serde::Deserialize)]
pub struct PeerResult {
    /// Steps run.
    pub steps: u64,
    /// Wall time of the loop.
    pub seconds: f64,
    /// Steps per second.
    pub steps_per_s: f64,
    /// (step, ID test accuracy) at each evaluation.
    pub curve: Vec<(u64, f64)>,
    /// Peak CUDA memory allocated by torch, in MiB (0 on CPU).
    #[serde(default)]
    pub peak_mem_mb: f64,
}

/// Exports the trainer's data and runs the Python peer with the same hyperparameters for
/// `steps` steps (`eval_every`/`stop_at_id` 0 to disable).
pub fn run_peer(
    trainer: &Trainer,
    dir: &Path,
    steps: u64,
    eval_every: u64,
    stop_at_id: f64,
    device: &str,
) -> anyhow::Result<PeerResult> {
    let (ids, targets) = trainer.train_tensors();
    let mut tensors = vec![
        ("train_ids".to_string(), ids.shallow_clone()),
        ("train_targets".to_string(), targets.shallow_clone()),
    ];
    if let Some(set) = trainer
        .eval_sets()
        .iter()
        .find(|s| s.split == Split::TestInferredId)
    {
        tensors.push(("id_ids".into(), set.ids.shallow_clone()));
        tensors.push(("id_targets".into(), set.targets.shallow_clone()));
    }
    let data = dir.join("peer_data.safetensors");
    write_tensors(&data, &tensors)?;
    let c = &trainer.cfg;
    let gpt = trainer.model.config();
    let cfg = serde_json::json!({
        "n_layer": gpt.n_layer, "n_embd": gpt.n_embd, "n_head": gpt.n_head, "vocab_size": gpt.vocab_size,
        "n_positions": gpt.n_positions, "dropout": c.model.dropout, "lr": c.train.lr,
        "weight_decay": c.train.optim.weight_decay, "betas": [c.train.optim.betas.0, c.train.optim.betas.1], "eps": c.train.optim.eps,
        "batch_size": c.train.batch_size, "warmup_steps": c.train.warmup_steps, "grad_clip": c.train.optim.grad_clip,
        "steps": steps, "seed": c.train.seed, "threads": tch::get_num_threads(), "device": device,
        "init": serde_json::to_value(c.model.init)?, "eval_every": eval_every, "stop_at_id": stop_at_id,
        "bf16": c.train.bf16 && device == "cuda", "warmup": if eval_every == 0 { 10 } else { 0 },
    });
    let cfg_path = dir.join("peer_config.json");
    std::fs::write(&cfg_path, cfg.to_string())?;
    let out = std::process::Command::new(python())
        .arg(root().join("bench/python/train_peer.py"))
        .args([&data, &cfg_path])
        .output()
        .with_context(|| format!("running {}", python().display()))?;
    if !out.status.success() {
        bail!(
            "python peer failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(out.stdout)?;
    Ok(serde_json::from_str(text.lines().last().unwrap_or(""))?)
}
