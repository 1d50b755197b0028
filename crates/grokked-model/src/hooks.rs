//! Hook sites: the named places in the forward pass where activations can be read or replaced,
//! named and shaped as TransformerLens names and shapes them, so a TransformerLens user reads our
//! caches without a glossary (see the README's table).
//!
//! The forward pass calls a [`Hook`] at every [`HookSite`] the hook [`wants`](Hook::wants); a
//! hook returns the tensor the pass continues with (its input to only read, a new one to patch).
//! Every site's name, kind and parser come from one table ([`SITES`]).
//!
//! ```
//! use grokked_model::HookSite;
//! let site = HookSite::ResidPost(3);
//! assert_eq!(site.to_string(), "blocks.3.hook_resid_post");
//! assert_eq!(HookSite::parse("blocks.3.hook_resid_post").unwrap(), site);
//! assert_eq!(HookSite::parse("blocks.0.attn.hook_q").unwrap(), HookSite::Q(0));
//! assert_eq!(HookSite::parse("hook_embed").unwrap(), HookSite::Embed);
//! assert_eq!(site.kind(), "hook_resid_post");
//! ```

use crate::error::{GrokError, Result};
use tch::Tensor;

/// Declares [`HookSite`] and its name table from one list: sites outside the blocks with their
/// full name, then per-block sites with their name inside `blocks.L.`.
macro_rules! hook_sites {
    (
        global { $( $(#[$gdoc:meta])* $gv:ident => $gname:literal, )* }
        block { $( $(#[$ldoc:meta])* $lv:ident => $lname:literal, )* }
    ) => {
        /// A place in the forward pass; per-block sites carry the block's layer index.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum HookSite {
            $( $(#[$gdoc])* $gv, )*
            $( $(#[$ldoc])* $lv(usize), )*
            /// A site a reasoning-module plugin declared, by its full name (`plugin.loop.0.out`):
            /// what the module offers there, in the shape it offers it.
            Plugin(&'static str),
        }

        /// Every site kind, in forward order: `(kind name, whether it is per block)`. A per-block
        /// kind's full name is `blocks.L.` followed by the kind.
        pub const SITES: &[(&str, bool)] = &[ $( ($gname, false), )* $( ($lname, true), )* ];

        impl HookSite {
            /// The kind's name (`hook_embed`, `hook_resid_pre`, `attn.hook_q`, ...).
            pub fn kind(&self) -> &'static str {
                match self {
                    $( HookSite::$gv => $gname, )*
                    $( HookSite::$lv(_) => $lname, )*
                    HookSite::Plugin(name) => *name,
                }
            }

            /// The block index, or `None` for sites outside the blocks.
            pub fn layer(&self) -> Option<usize> {
                match *self {
                    $( HookSite::$gv => None, )*
                    $( HookSite::$lv(l) => Some(l), )*
                    HookSite::Plugin(_) => None,
                }
            }

            /// Builds a site from its kind name and layer (ignored for sites outside the blocks).
            pub fn from_kind(kind: &str, layer: usize) -> Result<Self> {
                match kind {
                    $( $gname => Ok(HookSite::$gv), )*
                    $( $lname => Ok(HookSite::$lv(layer)), )*
                    other if other.starts_with(PLUGIN_PREFIX) => HookSite::plugin(other),
                    other => Err(GrokError::Invalid(format!(
                        "unknown hook site kind `{other}` (known: {})",
                        SITES.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        }
    };
}

hook_sites! {
    global {
        /// Token embeddings (the output of `wte`), `[batch, pos, d_model]`.
        Embed => "hook_embed",
        /// Position embeddings (the output of `wpe`), `[batch, pos, d_model]`.
        PosEmbed => "hook_pos_embed",
        /// The residual stream entering a reasoning-module plugin, `[batch, pos, d_model]`.
        PluginIn => "plugin.hook_in",
        /// The residual stream a reasoning-module plugin returns, `[batch, pos, d_model]`.
        PluginOut => "plugin.hook_out",
        /// The final LayerNorm's normalised input, before its weight and bias,
        /// `[batch, pos, d_model]`.
        LnFinalNormalized => "ln_final.hook_normalized",
    }
    block {
        /// The residual stream entering block L (for block 0: the embeddings, after dropout),
        /// `[batch, pos, d_model]`.
        ResidPre => "hook_resid_pre",
        /// Attention queries, `[batch, pos, head, d_head]`.
        Q => "attn.hook_q",
        /// Attention keys (this call's positions, not cached ones), `[batch, pos, head, d_head]`.
        K => "attn.hook_k",
        /// Attention values (this call's positions), `[batch, pos, head, d_head]`.
        V => "attn.hook_v",
        /// Scaled attention scores before the softmax, masked positions at -inf,
        /// `[batch, head, query_pos, key_pos]`.
        AttnScores => "attn.hook_attn_scores",
        /// Attention probabilities, `[batch, head, query_pos, key_pos]`.
        AttnPattern => "attn.hook_pattern",
        /// Each head's mix of values, before the output projection, `[batch, pos, head, d_head]`.
        Z => "attn.hook_z",
        /// Each head's output through its slice of the output projection (no bias); they sum,
        /// with the bias, to `hook_attn_out`. `[batch, pos, head, d_model]`.
        Result => "attn.hook_result",
        /// The attention sublayer's output, `[batch, pos, d_model]`.
        AttnOut => "hook_attn_out",
        /// The residual stream after attention, `[batch, pos, d_model]`.
        ResidMid => "hook_resid_mid",
        /// The MLP's hidden pre-activations, `[batch, pos, d_mlp]`.
        MlpPre => "mlp.hook_pre",
        /// The MLP's hidden activations, `[batch, pos, d_mlp]`.
        MlpPost => "mlp.hook_post",
        /// The MLP sublayer's output, `[batch, pos, d_model]`.
        MlpOut => "hook_mlp_out",
        /// The residual stream leaving block L, `[batch, pos, d_model]`.
        ResidPost => "hook_resid_post",
    }
}

/// The prefix of every plugin site's name.
pub const PLUGIN_PREFIX: &str = "plugin.";

/// Plugin site names, interned so that [`HookSite`] stays `Copy`: a process holds one copy of
/// each name it has seen.
fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    match names.iter().find(|n| **n == name) {
        Some(n) => n,
        None => {
            let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
            names.push(leaked);
            leaked
        }
    }
}

impl HookSite {
    /// The site a plugin declared as `name`, given with or without `plugin.` (`loop.0.out` and
    /// `plugin.loop.0.out` are the same site). Whether the model's plugin declares it is checked
    /// where the model is known ([`crate::Gpt::sites`]).
    pub fn plugin(name: &str) -> Result<Self> {
        let bare = name.strip_prefix(PLUGIN_PREFIX).unwrap_or(name);
        if bare.is_empty() || bare.split('.').any(str::is_empty) {
            return Err(GrokError::Invalid(format!(
                "bad plugin hook site `{name}` (expected plugin.NAME with dot-separated words)"
            )));
        }
        let full = format!("{PLUGIN_PREFIX}{bare}");
        if let Some((k, _)) = SITES.iter().find(|(k, _)| *k == full) {
            return Self::from_kind(k, 0);
        }
        Ok(HookSite::Plugin(intern(&full)))
    }

    /// Parses a full site name: a site outside the blocks (`hook_embed`) or `blocks.L.KIND`.
    pub fn parse(name: &str) -> Result<Self> {
        let bad = || {
            GrokError::Invalid(format!(
                "bad hook site `{name}` (expected hook_embed, hook_pos_embed, ln_final.hook_normalized, \
                 plugin.hook_in|out, a plugin's own plugin.NAME, or blocks.L.KIND)"
            ))
        };
        match name.strip_prefix("blocks.") {
            None => match SITES.iter().find(|(k, per_block)| !per_block && *k == name) {
                Some((k, _)) => Self::from_kind(k, 0),
                None if name.starts_with(PLUGIN_PREFIX) => Self::plugin(name),
                None => Err(bad()),
            },
            Some(rest) => {
                let (layer, kind) = rest.split_once('.').ok_or_else(bad)?;
                let layer = layer.parse().map_err(|_| bad())?;
                match SITES.iter().find(|(k, per_block)| *per_block && *k == kind) {
                    Some((k, _)) => Self::from_kind(k, layer),
                    None => Err(bad()),
                }
            }
        }
    }

    /// Every site of a model whose blocks have the layer indices `layers` (with a plugin stage
    /// when `plugin`), in forward order.
    pub fn all(layers: &[usize], plugin: bool) -> Vec<HookSite> {
        let global = SITES
            .iter()
            .filter(|(k, per_block)| !per_block && (plugin || !k.starts_with("plugin.")))
            .map(|(k, _)| Self::from_kind(k, 0).expect("a kind of the table"));
        let per_block = layers.iter().flat_map(|&l| {
            SITES
                .iter()
                .filter(|(_, per_block)| *per_block)
                .map(move |(k, _)| Self::from_kind(k, l).expect("a kind of the table"))
        });
        global.chain(per_block).collect()
    }
}

impl std::fmt::Display for HookSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.layer() {
            None => write!(f, "{}", self.kind()),
            Some(l) => write!(f, "blocks.{l}.{}", self.kind()),
        }
    }
}

/// Something the forward pass calls at hook sites.
pub trait Hook {
    /// Whether the pass should call [`Hook::call`] at `site` (and, for `attn_pattern`,
    /// compute attention explicitly instead of with the fused kernel).
    fn wants(&self, site: HookSite) -> bool;
    /// Receives the activation at `site` and returns the one the pass continues with.
    fn call(&mut self, site: HookSite, activation: Tensor) -> Result<Tensor>;
}

/// The hook that wants nothing: a plain forward pass.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHooks;

impl Hook for NoHooks {
    fn wants(&self, _site: HookSite) -> bool {
        false
    }
    fn call(&mut self, _site: HookSite, activation: Tensor) -> Result<Tensor> {
        Ok(activation)
    }
}

/// Runs `hook` at `site` if it wants it, else passes `t` through.
pub(crate) fn at(hook: &mut dyn Hook, site: HookSite, t: Tensor) -> Result<Tensor> {
    if hook.wants(site) {
        let out = hook.call(site, t)?;
        Ok(out)
    } else {
        Ok(t)
    }
}

/// Whether a hook returned its input unchanged (the same tensor, or equal values), so the pass
/// may keep its fused computation and stay bit-identical to an unhooked one.
pub(crate) fn unchanged(returned: &Tensor, given: &Tensor) -> bool {
    returned.data_ptr() == given.data_ptr()
        || (returned.size() == given.size() && returned.equal(given))
}

/// [`at`] for a per-head tensor kept as `[batch, head, pos, d]` inside attention: the hook sees
/// (and returns) TransformerLens's `[batch, pos, head, d]`.
pub(crate) fn at_heads(hook: &mut dyn Hook, site: HookSite, t: Tensor) -> Result<Tensor> {
    if hook.wants(site) {
        Ok(hook.call(site, t.transpose(1, 2))?.transpose(1, 2))
    } else {
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_site_parses_back_from_its_name() {
        let sites = HookSite::all(&[0, 2], true);
        assert_eq!(sites.len(), 5 + 2 * 14);
        for site in sites {
            assert_eq!(HookSite::parse(&site.to_string()).unwrap(), site, "{site}");
        }
        for bad in [
            "blocks.x.hook_q",
            "blocks.1.resid",
            "embed",
            "blocks.1.hook_embed",
            "hook_resid_pre",
            "plugin.",
            "plugin.loop..out",
        ] {
            assert!(HookSite::parse(bad).is_err(), "{bad}");
        }
        assert!(HookSite::from_kind("resid", 0).is_err());
    }

    #[test]
    fn plugin_sites_parse_with_or_without_their_prefix() {
        let site = HookSite::parse("plugin.loop.2.out").unwrap();
        assert_eq!(site, HookSite::plugin("loop.2.out").unwrap());
        assert_eq!(site.to_string(), "plugin.loop.2.out");
        assert_eq!(site.layer(), None);
        assert_eq!(
            HookSite::parse("plugin.hook_in").unwrap(),
            HookSite::PluginIn
        );
        assert_eq!(HookSite::plugin("hook_out").unwrap(), HookSite::PluginOut);
        assert_ne!(site, HookSite::plugin("gate").unwrap());
    }
}

/// A hook closure that stays on a model until its [`HookGuard`] drops.
pub type PersistentHookFn = Box<dyn FnMut(HookSite, Tensor) -> Result<Tensor> + Send>;

/// Hooks attached to a model (see [`crate::Gpt::add_hook`]).
#[derive(Default, Clone)]
pub struct HookRegistry {
    inner: std::sync::Arc<std::sync::Mutex<RegistryInner>>,
}

#[derive(Default)]
struct RegistryInner {
    next: u64,
    hooks: Vec<(u64, HookSite, PersistentHookFn)>,
}

impl std::fmt::Debug for HookRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HookRegistry({} hooks)", self.len())
    }
}

impl HookRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Attaches `f` at `site` until the returned guard drops.
    pub fn add(&self, site: HookSite, f: PersistentHookFn) -> HookGuard {
        let mut inner = self.lock();
        inner.next += 1;
        let id = inner.next;
        inner.hooks.push((id, site, f));
        HookGuard {
            registry: std::sync::Arc::downgrade(&self.inner),
            id,
        }
    }

    /// The number of attached hooks.
    pub fn len(&self) -> usize {
        self.lock().hooks.len()
    }

    /// Whether no hook is attached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn has(&self, site: HookSite) -> bool {
        self.lock().hooks.iter().any(|(_, s, _)| *s == site)
    }

    fn apply(&self, site: HookSite, mut t: Tensor) -> Result<Tensor> {
        let mut inner = self.lock();
        for (_, s, f) in inner.hooks.iter_mut() {
            if *s == site {
                t = f(site, t)?;
            }
        }
        Ok(t)
    }
}

/// Detaches its hook when dropped (also when an error unwinds the scope that held it).
#[must_use = "the hook is removed as soon as the guard drops"]
pub struct HookGuard {
    registry: std::sync::Weak<std::sync::Mutex<RegistryInner>>,
    id: u64,
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.registry.upgrade() {
            let mut inner = inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.hooks.retain(|(id, _, _)| *id != self.id);
        }
    }
}

/// The registry's hooks followed by a call's own hook.
pub(crate) struct WithRegistry<'a> {
    pub registry: &'a HookRegistry,
    pub hook: &'a mut dyn Hook,
}

impl Hook for WithRegistry<'_> {
    fn wants(&self, site: HookSite) -> bool {
        self.hook.wants(site) || self.registry.has(site)
    }
    fn call(&mut self, site: HookSite, t: Tensor) -> Result<Tensor> {
        let t = if self.registry.has(site) {
            self.registry.apply(site, t)?
        } else {
            t
        };
        if self.hook.wants(site) {
            self.hook.call(site, t)
        } else {
            Ok(t)
        }
    }
}
