//! Training throughput (steps/s) of this trainer against the Python peer (HF GPT2LMHeadModel and
//! a PyTorch loop with the same hyperparameters, data, initialisation and thread count), measured
//! in one run on the same machine.
//!
//! Run: `scripts/bench.sh train_throughput [CONFIG] [STEPS] [cpu|cuda]`
//! (default: datasets/configs/composition-small.toml, 200 steps, auto device). Goal: ratio >= 2.

use grokked_bench::{root, run_peer, timed};
use grokked_core::train::{RunConfig, Trainer};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let config = args
        .get(1)
        .map(Into::into)
        .unwrap_or_else(|| root().join("datasets/configs/composition-small.toml"));
    let steps: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(200);
    let device = args.get(3).cloned().unwrap_or_else(|| {
        if tch::Cuda::is_available() {
            "cuda".into()
        } else {
            "cpu".into()
        }
    });
    let mut cfg = RunConfig::from_file(&config)?;
    cfg.set(&format!("device={device}"))?;
    let dir = tempfile_dir()?;
    let mut trainer = Trainer::new(cfg, &dir)?;
    let sync = || {
        if device == "cuda" {
            tch::Cuda::synchronize(0);
        }
    };
    let (secs, result) = timed(|| -> anyhow::Result<()> {
        for _ in 0..steps {
            trainer.train_step()?;
        }
        sync();
        Ok(())
    });
    result?;
    let ours = steps as f64 / secs;
    let peer = run_peer(&trainer, &dir, steps, 0, 0.0, &device)?;
    println!(
        "config {} on {device}, {} threads, {} params, batch {}",
        config.display(),
        tch::get_num_threads(),
        trainer.model.num_parameters(),
        trainer.cfg.train.batch_size
    );
    println!("grokked (Rust, tch):       {ours:8.2} steps/s ({steps} steps in {secs:.2}s)");
    println!(
        "HF GPT2 + PyTorch loop:    {:8.2} steps/s ({} steps in {:.2}s)",
        peer.steps_per_s, peer.steps, peer.seconds
    );
    println!(
        "ratio grokked / python:    {:8.2}x (goal >= 2.0x)",
        ours / peer.steps_per_s
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("grokked-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
