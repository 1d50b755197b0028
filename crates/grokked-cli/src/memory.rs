//! `grokked compare-memory`: parametric (grokked) versus retrieval-augmented reasoning.

use clap::Args;
use grokked_experiments::compare_memory::{compare_memory, CompareOptions};
use grokked_train::progress::ProgressBarObserver;
use grokked_train::RunConfig;
use std::path::PathBuf;

/// Arguments of `grokked compare-memory`.
#[derive(Args)]
pub struct CompareArgs {
    /// A complex-task run config, e.g. datasets/configs/complex-small.toml.
    #[arg(long)]
    config: PathBuf,
    /// Override config keys (repeatable), as for `grokked train`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Output folder (default: runs/<name>); a parametric run already there is loaded.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Facts retrieved per query.
    #[arg(long, default_value_t = 8)]
    k: usize,
    /// Training steps of the retrieval reasoner (default: the config's max_steps).
    #[arg(long)]
    reasoner_steps: Option<u64>,
}

/// Runs `grokked compare-memory`.
pub fn run(a: CompareArgs) -> anyhow::Result<()> {
    let mut cfg = RunConfig::from_file(&a.config)?;
    for s in &a.sets {
        cfg.set(s)?;
    }
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("runs").join(&cfg.name));
    let opts = CompareOptions {
        k: a.k,
        reasoner_steps: a.reasoner_steps,
    };
    let table = compare_memory(&cfg, &out, &opts, &mut ProgressBarObserver::new())?;
    println!("{table}");
    println!(
        "table: {}  chart: {}",
        out.join("compare_memory.parquet").display(),
        out.join("compare_memory.png").display()
    );
    Ok(())
}
