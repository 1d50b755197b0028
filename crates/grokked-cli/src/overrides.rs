//! `--set model.plugin.options.KEY=VALUE` on the commands that open a model: a plugin's options
//! changed for this command only (for example more loops at inference); the checkpoint is not
//! changed.

use clap::Args;
use grokked_model::overrides::ModelOverrides;

/// The override flags shared by `eval`, `lens`, `analyze` and `generate`.
#[derive(Args, Debug, Clone, Default)]
pub struct OverrideArgs {
    /// Change one of the model's plugin options for this command only, e.g.
    /// `--set model.plugin.options.n=4` (repeatable); the checkpoint stays as it is.
    #[arg(long = "set", value_name = "model.plugin.options.KEY=VALUE")]
    sets: Vec<String>,
}

impl OverrideArgs {
    /// The overrides these flags give.
    pub fn overrides(&self) -> anyhow::Result<ModelOverrides> {
        Ok(ModelOverrides::parse(&self.sets)?)
    }
}
