//! Hook sites: the named places in the forward pass where activations can be read or replaced.
//!
//! The forward pass calls a [`Hook`] at every [`HookSite`] the hook [`wants`](Hook::wants); a
//! hook returns the tensor the pass continues with (its input to only read, a new one to patch).
//!
//! ```
//! use grokked_core::model::HookSite;
//! let site = HookSite::ResidPost(3);
//! assert_eq!(site.to_string(), "blocks.3.resid_post");
//! assert_eq!(HookSite::parse("blocks.3.resid_post").unwrap(), site);
//! assert_eq!(site.kind(), "resid_post");
//! ```

use crate::error::{GrokError, Result};
use tch::Tensor;

/// A place in the forward pass. Per-layer sites carry the block index; shapes are
/// `[batch, seq, n_embd]` for residual and output sites, `[batch, n_head, seq, head_dim]`
/// for `q`, `k`, `v`, and `[batch, n_head, query, key]` for `attn_pattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookSite {
    /// Token plus position embeddings (after embedding dropout).
    Embed,
    /// The residual stream entering block `l`.
    ResidPre(usize),
    /// Attention queries of block `l`, per head.
    Q(usize),
    /// Attention keys of block `l`, per head (the present keys only, not cached ones).
    K(usize),
    /// Attention values of block `l`, per head (the present values only).
    V(usize),
    /// Attention probabilities of block `l`, per head.
    AttnPattern(usize),
    /// Each head's output of block `l` before the output projection, `[batch, n_head, seq, head_dim]`.
    Z(usize),
    /// The attention sublayer's output of block `l` (after its projection).
    AttnOut(usize),
    /// The residual stream after attention in block `l`.
    ResidMid(usize),
    /// The MLP sublayer's output of block `l`.
    MlpOut(usize),
    /// The residual stream leaving block `l`.
    ResidPost(usize),
}

/// The site kinds, in forward order, with the names of the shared vocabulary.
pub const SITE_KINDS: [&str; 11] = [
    "embed",
    "resid_pre",
    "q",
    "k",
    "v",
    "attn_pattern",
    "z",
    "attn_out",
    "resid_mid",
    "mlp_out",
    "resid_post",
];

impl HookSite {
    /// The kind's name (`resid_pre`, `attn_out`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            HookSite::Embed => "embed",
            HookSite::ResidPre(_) => "resid_pre",
            HookSite::Q(_) => "q",
            HookSite::K(_) => "k",
            HookSite::V(_) => "v",
            HookSite::AttnPattern(_) => "attn_pattern",
            HookSite::Z(_) => "z",
            HookSite::AttnOut(_) => "attn_out",
            HookSite::ResidMid(_) => "resid_mid",
            HookSite::MlpOut(_) => "mlp_out",
            HookSite::ResidPost(_) => "resid_post",
        }
    }

    /// The block index, or `None` for `embed`.
    pub fn layer(&self) -> Option<usize> {
        match *self {
            HookSite::Embed => None,
            HookSite::ResidPre(l)
            | HookSite::Q(l)
            | HookSite::K(l)
            | HookSite::V(l)
            | HookSite::AttnPattern(l)
            | HookSite::Z(l)
            | HookSite::AttnOut(l)
            | HookSite::ResidMid(l)
            | HookSite::MlpOut(l)
            | HookSite::ResidPost(l) => Some(l),
        }
    }

    /// Builds a site from its kind name and layer.
    pub fn from_kind(kind: &str, layer: usize) -> Result<Self> {
        Ok(match kind {
            "embed" => HookSite::Embed,
            "resid_pre" => HookSite::ResidPre(layer),
            "q" => HookSite::Q(layer),
            "k" => HookSite::K(layer),
            "v" => HookSite::V(layer),
            "attn_pattern" => HookSite::AttnPattern(layer),
            "z" => HookSite::Z(layer),
            "attn_out" => HookSite::AttnOut(layer),
            "resid_mid" => HookSite::ResidMid(layer),
            "mlp_out" => HookSite::MlpOut(layer),
            "resid_post" => HookSite::ResidPost(layer),
            other => {
                return Err(GrokError::Invalid(format!(
                    "unknown hook site kind `{other}` (known: {})",
                    SITE_KINDS.join(", ")
                )))
            }
        })
    }

    /// Parses `embed` or `blocks.L.KIND`.
    pub fn parse(name: &str) -> Result<Self> {
        if name == "embed" {
            return Ok(HookSite::Embed);
        }
        let bad = || {
            GrokError::Invalid(format!(
                "bad hook site `{name}` (expected embed or blocks.L.KIND)"
            ))
        };
        let rest = name.strip_prefix("blocks.").ok_or_else(bad)?;
        let (layer, kind) = rest.split_once('.').ok_or_else(bad)?;
        Self::from_kind(kind, layer.parse().map_err(|_| bad())?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back() {
        for kind in SITE_KINDS {
            let site = HookSite::from_kind(kind, 2).unwrap();
            assert_eq!(HookSite::parse(&site.to_string()).unwrap(), site);
        }
        assert!(HookSite::parse("blocks.x.q").is_err());
        assert!(HookSite::from_kind("resid", 0).is_err());
    }
}

/// A hook closure that stays on a model until its [`HookGuard`] drops.
pub type PersistentHookFn = Box<dyn FnMut(HookSite, Tensor) -> Result<Tensor> + Send>;

/// Hooks attached to a model (see [`crate::model::Gpt::add_hook`]).
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
