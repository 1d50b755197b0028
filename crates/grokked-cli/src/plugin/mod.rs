//! `grokked plugin inspect`: a plugin's declaration and the parameters it asks for.

use clap::Subcommand;
use grokked_plugin::abi::ModelDims;
use grokked_plugin::host::load_plugin;
use std::path::PathBuf;

/// `grokked plugin ...`
#[derive(Subcommand)]
pub enum PluginCommand {
    /// Print a plugin's declaration (name, ABI, SDK, libtorch, rustc) and its parameters.
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
}

/// Runs a `plugin` subcommand.
pub fn run(cmd: PluginCommand) -> anyhow::Result<()> {
    let PluginCommand::Inspect {
        file,
        options,
        n_embd,
        n_head,
    } = cmd;
    let (plugin, info) = load_plugin(&file)?;
    println!("plugin {}", info.name);
    println!("  file      {}", info.path.display());
    println!("  ABI       {}", info.abi_version);
    println!("  SDK       {}", info.sdk_version);
    println!("  libtorch  {}", info.libtorch_version);
    println!("  rustc     {}", info.rustc_version);
    let options: serde_json::Value =
        serde_json::from_str(&options).map_err(|e| anyhow::anyhow!("--options: {e}"))?;
    let inst = plugin.instantiate(
        &options,
        ModelDims {
            n_embd,
            n_head,
            layer_norm_epsilon: 1e-5,
        },
    )?;
    let total: i64 = inst
        .params
        .iter()
        .map(|p| p.shape.iter().product::<i64>())
        .sum();
    println!(
        "parameters for n_embd {n_embd}, n_head {n_head}, options {options} ({total} scalars):"
    );
    for p in &inst.params {
        println!("  {:<28} {:?} {:?}", p.name, p.shape, p.init);
    }
    Ok(())
}
