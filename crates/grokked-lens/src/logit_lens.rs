//! The logit lens: the final LayerNorm and unembedding applied to the residual stream after each
//! layer, read as the rank, probability and reciprocal rank of chosen tokens; and the paper's
//! composition measures (the bridge entity b at the r1 position, r2 at the r2 position).
//!
//! Layer 0 is the stream where the first block starts (the embeddings); layer i is the stream
//! after the i-th stage (see [`Gpt::resid_sites`]).
//!
//! ```
//! use grokked_lens::logit_lens::{token_ranks, LensQuery};
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! let df = token_ranks(&model.gpt, &ids, &[LensQuery { example: 0, position: 1, token: 5 }]).unwrap();
//! assert_eq!(df.height(), 3); // layers 0, 1, 2
//! let top = grokked_lens::logit_lens::top_tokens(&model.gpt, &ids, 4).unwrap();
//! assert_eq!(top.height(), 3 * 3 * 4); // layers x positions x k
//! ```

use crate::cache::run_with_cache;
use grokked_model::error::{GrokError, Result};
use grokked_model::Gpt;
use polars::prelude::*;
use tch::{Kind, Tensor};

/// A token to track at one position of one example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LensQuery {
    /// Row of the batch.
    pub example: usize,
    /// Position in the row.
    pub position: usize,
    /// The token whose rank is read.
    pub token: i64,
}

/// The residual stream at [`Gpt::resid_sites`]: the embeddings and each stage's output.
pub fn residual_stack(gpt: &Gpt, ids: &Tensor) -> Result<Vec<Tensor>> {
    let sites = gpt.resid_sites();
    let (_, mut cache) = run_with_cache(gpt, ids, |s| sites.contains(&s))?;
    Ok(sites
        .iter()
        .map(|s| cache.remove(s).expect("residual cached"))
        .collect())
}

/// Rank (1 = top), probability and reciprocal rank of each query at each layer, as a DataFrame
/// with columns `example, layer, position, token, rank, prob, rr`.
pub fn token_ranks(gpt: &Gpt, ids: &Tensor, queries: &[LensQuery]) -> Result<DataFrame> {
    let stack = residual_stack(gpt, ids)?;
    let (b, t) = (ids.size()[0] as usize, ids.size()[1] as usize);
    if let Some(q) = queries.iter().find(|q| q.example >= b || q.position >= t) {
        return Err(GrokError::Invalid(format!(
            "query {q:?} outside the batch [{b}, {t}]"
        )));
    }
    let ex = Tensor::from_slice(&queries.iter().map(|q| q.example as i64).collect::<Vec<_>>())
        .to_device(ids.device());
    let pos = Tensor::from_slice(
        &queries
            .iter()
            .map(|q| q.position as i64)
            .collect::<Vec<_>>(),
    )
    .to_device(ids.device());
    let tok = Tensor::from_slice(&queries.iter().map(|q| q.token).collect::<Vec<_>>())
        .to_device(ids.device());
    let mut cols: [Vec<f64>; 3] = Default::default();
    let mut meta: [Vec<i64>; 4] = Default::default();
    tch::no_grad(|| {
        for (layer, resid) in stack.iter().enumerate() {
            // [q, n_embd] states at the queried (example, position) pairs.
            let states = resid.index(&[Some(&ex), Some(&pos)]);
            let logits = gpt.unembed(&states).to_kind(Kind::Float);
            let target = logits.gather(1, &tok.unsqueeze(1), false);
            let rank = logits
                .gt_tensor(&target)
                .sum_dim_intlist(1, false, Kind::Int64)
                + 1;
            let prob = logits
                .softmax(-1, Kind::Float)
                .gather(1, &tok.unsqueeze(1), false)
                .squeeze_dim(1);
            let rank: Vec<i64> = Vec::try_from(rank)?;
            let prob: Vec<f64> = Vec::try_from(prob.to_kind(Kind::Double))?;
            for (i, q) in queries.iter().enumerate() {
                meta[0].push(q.example as i64);
                meta[1].push(layer as i64);
                meta[2].push(q.position as i64);
                meta[3].push(q.token);
                cols[0].push(rank[i] as f64);
                cols[1].push(prob[i]);
                cols[2].push(1.0 / rank[i] as f64);
            }
        }
        Ok::<(), GrokError>(())
    })?;
    let [examples, layers, positions, tokens] = meta;
    let [ranks, probs, rrs] = cols;
    let n = ranks.len();
    DataFrame::new(
        n,
        vec![
            Column::new("example".into(), examples),
            Column::new("layer".into(), layers),
            Column::new("position".into(), positions),
            Column::new("token".into(), tokens),
            Column::new("rank".into(), ranks),
            Column::new("prob".into(), probs),
            Column::new("rr".into(), rrs),
        ],
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))
}

/// The `k` most likely tokens of the stream at every layer and position of one sequence
/// (`ids` `[1, seq]`): a DataFrame `layer, site, position, rank, token, prob`.
pub fn top_tokens(gpt: &Gpt, ids: &Tensor, k: usize) -> Result<DataFrame> {
    if ids.size().first() != Some(&1) {
        return Err(GrokError::Invalid(format!(
            "the top tokens read one sequence [1, seq], got {:?}",
            ids.size()
        )));
    }
    if k == 0 {
        return Err(GrokError::config(
            "top",
            "must be at least 1 (tokens per position)",
        ));
    }
    let sites = gpt.resid_sites();
    let stack = residual_stack(gpt, ids)?;
    let k = k.min(gpt.cfg.vocab_size as usize) as i64;
    let (mut layer, mut site, mut position, mut rank, mut token, mut prob) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    tch::no_grad(|| -> Result<()> {
        for (l, resid) in stack.iter().enumerate() {
            let probs = gpt.unembed(&resid.get(0)).softmax(-1, Kind::Float);
            let (p, t) = probs.topk(k, -1, true, true);
            let (p, t): (Vec<f32>, Vec<i64>) = (
                Vec::try_from(p.reshape([-1]))?,
                Vec::try_from(t.reshape([-1]))?,
            );
            for (i, (p, t)) in p.into_iter().zip(t).enumerate() {
                layer.push(l as i64);
                site.push(sites[l].to_string());
                position.push(i as i64 / k);
                rank.push(i as i64 % k + 1);
                token.push(t);
                prob.push(f64::from(p));
            }
        }
        Ok(())
    })?;
    DataFrame::new(
        prob.len(),
        vec![
            Column::new("layer".into(), layer),
            Column::new("site".into(), site),
            Column::new("position".into(), position),
            Column::new("rank".into(), rank),
            Column::new("token".into(), token),
            Column::new("prob".into(), prob),
        ],
    )
    .map_err(pe)
}

/// One composition example for the paper's measures: ids `[h, r1, r2]` with the bridge `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompositionProbe {
    /// Head entity token.
    pub h: i64,
    /// First relation token.
    pub r1: i64,
    /// Bridge entity token.
    pub b: i64,
    /// Second relation token.
    pub r2: i64,
    /// Tail (answer) entity token.
    pub t: i64,
}

/// Mean reciprocal rank and mean rank per layer of the bridge `b` at the r1 position and of `r2`
/// at the r2 position: a DataFrame `layer, measure, mrr, mean_rank` (`measure` is `b@r1` or `r2@r2`).
pub fn composition_lens(gpt: &Gpt, probes: &[CompositionProbe]) -> Result<DataFrame> {
    let rows: Vec<i64> = probes.iter().flat_map(|p| [p.h, p.r1, p.r2]).collect();
    let device = gpt.wte.ws.device();
    let ids = Tensor::from_slice(&rows)
        .view([probes.len() as i64, 3])
        .to_device(device);
    let mut queries = Vec::with_capacity(2 * probes.len());
    for (i, p) in probes.iter().enumerate() {
        queries.push(LensQuery {
            example: i,
            position: 1,
            token: p.b,
        });
        queries.push(LensQuery {
            example: i,
            position: 2,
            token: p.r2,
        });
    }
    let df = token_ranks(gpt, &ids, &queries)?;
    let layer = df.column("layer").map_err(pe)?.i64().map_err(pe)?.clone();
    let pos = df
        .column("position")
        .map_err(pe)?
        .i64()
        .map_err(pe)?
        .clone();
    let rank = df.column("rank").map_err(pe)?.f64().map_err(pe)?.clone();
    let n_layers = gpt.resid_sites().len();
    // sums[layer][measure] = (sum rr, sum rank, count)
    let mut sums = vec![[(0.0, 0.0, 0usize); 2]; n_layers];
    for i in 0..df.height() {
        let (l, p, r) = (
            layer.get(i).unwrap_or(0) as usize,
            pos.get(i).unwrap_or(0),
            rank.get(i).unwrap_or(f64::NAN),
        );
        let m = usize::from(p == 2);
        let s = &mut sums[l][m];
        s.0 += 1.0 / r;
        s.1 += r;
        s.2 += 1;
    }
    let (mut layers, mut measures, mut mrr, mut mean_rank) = (vec![], vec![], vec![], vec![]);
    for (l, pair) in sums.iter().enumerate() {
        for (m, (rr, rk, n)) in pair.iter().enumerate() {
            layers.push(l as i64);
            measures.push(if m == 0 { "b@r1" } else { "r2@r2" });
            mrr.push(rr / *n as f64);
            mean_rank.push(rk / *n as f64);
        }
    }
    DataFrame::new(
        layers.len(),
        vec![
            Column::new("layer".into(), layers),
            Column::new("measure".into(), measures),
            Column::new("mrr".into(), mrr),
            Column::new("mean_rank".into(), mean_rank),
        ],
    )
    .map_err(pe)
}

fn pe(e: PolarsError) -> GrokError {
    GrokError::Invalid(e.to_string())
}
