//! `grokked train` and `grokked eval`.

use anyhow::{bail, Context};
use clap::Args;
use grokked_core::train::checkpoint::{latest_checkpoint, load_model};
use grokked_core::train::eval::{eval_sets, evaluate_sets};
use grokked_core::train::progress::ProgressBarObserver;
use grokked_core::train::trainer::{resolve_device, CONFIG_FILE, DATA_DIR};
use grokked_core::train::{RunConfig, Trainer};
use grokked_data::folder;
use grokked_data::tokenizer::TaskTokenizer;
use std::path::PathBuf;

/// Arguments of `grokked train`.
#[derive(Args)]
pub struct TrainArgs {
    /// Run config (TOML), e.g. datasets/configs/composition-small.toml.
    #[arg(long, required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// Override a config key: `--set max_steps=8000`, `--set data.phi=7.2` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Run folder (default: runs/<name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in this folder from its latest checkpoint.
    #[arg(long, conflicts_with = "config")]
    resume: Option<PathBuf>,
}

/// Runs `grokked train`.
pub fn run_train(a: TrainArgs) -> anyhow::Result<()> {
    let mut trainer = if let Some(dir) = &a.resume {
        let mut t = Trainer::resume(dir).with_context(|| format!("resuming {}", dir.display()))?;
        if !a.sets.is_empty() {
            let mut cfg = t.cfg.clone();
            for s in &a.sets {
                cfg.set(s)?;
            }
            if cfg.data != t.cfg.data || cfg.model != t.cfg.model {
                bail!("--set on --resume may change only [train] settings");
            }
            grokked_core::fsutil::write_atomic(&dir.join(CONFIG_FILE), cfg.to_toml()?.as_bytes())?;
            t.cfg = cfg;
        }
        eprintln!("resuming {} at step {}", dir.display(), t.step);
        t
    } else {
        let path = a
            .config
            .as_ref()
            .expect("clap requires --config without --resume");
        let mut cfg = RunConfig::from_file(path)?;
        for s in &a.sets {
            cfg.set(s)?;
        }
        let out = a
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("runs").join(&cfg.name));
        if latest_checkpoint(&out)?.is_some() {
            bail!(
                "{} already holds a run: continue it with --resume {0}, or choose another --out",
                out.display()
            );
        }
        Trainer::new(cfg, &out)?
    };
    eprintln!(
        "{}: {} parameters on {:?}, {} training examples",
        trainer.run_dir.display(),
        trainer.model.num_parameters(),
        trainer.model.device(),
        trainer.data.count(grokked_data::Split::Train)
    );
    let start = std::time::Instant::now();
    let from = trainer.step;
    trainer.run(&mut ProgressBarObserver::new())?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} steps in {secs:.1}s ({:.1} steps/s); metrics: {}; plot: {}",
        trainer.step - from,
        (trainer.step - from) as f64 / secs,
        trainer.run_dir.join("metrics.parquet").display(),
        trainer.run_dir.join("plots/grokking.png").display()
    );
    Ok(())
}

/// Arguments of `grokked eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// A run folder written by `grokked train`.
    #[arg(long)]
    run: PathBuf,
    /// The checkpoint's step (default: the latest).
    #[arg(long)]
    checkpoint: Option<u64>,
}

/// Runs `grokked eval`: exact-match accuracy of a checkpoint on every split of its run's task.
pub fn run_eval(a: EvalArgs) -> anyhow::Result<()> {
    let cfg = RunConfig::from_file(&a.run.join(CONFIG_FILE))?;
    let device = resolve_device(&cfg.train.device)?;
    let (model, step) = load_model(&a.run, a.checkpoint, device)?;
    let data = folder::load(&a.run.join(DATA_DIR))?;
    let tokenizer = TaskTokenizer::new(&data.vocab)?;
    let sets = eval_sets(&data, &tokenizer, device)?;
    println!("{} at step {step}:", a.run.display());
    for (split, acc) in evaluate_sets(&model.gpt, &sets, cfg.train.eval_batch_size)? {
        println!("  {:<18} {:>6.1}%", split.name(), 100.0 * acc);
    }
    Ok(())
}
