//! The sites of a model, in forward order: every hook site ([`Gpt::sites`]), and the residual
//! stream between stages as the logit lens reads it ([`Gpt::resid_sites`], labelled by
//! [`Gpt::resid_labels`]), a plugin's stage included with the sites it declares.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel, HookSite};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! assert_eq!(model.gpt.resid_sites(), [HookSite::ResidPre(0), HookSite::ResidPost(0), HookSite::ResidPost(1)]);
//! assert_eq!(model.gpt.resid_labels(), ["layer 0", "layer 1", "layer 2"]);
//! assert_eq!(model.gpt.sites().len(), 3 + 2 * 14);
//! ```

use super::gpt::Gpt;
use crate::hooks::HookSite;

impl Gpt {
    /// The residual stream between stages, as the logit lens reads it: where the first stage
    /// starts (the embeddings: `blocks.0.hook_resid_pre`, or `plugin.hook_in` when a plugin
    /// runs first), then each stage's output (`hook_resid_post` of a block, `plugin.hook_out`),
    /// and inside a plugin the residual sites it declares (`plugin.loop.0.out`, ...).
    pub fn resid_sites(&self) -> Vec<HookSite> {
        let mut sites = Vec::new();
        let plugin = self.plugin.as_ref();
        let plugin_stage = |sites: &mut Vec<HookSite>| {
            let stage = plugin.expect("called with a plugin");
            sites.push(HookSite::PluginIn);
            sites.extend(stage.sites.iter().filter(|(_, r)| *r).map(|(s, _)| *s));
            sites.push(HookSite::PluginOut);
        };
        for &layer in &self.layer_ids {
            if plugin.is_some_and(|s| s.runs_before(layer)) {
                plugin_stage(&mut sites);
            }
            sites.extend([HookSite::ResidPre(layer), HookSite::ResidPost(layer)]);
        }
        if plugin.is_some_and(|s| s.runs_last(&self.layer_ids)) {
            plugin_stage(&mut sites);
        }
        // Keep the stream's start and every stage's output (an input equals the previous output).
        sites
            .iter()
            .enumerate()
            .filter(|(i, site)| {
                *i == 0
                    || matches!(
                        site,
                        HookSite::ResidPost(_) | HookSite::PluginOut | HookSite::Plugin(_)
                    )
            })
            .map(|(_, site)| *site)
            .collect()
    }

    /// A label for each of [`Gpt::resid_sites`], as the lens charts show them: `layer i` for the
    /// embeddings and the blocks' outputs (i counts stages as before), and a plugin's stage by
    /// its sites (`plugin.loop.0.out`, ..., `plugin.hook_out`).
    pub fn resid_labels(&self) -> Vec<String> {
        self.resid_sites()
            .iter()
            .enumerate()
            .map(|(i, site)| match site {
                HookSite::Plugin(name) => name.to_string(),
                HookSite::PluginOut => site.to_string(),
                _ => format!("layer {i}"),
            })
            .collect()
    }

    /// Every hook site of this model, in forward order (a plugin's own sites right after
    /// `plugin.hook_in`).
    pub fn sites(&self) -> Vec<HookSite> {
        let mut sites = HookSite::all(&self.layer_ids, self.plugin.is_some());
        if let Some(stage) = &self.plugin {
            let at = sites
                .iter()
                .position(|s| *s == HookSite::PluginIn)
                .map_or(0, |p| p + 1);
            sites.splice(at..at, stage.sites.iter().map(|(s, _)| *s));
        }
        sites
    }
}
