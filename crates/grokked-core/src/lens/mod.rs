//! Looking inside: activation caches and hooks, the logit lens, activation patching and causal
//! tracing, attention patterns and integrated gradients.
//!
//! ```
//! use grokked_core::lens::patching::resid_site;
//! use grokked_core::model::HookSite;
//! assert_eq!(resid_site(0), HookSite::Embed);
//! assert_eq!(resid_site(3), HookSite::ResidPost(2));
//! ```

pub mod attention;
pub mod cache;
pub mod composition;
pub mod integrated_gradients;
pub mod logit_lens;
pub mod patching;
pub mod report;
