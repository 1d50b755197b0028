//! The `grokked` command: thin clap subcommands over the library crates.

mod analyze;
mod data;
mod generate;
mod lens;
mod memory;
mod overrides;
mod plugin;
mod signals;
mod sweep;
mod train;
mod trust;

use clap::{Parser, Subcommand};

/// Train small transformers until they grok implicit reasoning, and look inside them.
#[derive(Parser)]
#[command(name = "grokked", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Continue a prompt with a GPT-2 model folder.
    Generate(generate::GenerateArgs),
    /// Train a model on a task until it groks (or resume a run).
    Train(train::TrainArgs),
    /// Evaluate a run's checkpoint on every split.
    Eval(train::EvalArgs),
    /// Logit lens, causal tracing, attention and integrated gradients of a composition run.
    Analyze(analyze::AnalyzeArgs),
    /// The lens on any GPT-2 model folder: activation caches, integrated gradients, logit lens.
    #[command(subcommand)]
    Lens(lens::LensCommand),
    /// Grokked (parametric) versus retrieval-augmented reasoning on the complex task.
    CompareMemory(memory::CompareArgs),
    /// Sweeps over run settings and seeds, on this machine or on Slurm.
    #[command(subcommand)]
    Sweep(sweep::SweepCommand),
    /// Inspect reasoning-module plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Generate and inspect datasets.
    #[command(subcommand)]
    Data(data::DataCommand),
}

fn main() -> anyhow::Result<()> {
    signals::quiet_on_closed_pipe();
    match Cli::parse().command {
        Command::Generate(args) => generate::run(args),
        Command::Data(cmd) => data::run(cmd),
        Command::Train(args) => train::run_train(args),
        Command::Eval(args) => train::run_eval(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Lens(cmd) => lens::run(cmd),
        Command::Plugin(cmd) => plugin::run(cmd),
        Command::Sweep(cmd) => sweep::run(cmd),
        Command::CompareMemory(args) => memory::run(args),
    }
}
