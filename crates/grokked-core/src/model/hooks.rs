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
pub const SITE_KINDS: [&str; 10] = [
    "embed",
    "resid_pre",
    "q",
    "k",
    "v",
    "attn_pattern",
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
