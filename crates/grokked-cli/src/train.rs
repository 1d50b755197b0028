//! `grokked train` and `grokked eval`.

use crate::trust::TrustArgs;
use anyhow::{bail, Context};
use clap::Args;
use grokked_train::eval::{eval_sets, evaluate_sets};
use grokked_train::progress::ProgressBarObserver;
use grokked_train::{ResumeOptions, RunConfig, RunDir, Trainer};
use grokked_viz::chart_observer::GrokkingChart;
use std::path::PathBuf;

/// Arguments of `grokked train`.
#[derive(Args)]
pub struct TrainArgs {
    /// Run config (TOML), e.g. datasets/configs/composition-small.toml.
    #[arg(long, required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// Override a config key: `--set max_steps=8000`, `--set data.phi=7.2` (repeatable). On
    /// `--resume`, only [train] settings; they are saved with the next checkpoint.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Run folder (default: runs/<name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in this folder from its newest intact checkpoint.
    #[arg(long, conflicts_with = "config")]
    resume: Option<PathBuf>,
    /// With --resume: continue from this checkpoint step instead of the newest.
    #[arg(long, requires = "resume")]
    checkpoint: Option<u64>,
    #[command(flatten)]
    trust: TrustArgs,
}

/// Runs `grokked train`.
pub fn run_train(a: TrainArgs) -> anyhow::Result<()> {
    if a.checkpoint.is_some() && a.resume.is_none() {
        bail!("--checkpoint picks the checkpoint to continue from: it needs --resume RUN");
    }
    let mut trainer = if let Some(dir) = &a.resume {
        let opts = ResumeOptions {
            checkpoint: a.checkpoint,
            sets: a.sets.clone(),
            policy: a.trust.policy(),
            train: None,
        };
        let t = Trainer::resume_with(dir, &opts)
            .with_context(|| format!("resuming {}", dir.display()))?;
        for note in &t.notes {
            eprintln!("note: {note}");
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
        if RunDir::new(&out).latest_checkpoint()?.is_some() {
            bail!(
                "{} already holds a run: continue it with --resume {0}, or choose another --out",
                out.display()
            );
        }
        Trainer::new(cfg, &out)?
    };
    eprintln!(
        "{}: {} parameters on {:?}, {} training examples",
        trainer.run.path().display(),
        trainer.model.num_parameters(),
        trainer.model.device(),
        trainer.data.count(grokked_data::Split::Train)
    );
    trainer.stop_on(crate::signals::stop_flag());
    let start = std::time::Instant::now();
    let from = trainer.step;
    let mut observers = (
        ProgressBarObserver::new(),
        GrokkingChart::for_run(&trainer.run),
    );
    trainer.run(&mut observers)?;
    let secs = start.elapsed().as_secs_f64();
    let chart = &observers.1;
    if let Some(Err(e)) = chart.outcome() {
        eprintln!("warning: the grokking chart was not drawn: {e}");
    }
    if trainer.interrupted {
        eprintln!(
            "interrupted by a signal at step {}: its checkpoint is saved; continue with \
             `grokked train --resume {}`",
            trainer.step,
            trainer.run.path().display()
        );
        std::process::exit(crate::signals::INTERRUPTED);
    }
    println!(
        "{} steps in {secs:.1}s ({:.1} steps/s); metrics: {}; plot: {}",
        trainer.step - from,
        (trainer.step - from) as f64 / secs,
        trainer.run.metrics_file().display(),
        chart.stem().with_extension("png").display()
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
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    overrides: crate::overrides::OverrideArgs,
}

/// Runs `grokked eval`: exact-match accuracy of a checkpoint on every split of its run's task.
pub fn run_eval(a: EvalArgs) -> anyhow::Result<()> {
    let run = RunDir::new(&a.run);
    let loaded = run.load()?;
    let policy = a.trust.policy().with_overrides(a.overrides.overrides()?);
    let (model, step) = run.load_model_with(a.checkpoint, loaded.device, &policy)?;
    let sets = eval_sets(&loaded.data, &loaded.tokenizer, loaded.device)?;
    println!("{} at step {step}:", a.run.display());
    let accs = evaluate_sets(&model.gpt, &sets, loaded.cfg.train.eval_batch_size)?;
    for (set, (_, acc)) in sets.iter().zip(accs) {
        let n = set.ids.size()[0];
        println!("  {:<24} {:>6.1}%  (n = {n})", set.name(), 100.0 * acc);
    }
    Ok(())
}
