//! The flags that widen what opening a model may do (`--allow-plugin`, `--accept-rebuilt`,
//! `--allow-nonfinite`, `--allow-hash-mismatch`).

use clap::Args;
use grokked_model::LoadPolicy;
use std::path::PathBuf;

/// Consent flags shared by every command that opens a model or run.
#[derive(Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// Allow the model's config to load this reasoning-module plugin library (repeatable). A
    /// model folder is data: a library it names runs only with this consent.
    #[arg(long = "allow-plugin", value_name = "PATH")]
    allow_plugin: Vec<PathBuf>,
    /// Open a run or model whose allowed plugin library was rebuilt since it was saved (its
    /// SHA-256 changed): for a plugin author's own runs. Says what changed; without it such a
    /// library is refused.
    #[arg(long)]
    accept_rebuilt: bool,
    /// Load weights with NaN or infinite values (for debugging a broken model).
    #[arg(long)]
    allow_nonfinite: bool,
    /// Load weights whose SHA-256 differs from the one their checkpoint recorded (for forensics
    /// on a corrupt or edited checkpoint; its scores mean nothing).
    #[arg(long)]
    allow_hash_mismatch: bool,
}

impl TrustArgs {
    /// The policy these flags give.
    pub fn policy(&self) -> LoadPolicy {
        LoadPolicy::data_only()
            .allow_plugins(self.allow_plugin.iter().cloned())
            .allow_nonfinite(self.allow_nonfinite)
            .allow_hash_mismatch(self.allow_hash_mismatch)
            .accept_rebuilt(self.accept_rebuilt)
    }
}
