//! Attention patterns per layer and head, as tensors and as a long DataFrame.
//!
//! ```
//! use grokked_lens::attention::{attention_patterns, patterns_frame};
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let pats = attention_patterns(&model.gpt, &ids).unwrap();
//! assert_eq!(pats[0].size(), [1, 2, 3, 3]);
//! let df = patterns_frame(&pats, 0).unwrap();
//! assert_eq!(df.height(), 2 * 2 * 3 * 3);
//! ```

use crate::cache::run_with_cache;
use grokked_model::error::{GrokError, Result};
use grokked_model::{Gpt, HookSite};
use polars::prelude::*;
use tch::{Kind, Tensor};

/// The attention probabilities of every layer, `[batch, n_head, query, key]` each.
pub fn attention_patterns(gpt: &Gpt, ids: &Tensor) -> Result<Vec<Tensor>> {
    let (_, mut cache) = run_with_cache(gpt, ids, |s| matches!(s, HookSite::AttnPattern(_)))?;
    Ok(gpt
        .layer_ids
        .iter()
        .map(|&l| {
            cache
                .remove(&HookSite::AttnPattern(l))
                .expect("pattern cached")
        })
        .collect())
}

/// One example's patterns as a DataFrame `layer, head, query, key, weight` (causally masked
/// entries, which are zero, included).
pub fn patterns_frame(patterns: &[Tensor], example: i64) -> Result<DataFrame> {
    let (mut layer, mut head, mut query, mut key, mut weight) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (l, p) in patterns.iter().enumerate() {
        let p = p.select(0, example).to_kind(Kind::Double);
        let (h_n, q_n, k_n) = p.size3()?;
        let values: Vec<f64> = Vec::try_from(p.reshape([-1]))?;
        for h in 0..h_n {
            for q in 0..q_n {
                for k in 0..k_n {
                    layer.push(l as i64);
                    head.push(h);
                    query.push(q);
                    key.push(k);
                    weight.push(values[((h * q_n + q) * k_n + k) as usize]);
                }
            }
        }
    }
    let n = weight.len();
    DataFrame::new(
        n,
        vec![
            Column::new("layer".into(), layer),
            Column::new("head".into(), head),
            Column::new("query".into(), query),
            Column::new("key".into(), key),
            Column::new("weight".into(), weight),
        ],
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))
}
