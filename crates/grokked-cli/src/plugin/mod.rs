//! `grokked plugin`: `inspect` prints a library's build record, its options with their defaults,
//! the parameters and hook sites it asks for; `new` writes a ready plugin crate.

mod inspect;
mod scaffold;

use clap::Subcommand;
use std::path::PathBuf;

/// `grokked plugin ...`
#[derive(Subcommand)]
pub enum PluginCommand {
    /// Print a plugin's build record (name, ABI, SDK, libtorch, rustc, SHA-256, build time),
    /// its options with their defaults, and the parameters and hook sites it declares. A library
    /// built for another host is refused, and its record is still printed.
    Inspect {
        /// The plugin library.
        file: PathBuf,
        /// Options to instantiate it with (JSON object).
        #[arg(long, default_value = "{}")]
        options: String,
        /// Model width to instantiate it for.
        #[arg(long, default_value_t = 64)]
        n_embd: i64,
        /// Attention heads to instantiate it for.
        #[arg(long, default_value_t = 4)]
        n_head: i64,
    },
    /// Write a new plugin crate NAME: Cargo.toml (depending on this checkout's SDK, with its
    /// lockfile), a working module with a hook site and a unit test, a build script and a README.
    New {
        /// The crate's name (lowercase letters, digits, `-` or `_`).
        name: String,
        /// The folder to create the crate in (default: the current one); the crate is DIR/NAME.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The grokked checkout whose SDK the crate depends on (default: the one this command
        /// was built from).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
}

/// Runs a `plugin` subcommand.
pub fn run(cmd: PluginCommand) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Inspect {
            file,
            options,
            n_embd,
            n_head,
        } => inspect::run(&file, &options, n_embd, n_head),
        PluginCommand::New { name, dir, sdk } => scaffold::run(&name, dir, sdk),
    }
}
