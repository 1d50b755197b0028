//! `grokked analyze`: the paper's mechanistic analyses of a composition run.

use crate::trust::TrustArgs;
use clap::Args;
use grokked_data::Split;
use grokked_experiments::report::{analyze_checkpoint, lens_across_checkpoints, AnalyzeOptions};
use std::path::PathBuf;

/// Arguments of `grokked analyze`.
#[derive(Args)]
pub struct AnalyzeArgs {
    /// A run folder written by `grokked train`.
    #[arg(long)]
    run: PathBuf,
    /// Checkpoint step (default: the latest).
    #[arg(long)]
    checkpoint: Option<u64>,
    /// Logit lens: MRR of the bridge entity at r1 and of r2 at r2, per layer.
    #[arg(long)]
    lens: bool,
    /// Causal tracing with same-type perturbations.
    #[arg(long)]
    trace: bool,
    /// Attention from the last input position, per layer and head.
    #[arg(long)]
    attention: bool,
    /// Integrated gradients of the first example's answer.
    #[arg(long)]
    ig: bool,
    /// Also track the logit lens across every checkpoint.
    #[arg(long)]
    across_checkpoints: bool,
    /// Number of examples (the paper uses 300).
    #[arg(long, default_value_t = 300)]
    examples: usize,
    /// Split the examples come from.
    #[arg(long, default_value = "train_inferred")]
    split: String,
    /// Seed of the perturbations.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    overrides: crate::overrides::OverrideArgs,
}

/// Runs `grokked analyze` (all analyses when none is named).
pub fn run(a: AnalyzeArgs) -> anyhow::Result<()> {
    let all = !(a.lens || a.trace || a.attention || a.ig);
    let opts = AnalyzeOptions {
        lens: all || a.lens,
        trace: all || a.trace,
        attention: all || a.attention,
        ig: all || a.ig,
        examples: a.examples,
        split: a.split.parse::<Split>()?,
        seed: a.seed,
        policy: a.trust.policy().with_overrides(a.overrides.overrides()?),
    };
    let report = analyze_checkpoint(&a.run, a.checkpoint, &opts)?;
    println!(
        "{} at step {} -> {}",
        a.run.display(),
        report.step,
        report.dir.display()
    );
    if let Some(df) = &report.lens {
        println!("logit lens (MRR per layer):\n{df}");
    }
    if let Some(df) = &report.trace {
        println!("causal tracing (share of answers changed; position 0 h, 1 r1, 2 r2):\n{df}");
    }
    if let Some(ig) = &report.ig {
        println!(
            "integrated gradients per token (h, r1, r2): {:?}  completeness delta {:.2e}",
            ig.per_token, ig.delta
        );
    }
    if a.across_checkpoints {
        let df = lens_across_checkpoints(&a.run, &opts)?;
        println!(
            "logit lens across checkpoints: {} rows -> {}",
            df.height(),
            a.run.join("analysis/lens_across_checkpoints.png").display()
        );
    }
    Ok(())
}
