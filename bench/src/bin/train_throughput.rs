//! Training throughput (steps/s) of this trainer against the Python peer (HF GPT2LMHeadModel and
//! a PyTorch loop with the same hyperparameters, data, initialisation and thread count), measured
//! in one run on the same machine.
//!
//! Run: `scripts/bench.sh train_throughput [CONFIG] [STEPS] [cpu|cuda]`
//! (default: datasets/configs/composition-small.toml, 200 steps, auto device; a config with
//! `bf16 = true` trains in bf16 on CUDA, and the peer then uses bf16 autocast). Both sides run
//! 10 untimed warm-up steps first. Goal: ratio >= 2.

use grokked_bench::{root, run_peer, timed};
use grokked_train::{RunConfig, Trainer};

/// Untimed steps before the timed ones (both sides).
const WARMUP: u64 = 10;

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
    // Warm-up (allocator, kernels) outside the timing; then steps that never wait for the device.
    for _ in 0..WARMUP {
        trainer.train_step()?;
    }
    let (secs, result) = timed(|| -> anyhow::Result<()> {
        for _ in 0..steps {
            let _loss = trainer.train_step_deferred()?;
        }
        sync();
        Ok(())
    });
    trainer.read_losses()?;
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
    let hours = |rate: f64| 700_000.0 / rate / 3600.0;
    println!(
        "projected hours to 700,000 steps (the paper's horizon): grokked {:.1} h, peer {:.1} h",
        hours(ours),
        hours(peer.steps_per_s)
    );
    if device == "cuda" {
        println!("peer peak CUDA memory (torch): {:.0} MiB", peer.peak_mem_mb);
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("grokked-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
