//! Activation patching: run a base input while copying activations from a source run, sweeping
//! over (layer, position) of the residual stream or over (layer, head) of the attention heads;
//! and the paper's causal tracing, where the metric is whether the top-1 answer changes.
//!
//! Residual layer 0 is the embedding output; layer i (1..=n_layer) is the stream after block i-1.
//!
//! ```
//! use grokked_core::lens::patching::{patch_resid_sweep, top1_change_rate};
//! use grokked_core::model::{GptConfig, GptModel};
//! let model = GptModel::new(GptConfig::small(20, 8, 2, 16, 2), tch::Device::Cpu).unwrap();
//! let base = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let source = tch::Tensor::from_slice(&[1i64, 7, 3]).view([1, 3]);
//! let clean = model.gpt.forward(&base, false).unwrap();
//! let df = patch_resid_sweep(&model.gpt, &base, &source, &|l| top1_change_rate(&clean, l, 2)).unwrap();
//! assert_eq!(df.height(), 3 * 3); // layers 0..=2 x positions 0..3
//! ```

use crate::error::{GrokError, Result};
use crate::lens::cache::{run_with_cache, run_with_hooks, HookFn};
use crate::model::{Gpt, HookSite};
use polars::prelude::*;
use tch::{Kind, Tensor};

/// The hook site of residual layer `layer` (0 = embeddings).
pub fn resid_site(layer: usize) -> HookSite {
    if layer == 0 {
        HookSite::Embed
    } else {
        HookSite::ResidPost(layer - 1)
    }
}

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

/// Patches the residual stream at every (layer, position) from `source` into `base` and scores
/// each patched run with `metric`: a DataFrame `layer, position, metric`.
pub fn patch_resid_sweep(
    gpt: &Gpt,
    base: &Tensor,
    source: &Tensor,
    metric: &dyn Fn(&Tensor) -> f64,
) -> Result<DataFrame> {
    if base.size() != source.size() {
        return Err(GrokError::Invalid(format!(
            "base {:?} and source {:?} differ in shape",
            base.size(),
            source.size()
        )));
    }
    let sites = gpt.resid_sites();
    let (_, cache) = run_with_cache(gpt, source, |s| {
        matches!(s, HookSite::Embed | HookSite::ResidPost(_))
    })?;
    let t = base.size()[1];
    let (mut layers, mut positions, mut values) = (vec![], vec![], vec![]);
    for (layer, &site) in sites.iter().enumerate() {
        for pos in 0..t {
            let logits = patched_logits(gpt, base, site, Some(pos), &cache[&site])?;
            layers.push(layer as i64);
            positions.push(pos);
            values.push(metric(&logits));
        }
    }
    frame(vec![("layer", layers), ("position", positions)], values)
}

/// Patches each head's output (`z`) of every layer from `source` into `base`: a DataFrame
/// `layer, head, metric`.
pub fn patch_head_sweep(
    gpt: &Gpt,
    base: &Tensor,
    source: &Tensor,
    metric: &dyn Fn(&Tensor) -> f64,
) -> Result<DataFrame> {
    let (_, cache) = run_with_cache(gpt, source, |s| matches!(s, HookSite::Z(_)))?;
    let n_head = gpt.cfg.n_head;
    let (mut layers, mut heads, mut values) = (vec![], vec![], vec![]);
    for &layer in &gpt.layer_ids {
        let site = HookSite::Z(layer);
        for head in 0..n_head {
            let src = cache[&site].narrow(1, head, 1);
            let hook: HookFn = Box::new(move |_, t| {
                let t = t.copy();
                t.narrow(1, head, 1).copy_(&src);
                Ok(t)
            });
            let logits = run_with_hooks(gpt, base, vec![(site, hook)])?;
            layers.push(layer as i64);
            heads.push(head);
            values.push(metric(&logits));
        }
    }
    frame(vec![("layer", layers), ("head", heads)], values)
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
/// token that changes the answer; each (layer, position) of the clean run gets the corrupted
/// run's state and the metric is how often the top-1 prediction at `answer_pos` changes.
pub fn causal_trace(
    gpt: &Gpt,
    clean: &Tensor,
    corrupt: &Tensor,
    answer_pos: i64,
) -> Result<DataFrame> {
    let clean_logits = tch::no_grad(|| gpt.forward(clean, false))?;
    patch_resid_sweep(gpt, clean, corrupt, &|l| {
        top1_change_rate(&clean_logits, l, answer_pos)
    })
}

fn frame(keys: Vec<(&str, Vec<i64>)>, values: Vec<f64>) -> Result<DataFrame> {
    let n = values.len();
    let mut cols: Vec<Column> = keys
        .into_iter()
        .map(|(k, v)| Column::new(k.into(), v))
        .collect();
    cols.push(Column::new("metric".into(), values));
    DataFrame::new(n, cols).map_err(|e| GrokError::Invalid(e.to_string()))
}
