//! The `grokked` command: thin clap subcommands over the library crates.

mod data;
mod generate;

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
    /// Generate and inspect datasets.
    #[command(subcommand)]
    Data(data::DataCommand),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate(args) => generate::run(args),
        Command::Data(cmd) => data::run(cmd),
    }
}
