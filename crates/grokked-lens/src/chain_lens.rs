//! The logit lens over K-hop composition chains: for a fact `<e_h><r_1>...<r_K>` whose hops lead
//! through the bridges `b_1, ..., b_{K-1}` to the answer `t = b_K`, how soon each `b_j` can be
//! read from the residual stream, at the position of `r_j` (where the j-th hop can first be
//! resolved) and at the last input position (where the answer is read). A looped model's
//! residual sites (`plugin.loop.J.out`) make this a loop-by-loop reading.
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, tokens::tokenizer::TaskTokenizer, Split};
//! use grokked_lens::chain_lens::{chain_lens, chain_probes};
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.0, hops: 3, ..Default::default() }.generate().unwrap();
//! let tok = TaskTokenizer::new(&data.vocab).unwrap();
//! let probes = chain_probes(&data, &tok, Split::Train, 3, 8).unwrap();
//! assert_eq!((probes.len(), probes[0].ids.len(), probes[0].reached.len()), (8, 4, 3));
//! let size = GptSize { vocab_size: tok.vocab_size() as i64, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 };
//! let model = GptModel::new(GptConfig::new(size), tch::Device::Cpu).unwrap();
//! let df = chain_lens(&model.gpt, &probes).unwrap();
//! assert_eq!(df.height(), 3 * 3 * 2); // layers x hops x (at r_j, at last)
//! ```

use crate::logit_lens::{token_ranks, LensQuery};
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{Split, TaskData};
use grokked_model::error::{GrokError, Result};
use grokked_model::Gpt;
use polars::prelude::*;
use tch::Tensor;

/// One K-hop fact: its input ids `[h, r_1, ..., r_K]` and the entity each hop reaches
/// (`b_1, ..., b_{K-1}, t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProbe {
    /// Input token ids.
    pub ids: Vec<i64>,
    /// Token id of the entity reached after hop j (index j - 1).
    pub reached: Vec<i64>,
}

/// Up to `n` inferred facts of `split` with `hops` hops, from their `proof` chains (a two-hop
/// task without proofs reads `b` and `t` from its structure columns).
pub fn chain_probes(
    data: &TaskData,
    tok: &TaskTokenizer,
    split: Split,
    hops: usize,
    n: usize,
) -> Result<Vec<ChainProbe>> {
    let ids = |text: &str| -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for piece in text.split_inclusive('>') {
            let id = tok.id(piece).ok_or_else(|| {
                GrokError::Invalid(format!("token {piece} of `{text}` not in the vocabulary"))
            })?;
            out.push(i64::from(id));
        }
        Ok(out)
    };
    let mut out = Vec::new();
    for e in data.split(split) {
        if out.len() == n {
            break;
        }
        if data.hops_of(e) != Some(hops) {
            continue;
        }
        let input = ids(&e.input_text)?;
        let reached = match &e.proof {
            // h r1 b1 r2 b2 ... rK t: the entities after the head.
            Some(proof) => ids(proof)?.into_iter().skip(2).step_by(2).collect(),
            None => {
                let entity = |i: usize| -> Result<i64> {
                    let v = e.fields[i].ok_or_else(|| {
                        GrokError::Invalid(format!("row `{}` lacks its structure", e.input_text))
                    })?;
                    Ok(ids(&grokked_data::tokens::vocab::entity(v as usize))?[0])
                };
                vec![entity(2)?, entity(4)?]
            }
        };
        out.push(ChainProbe {
            ids: input,
            reached,
        });
    }
    if out.is_empty() {
        return Err(GrokError::Invalid(format!(
            "no {hops}-hop inferred fact in split {split}"
        )));
    }
    Ok(out)
}

/// Per residual site and hop j: the mean reciprocal rank, mean rank and top-1 share of `b_j` at
/// the position of `r_j` (`at = "r_j"`) and at the last input position (`at = "last"`). A
/// DataFrame `layer, site, hop, at, mrr, mean_rank, top1`; every probe must have the same K.
pub fn chain_lens(gpt: &Gpt, probes: &[ChainProbe]) -> Result<DataFrame> {
    let k = probes.first().map_or(0, |p| p.reached.len());
    if k == 0
        || probes
            .iter()
            .any(|p| p.reached.len() != k || p.ids.len() != k + 1)
    {
        return Err(GrokError::Invalid(
            "the chain lens reads probes of one hop count, each with K + 1 input tokens".into(),
        ));
    }
    let rows: Vec<i64> = probes.iter().flat_map(|p| p.ids.iter().copied()).collect();
    let ids = Tensor::from_slice(&rows)
        .view([probes.len() as i64, (k + 1) as i64])
        .to_device(gpt.wte.ws.device());
    let mut queries = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        for (j, &token) in p.reached.iter().enumerate() {
            for position in [j + 1, k] {
                queries.push(LensQuery {
                    example: i,
                    position,
                    token,
                });
            }
        }
    }
    let df = token_ranks(gpt, &ids, &queries)?;
    let ranks: Vec<f64> = df
        .column("rank")
        .map_err(pe)?
        .f64()
        .map_err(pe)?
        .into_no_null_iter()
        .collect();
    let labels = gpt.resid_labels();
    // token_ranks lists every query per layer, in query order.
    let per_layer = queries.len();
    let (mut layer, mut site, mut hop, mut at) = (vec![], vec![], vec![], vec![]);
    let (mut mrr, mut mean_rank, mut top1) = (vec![], vec![], vec![]);
    for (l, label) in labels.iter().enumerate() {
        for j in 0..k {
            for (w, name) in ["r_j", "last"].iter().enumerate() {
                let picked: Vec<f64> = (0..probes.len())
                    .map(|i| ranks[l * per_layer + (i * k + j) * 2 + w])
                    .collect();
                let n = picked.len() as f64;
                layer.push(l as i64);
                site.push(label.clone());
                hop.push(j as i64 + 1);
                at.push(*name);
                mrr.push(picked.iter().map(|r| 1.0 / r).sum::<f64>() / n);
                mean_rank.push(picked.iter().sum::<f64>() / n);
                top1.push(picked.iter().filter(|&&r| r == 1.0).count() as f64 / n);
            }
        }
    }
    DataFrame::new(
        layer.len(),
        vec![
            Column::new("layer".into(), layer),
            Column::new("site".into(), site),
            Column::new("hop".into(), hop),
            Column::new("at".into(), at),
            Column::new("mrr".into(), mrr),
            Column::new("mean_rank".into(), mean_rank),
            Column::new("top1".into(), top1),
        ],
    )
    .map_err(pe)
}

/// The value of `column` (`mrr`, `mean_rank` or `top1`) in the row of a [`chain_lens`] table at
/// residual site `layer`, hop `hop` and position `at` (`"r_j"` or `"last"`).
pub fn chain_lens_cell(
    df: &DataFrame,
    layer: i64,
    hop: i64,
    at: &str,
    column: &str,
) -> Result<f64> {
    let (l, h, a) = (
        df.column("layer").map_err(pe)?.i64().map_err(pe)?,
        df.column("hop").map_err(pe)?.i64().map_err(pe)?,
        df.column("at").map_err(pe)?.str().map_err(pe)?,
    );
    let row = (0..df.height())
        .find(|&i| l.get(i) == Some(layer) && h.get(i) == Some(hop) && a.get(i) == Some(at))
        .ok_or_else(|| {
            GrokError::Invalid(format!(
                "no chain-lens row at layer {layer}, hop {hop}, at {at}"
            ))
        })?;
    df.column(column)
        .map_err(pe)?
        .f64()
        .map_err(pe)?
        .get(row)
        .ok_or_else(|| GrokError::Invalid(format!("chain-lens `{column}` is null at row {row}")))
}

fn pe(e: PolarsError) -> GrokError {
    GrokError::Invalid(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use grokked_data::tasks::composition::CompositionSpec;
    use grokked_model::{GptConfig, GptModel, GptSize};
    use tch::Kind;

    fn cell(df: &DataFrame, layer: i64, hop: i64, at: &str, column: &str) -> f64 {
        chain_lens_cell(df, layer, hop, at, column).unwrap()
    }

    #[test]
    fn a_cell_that_is_not_in_the_table_is_named() {
        let df = df!("layer" => [0i64], "hop" => [1i64], "at" => ["last"], "mrr" => [0.5]).unwrap();
        assert_eq!(chain_lens_cell(&df, 0, 1, "last", "mrr").unwrap(), 0.5);
        let err = chain_lens_cell(&df, 0, 2, "last", "mrr")
            .unwrap_err()
            .to_string();
        assert!(err.contains("layer 0, hop 2, at last"), "{err}");
        assert!(chain_lens_cell(&df, 0, 1, "last", "top5").is_err());
    }

    #[test]
    fn the_last_site_reads_the_answer_as_the_model_outputs_it() {
        let spec = CompositionSpec {
            entities: 30,
            relations: 5,
            out_degree: 3,
            phi: 1.0,
            hops: 3,
            seed: 3,
            ..Default::default()
        };
        let data = spec.generate().unwrap();
        let tok = TaskTokenizer::new(&data.vocab).unwrap();
        let probes = chain_probes(&data, &tok, Split::Train, 3, 40).unwrap();
        tch::manual_seed(7);
        let size = GptSize {
            vocab_size: tok.vocab_size() as i64,
            n_positions: 8,
            n_layer: 2,
            n_embd: 32,
            n_head: 4,
        };
        let model = GptModel::new(GptConfig::new(size), tch::Device::Cpu).unwrap();
        let df = chain_lens(&model.gpt, &probes).unwrap();
        // The model's own ranks of t at the last position.
        let rows: Vec<i64> = probes.iter().flat_map(|p| p.ids.clone()).collect();
        let ids = Tensor::from_slice(&rows).view([probes.len() as i64, 4]);
        let logits = tch::no_grad(|| model.gpt.forward(&ids, false))
            .unwrap()
            .select(1, 3)
            .to_kind(Kind::Float);
        let t = Tensor::from_slice(&probes.iter().map(|p| p.reached[2]).collect::<Vec<_>>());
        let target = logits.gather(1, &t.unsqueeze(1), false);
        let ranks: Vec<i64> = Vec::try_from(
            logits
                .gt_tensor(&target)
                .sum_dim_intlist(1, false, Kind::Int64)
                + 1,
        )
        .unwrap();
        let n = ranks.len() as f64;
        let mrr = ranks.iter().map(|&r| 1.0 / r as f64).sum::<f64>() / n;
        let top1 = ranks.iter().filter(|&&r| r == 1).count() as f64 / n;
        assert!((cell(&df, 2, 3, "last", "mrr") - mrr).abs() < 1e-9);
        assert!((cell(&df, 2, 3, "last", "top1") - top1).abs() < 1e-12);
        // Hop K's relation sits at the last position: both readings agree at every layer.
        for layer in 0..3 {
            assert_eq!(
                cell(&df, layer, 3, "r_j", "mrr"),
                cell(&df, layer, 3, "last", "mrr")
            );
        }
        // The bridges are the proof's: b1 is the third token of the first chain's proof.
        let e = data
            .split(Split::Train)
            .find(|e| data.hops_of(e) == Some(3))
            .unwrap();
        let b1 = e
            .proof
            .as_deref()
            .unwrap()
            .split_inclusive('>')
            .nth(2)
            .unwrap();
        assert_eq!(probes[0].reached[0], i64::from(tok.id(b1).unwrap()));
        // Probes of mixed hop counts are refused.
        let mut mixed = probes.clone();
        mixed[1].reached.pop();
        assert!(chain_lens(&model.gpt, &mixed).is_err());
    }
}
