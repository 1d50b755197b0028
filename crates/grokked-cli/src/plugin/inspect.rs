//! `grokked plugin inspect FILE`.

use grokked_plugin::abi::ModelDims;
use grokked_plugin::host::{load_plugin, PluginError};
use std::path::Path;

/// Prints the record, options, parameters and sites of the library at `file`.
pub fn run(file: &Path, options: &str, n_embd: i64, n_head: i64) -> anyhow::Result<()> {
    let (plugin, info) = match load_plugin(file) {
        Ok(loaded) => loaded,
        Err(err @ PluginError::Mismatch { .. }) => {
            if let PluginError::Mismatch { record, .. } = &err {
                println!("plugin {} (refused: built for another host)", record.name);
                record.lines().iter().for_each(|l| println!("{l}"));
            }
            return Err(err.into());
        }
        Err(err) => return Err(err.into()),
    };
    println!("plugin {}", info.name);
    info.lines().iter().for_each(|l| println!("{l}"));
    let defaults = plugin.option_defaults()?;
    if defaults.is_empty() {
        println!("options: none");
    } else {
        println!("options (key = default):");
        for (key, value) in &defaults {
            println!("  {key} = {value}  ({})", json_type(value));
        }
    }
    let options: serde_json::Value =
        serde_json::from_str(options).map_err(|e| anyhow::anyhow!("--options: {e}"))?;
    // A small model of this width: the other dimensions change no parameter shape.
    let inst = plugin.instantiate(&options, ModelDims::for_test(n_embd, n_head))?;
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
    if inst.sites.is_empty() {
        println!("hook sites: plugin.hook_in, plugin.hook_out (the module declares none)");
    } else {
        println!("hook sites (besides plugin.hook_in and plugin.hook_out):");
        for s in &inst.sites {
            let kind = if s.residual {
                "residual stream"
            } else {
                "other"
            };
            println!("  plugin.{:<24} {kind}", s.name);
        }
    }
    Ok(())
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "optional",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_f64() => "number",
        serde_json::Value::Number(_) => "integer",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "table",
    }
}
