//! Activation patching: run a base input while copying activations from a source run, sweeping
//! over (site, position) of the residual stream or over (layer, head) of the attention heads; and
//! the paper's causal tracing, where the metric is whether the top-1 answer changes.
//!
//! The residual sweeps read the stream at [`Gpt::resid_sites`] (layer 0: the embeddings; layer i:
//! after stage i) or, as TransformerLens's `get_act_patch_resid_pre` does, at each block's
//! `hook_resid_pre` ([`patch_resid_pre_sweep`]).
//!
//! ```
//! use grokked_lens::patching::{patch_resid_sweep, top1_change_rate};
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let base = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let source = tch::Tensor::from_slice(&[1i64, 7, 3]).view([1, 3]);
//! let clean = model.gpt.forward(&base, false).unwrap();
//! let df = patch_resid_sweep(&model.gpt, &base, &source, &|l| top1_change_rate(&clean, l, 2)).unwrap();
//! assert_eq!(df.height(), 3 * 3); // layers 0..=2 x positions 0..3
//! ```

use crate::cache::{run_with_cache, run_with_hooks, HookFn};
use grokked_model::error::{GrokError, Result};
use grokked_model::{Gpt, HookSite};
use polars::prelude::*;
use tch::{Kind, Tensor};

/// Logits of `base` with `site`'s activation at `position` (None: all positions) taken from
/// `source_act`.
pub fn patched_logits(
    gpt: &Gpt,
    base: &Tensor,
    site: HookSite,
    position: Option<i64>,
    source_act: &Tensor,
) -> Result<Tensor> {
    let src = source_act.shallow_clone();
    let hook: HookFn = Box::new(move |_, t| {
        let mut t = t.copy();
        match position {
            Some(p) => {
                t.narrow(1, p, 1).copy_(&src.narrow(1, p, 1));
            }
            None => t = src.shallow_clone(),
        }
        Ok(t)
    });
    run_with_hooks(gpt, base, vec![(site, hook)])
}

/// Patches each of `sites` (activations `[batch, pos, ...]`) at each of `positions` (all when
/// `None`) from `source` into `base` and scores each patched run with `metric`: a DataFrame
/// `layer` (the site's index in `sites`), `site`, `position`, `metric`.
pub fn patch_sweep(
    gpt: &Gpt,
    base: &Tensor,
    source: &Tensor,
    sites: &[HookSite],
    positions: Option<&[i64]>,
    metric: &dyn Fn(&Tensor) -> f64,
) -> Result<DataFrame> {
    if base.size() != source.size() {
        return Err(GrokError::Invalid(format!(
            "base {:?} and source {:?} differ in shape",
            base.size(),
            source.size()
        )));
    }
    let all: Vec<i64> = (0..base.size()[1]).collect();
    let positions = positions.unwrap_or(&all);
    let (_, cache) = run_with_cache(gpt, source, |s| sites.contains(&s))?;
    let (mut layers, mut names, mut pos_col, mut values) = (vec![], vec![], vec![], vec![]);
    for (layer, site) in sites.iter().enumerate() {
        for &pos in positions {
            let logits = patched_logits(gpt, base, *site, Some(pos), &cache[site])?;
            layers.push(layer as i64);
            names.push(site.to_string());
            pos_col.push(pos);
            values.push(metric(&logits));
        }
    }
    let n = values.len();
    DataFrame::new(
        n,
        vec![
            Column::new("layer".into(), layers),
            Column::new("site".into(), names),
            Column::new("position".into(), pos_col),
            Column::new("metric".into(), values),
        ],
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))
}

/// [`patch_sweep`] over the residual stream between stages ([`Gpt::resid_sites`]), every
/// position.
pub fn patch_resid_sweep(
    gpt: &Gpt,
    base: &Tensor,
    source: &Tensor,
    metric: &dyn Fn(&Tensor) -> f64,
) -> Result<DataFrame> {
    patch_sweep(gpt, base, source, &gpt.resid_sites(), None, metric)
}

/// [`patch_sweep`] over each block's `hook_resid_pre`, every position: TransformerLens's
/// `get_act_patch_resid_pre` (`layer` is the block's index).
pub fn patch_resid_pre_sweep(
    gpt: &Gpt,
    base: &Tensor,
    source: &Tensor,
    metric: &dyn Fn(&Tensor) -> f64,
) -> Result<DataFrame> {
    let sites: Vec<HookSite> = gpt
        .layer_ids
        .iter()
        .map(|&l| HookSite::ResidPre(l))
        .collect();
    patch_sweep(gpt, base, source, &sites, None, metric)
}

/// The share of rows whose argmax at `position` differs between `clean` and `patched` logits.
pub fn top1_change_rate(clean: &Tensor, patched: &Tensor, position: i64) -> f64 {
    let a = clean.select(1, position).argmax(-1, false);
    let b = patched.select(1, position).argmax(-1, false);
    a.ne_tensor(&b)
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[])
}

/// The paper's causal tracing: `corrupt` is `clean` with one token per row replaced by a same-type
/// token that changes the answer; the residual stream of the clean run at each layer
/// ([`Gpt::resid_sites`]) and each of `positions` (all when `None`) gets the corrupted run's
/// state, and the metric is how often the top-1 prediction at `answer_pos` changes. A DataFrame
/// `layer, site, position, metric`. The one implementation behind `grokked analyze` and
/// [`crate::composition::causal_trace`].
pub fn causal_trace(
    gpt: &Gpt,
    clean: &Tensor,
    corrupt: &Tensor,
    answer_pos: i64,
    positions: Option<&[i64]>,
) -> Result<DataFrame> {
    let clean_logits = tch::no_grad(|| gpt.forward(clean, false))?;
    patch_sweep(gpt, clean, corrupt, &gpt.resid_sites(), positions, &|l| {
        top1_change_rate(&clean_logits, l, answer_pos)
    })
}
