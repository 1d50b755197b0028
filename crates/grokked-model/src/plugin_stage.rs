//! A reasoning-module plugin inside the model: loaded from its library, its parameters created in
//! the model's VarStore (under `plugin.`), run after `after_layer` blocks in place of `replace`
//! blocks.
//!
//! Building a stage resolves the library to its canonical path and records its SHA-256 in the
//! model's config (so checkpoints carry both); a config that already records a hash refuses a
//! library with another one before loading it. Building a model from a config in code is the
//! caller's consent; opening a model folder asks for it (see [`super::trust`]).
//!
//! ```no_run
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! use grokked_plugin::host::PluginConfig;
//! let mut cfg = GptConfig::new(GptSize { vocab_size: 30, n_positions: 8, n_layer: 4, n_embd: 32, n_head: 4 });
//! let options = serde_json::json!({"k": 2, "n": 2});
//! cfg.plugin = Some(PluginConfig::new("target/release/libshared_depth.so", options, 0, 4));
//! let model = GptModel::new(cfg, tch::Device::Cpu).unwrap();
//! assert!(model.gpt.blocks.is_empty());
//! assert!(model.config().plugin.as_ref().unwrap().sha256.is_some());
//! ```

use super::config::GptConfig;
use crate::error::{GrokError, Result};
use crate::hooks::{at, Hook, HookSite};
use grokked_plugin::abi::ModelDims;
use grokked_plugin::host::{load_plugin_verified, PluginConfig, PluginInstance};
use tch::{nn, Tensor};

/// A loaded module with its parameters.
#[derive(Debug)]
pub struct PluginStage {
    /// The module.
    pub instance: PluginInstance,
    /// Its parameters, in declaration order (owned by the model's VarStore).
    pub params: Vec<Tensor>,
    /// Their names (as declared).
    pub names: Vec<String>,
    /// Blocks before it.
    pub after_layer: usize,
    /// Blocks it replaces.
    pub replace: usize,
    /// The placement with the library's canonical path, SHA-256 and build time.
    pub config: PluginConfig,
    /// The sites the module declared, in forward order, with whether each carries the residual
    /// stream (the logit lens reads those).
    pub sites: Vec<(HookSite, bool)>,
}

impl PluginStage {
    /// Loads the plugin of `pc` and creates its parameters under `p`.
    pub fn new(p: &nn::Path, pc: &PluginConfig, cfg: &GptConfig) -> Result<Self> {
        let (plugin, info) = load_plugin_verified(&pc.path, pc.sha256.as_deref())?;
        let dims = ModelDims {
            n_embd: cfg.n_embd,
            n_head: cfg.n_head,
            n_layer: cfg.n_layer,
            n_positions: cfg.n_positions,
            dropout: cfg.resid_pdrop,
            layer_norm_epsilon: cfg.layer_norm_epsilon,
        };
        let instance = plugin.instantiate(&pc.options, dims)?;
        let mut params = Vec::with_capacity(instance.params.len());
        for spec in &instance.params {
            let parts: Vec<&str> = spec.name.split('.').collect();
            if parts.iter().any(|s| s.is_empty()) {
                return Err(GrokError::Invalid(format!(
                    "plugin parameter name `{}` has an empty segment",
                    spec.name
                )));
            }
            let (last, dirs) = parts.split_last().expect("split yields one part");
            let path = dirs.iter().fold(p.clone(), |acc, d| acc / *d);
            params.push(path.var(last, &spec.shape, spec.init.to_nn()));
        }
        let names = instance.params.iter().map(|s| s.name.clone()).collect();
        let sites = instance
            .sites
            .iter()
            .map(|s| Ok((HookSite::plugin(&s.name)?, s.residual)))
            .collect::<Result<Vec<_>>>()?;
        Ok(PluginStage {
            sites,
            instance,
            params,
            names,
            after_layer: pc.after_layer,
            replace: pc.replace,
            config: PluginConfig {
                path: info.path,
                sha256: Some(info.sha256),
                built_unix: info.built_unix,
                ..pc.clone()
            },
        })
    }

    /// Whether layer `layer` is one the module replaces.
    pub fn replaces(&self, layer: usize) -> bool {
        (self.after_layer..self.after_layer + self.replace).contains(&layer)
    }

    /// Whether the module runs right before the block of layer `layer`.
    pub fn runs_before(&self, layer: usize) -> bool {
        layer == self.after_layer + self.replace
    }

    /// Whether the module runs after the last block (no block follows it).
    pub fn runs_last(&self, layer_ids: &[usize]) -> bool {
        !layer_ids
            .iter()
            .any(|&l| l >= self.after_layer + self.replace)
    }

    /// Runs the module, lending `hook` the module's own sites when it wants any of them.
    pub fn forward(
        &self,
        x: &Tensor,
        train: bool,
        mask: Option<&Tensor>,
        hook: &mut dyn Hook,
    ) -> Result<Tensor> {
        if !self.sites.iter().any(|(s, _)| hook.wants(*s)) {
            let y = self
                .instance
                .forward(x, &self.params, self.after_layer, train, mask, None)?;
            return Ok(y);
        }
        let mut at_site = |name: &str, t: Tensor| -> std::result::Result<Tensor, String> {
            let site = self
                .sites
                .iter()
                .map(|(s, _)| *s)
                .find(|s| s.kind().strip_prefix(crate::hooks::PLUGIN_PREFIX) == Some(name))
                .ok_or_else(|| format!("undeclared site `{name}`"))?;
            at(hook, site, t).map_err(|e| e.to_string())
        };
        let y = self.instance.forward(
            x,
            &self.params,
            self.after_layer,
            train,
            mask,
            Some(&mut at_site),
        )?;
        Ok(y)
    }
}
