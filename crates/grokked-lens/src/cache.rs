//! `run_with_cache` and `run_with_hooks`: read the activations a filter selects, or read and
//! replace activations with closures, in one forward pass. Activations come in
//! TransformerLens's names and shapes; [`save_cache`] writes a cache as a safetensors file keyed
//! by site name.
//!
//! ```
//! use grokked_lens::cache::{run_with_cache, run_with_hooks, HookFn};
//! use grokked_model::{GptConfig, GptSize, GptModel, HookSite};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let (logits, cache) = run_with_cache(&model.gpt, &ids, |s| s.kind() == "hook_resid_post").unwrap();
//! assert_eq!(cache.len(), 2);
//! assert_eq!(cache[&HookSite::ResidPost(1)].size(), [1, 3, 16]);
//! let zero: HookFn = Box::new(|_, t| Ok(t.zeros_like()));
//! let patched = run_with_hooks(&model.gpt, &ids, vec![(HookSite::MlpOut(1), zero)]).unwrap();
//! assert_eq!(patched.size(), logits.size());
//! ```

use grokked_model::error::Result;
use grokked_model::safetensors_io::write_tensors;
use grokked_model::{ForwardOpts, Gpt, Hook, HookSite};
use std::collections::BTreeMap;
use std::path::Path;
use tch::Tensor;

/// Cached activations by site.
pub type ActivationCache = BTreeMap<HookSite, Tensor>;

/// A closure run at a hook site: receives the activation, returns the one to continue with.
pub type HookFn<'a> = Box<dyn FnMut(HookSite, Tensor) -> Result<Tensor> + 'a>;

/// A hook that stores (detached copies of) the activations its filter selects.
pub struct CacheHook<F: Fn(HookSite) -> bool> {
    filter: F,
    /// What was stored.
    pub cache: ActivationCache,
}

impl<F: Fn(HookSite) -> bool> CacheHook<F> {
    /// An empty cache with `filter`.
    pub fn new(filter: F) -> Self {
        CacheHook {
            filter,
            cache: BTreeMap::new(),
        }
    }
}

impl<F: Fn(HookSite) -> bool> Hook for CacheHook<F> {
    fn wants(&self, site: HookSite) -> bool {
        (self.filter)(site)
    }
    fn call(&mut self, site: HookSite, t: Tensor) -> Result<Tensor> {
        self.cache.insert(site, t.detach().copy());
        Ok(t)
    }
}

/// Several closures, each at one site.
pub struct FnHooks<'a> {
    /// The closures by site.
    pub hooks: Vec<(HookSite, HookFn<'a>)>,
}

impl Hook for FnHooks<'_> {
    fn wants(&self, site: HookSite) -> bool {
        self.hooks.iter().any(|(s, _)| *s == site)
    }
    fn call(&mut self, site: HookSite, mut t: Tensor) -> Result<Tensor> {
        for (s, f) in self.hooks.iter_mut() {
            if *s == site {
                t = f(site, t)?;
            }
        }
        Ok(t)
    }
}

/// Runs `hook` through a forward pass in evaluation mode and returns the logits.
pub fn run_with(gpt: &Gpt, ids: &Tensor, hook: &mut dyn Hook) -> Result<Tensor> {
    tch::no_grad(|| gpt.forward_with(ids, ForwardOpts::with_hook(hook)))
}

/// Logits and the activations `filter` selects.
pub fn run_with_cache(
    gpt: &Gpt,
    ids: &Tensor,
    filter: impl Fn(HookSite) -> bool,
) -> Result<(Tensor, ActivationCache)> {
    let mut hook = CacheHook::new(filter);
    let logits = run_with(gpt, ids, &mut hook)?;
    Ok((logits, hook.cache))
}

/// Logits with `hooks` applied (each closure may read or replace its site's activation). The
/// hooks live only for this call: they are gone when it returns, with or without an error.
pub fn run_with_hooks<'a>(
    gpt: &Gpt,
    ids: &Tensor,
    hooks: Vec<(HookSite, HookFn<'a>)>,
) -> Result<Tensor> {
    let mut hooks = FnHooks { hooks };
    run_with(gpt, ids, &mut hooks)
}

/// Logits and the activations at `sites`, or at every site of the model when `sites` is empty.
pub fn run_with_cache_at(
    gpt: &Gpt,
    ids: &Tensor,
    sites: &[HookSite],
) -> Result<(Tensor, ActivationCache)> {
    let all;
    let sites = if sites.is_empty() {
        all = gpt.sites();
        &all
    } else {
        sites
    };
    run_with_cache(gpt, ids, |s| sites.contains(&s))
}

/// Writes `cache` to a safetensors file, each activation under its site's name
/// (`blocks.0.attn.hook_q`, ...).
pub fn save_cache(cache: &ActivationCache, path: &Path) -> Result<()> {
    let named: Vec<(String, Tensor)> = cache
        .iter()
        .map(|(site, t)| (site.to_string(), t.shallow_clone()))
        .collect();
    write_tensors(path, &named)
}
