//! The paper's analyses of a composition model (section 3.3): probes from a task's rows, the
//! logit lens over them, causal tracing with same-type perturbations, attention from the last
//! input position, and integrated gradients of the answer.
//!
//! ```
//! use grokked_lens::composition::probes;
//! use grokked_data::{tasks::composition::CompositionSpec, tokens::tokenizer::TaskTokenizer, Split};
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! let tok = TaskTokenizer::new(&data.vocab).unwrap();
//! let p = probes(&data, &tok, Split::Train, 5).unwrap();
//! assert_eq!(p.len(), 5);
//! ```

use grokked_model::error::{GrokError, Result};

use crate::logit_lens::CompositionProbe;
use crate::patching;
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{tokens::vocab, FactKind, Split, TaskData};
use grokked_model::Gpt;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Tensor;

/// Up to `n` inferred facts of `split` as token-id probes (h, r1, b, r2, t).
pub fn probes(
    data: &TaskData,
    tok: &TaskTokenizer,
    split: Split,
    n: usize,
) -> Result<Vec<CompositionProbe>> {
    let id = |t: String| {
        tok.id(&t)
            .map(i64::from)
            .ok_or_else(|| GrokError::Invalid(format!("token {t} not in the vocabulary")))
    };
    data.split(split)
        .filter(|e| e.kind == FactKind::Inferred)
        .take(n)
        .map(|e| {
            let f = |i: usize| {
                e.fields[i]
                    .ok_or_else(|| {
                        GrokError::Invalid(format!("row `{}` lacks its structure", e.target_text))
                    })
                    .map(|v| v as usize)
            };
            Ok(CompositionProbe {
                h: id(vocab::entity(f(0)?))?,
                r1: id(vocab::relation(f(1)?))?,
                b: id(vocab::entity(f(2)?))?,
                r2: id(vocab::relation(f(3)?))?,
                t: id(vocab::entity(f(4)?))?,
            })
        })
        .collect()
}

/// The probes' inputs `[n, 3]` (h, r1, r2).
pub fn probe_ids(probes: &[CompositionProbe], device: tch::Device) -> Tensor {
    let rows: Vec<i64> = probes.iter().flat_map(|p| [p.h, p.r1, p.r2]).collect();
    Tensor::from_slice(&rows)
        .view([probes.len() as i64, 3])
        .to_device(device)
}

/// Token ids of entities and relations of a composition vocabulary.
fn token_classes(tok: &TaskTokenizer) -> (Vec<i64>, Vec<i64>) {
    let ids = |prefix: &str| {
        tok.vocab()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.starts_with(prefix))
            .map(|(i, _)| i as i64)
            .collect()
    };
    (ids("<e_"), ids("<r_"))
}

/// Causal tracing as the paper does it: for each input position p (h, r1, r2), replace the token
/// with a random same-type token that changes the model's top-1 answer, then for each layer l patch
/// the clean run's state at (l, p) with the perturbed run's and record how often the answer
/// changes ([`patching::causal_trace`] at that position). A DataFrame `layer, site, position,
/// metric` (positions 0 = h, 1 = r1, 2 = r2).
pub fn causal_trace(
    gpt: &Gpt,
    tok: &TaskTokenizer,
    probes: &[CompositionProbe],
    seed: u64,
) -> Result<DataFrame> {
    let device = gpt.wte.ws.device();
    let clean = probe_ids(probes, device);
    let clean_logits = tch::no_grad(|| gpt.forward(&clean, false))?;
    let clean_top: Vec<i64> = Vec::try_from(clean_logits.select(1, 2).argmax(-1, false))?;
    let (entities, relations) = token_classes(tok);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut frames = Vec::new();
    for p in 0..3i64 {
        let pool = if p == 0 { &entities } else { &relations };
        // Rows whose perturbation changed the answer, with their perturbed inputs.
        let (mut keep, mut corrupt_rows) = (vec![], vec![]);
        for (i, probe) in probes.iter().enumerate() {
            let mut row = [probe.h, probe.r1, probe.r2];
            for _ in 0..20 {
                row[p as usize] = pool[rng.gen_range(0..pool.len())];
                let ids = Tensor::from_slice(&row).view([1, 3]).to_device(device);
                let top = tch::no_grad(|| gpt.forward(&ids, false))?
                    .select(1, 2)
                    .argmax(-1, false)
                    .int64_value(&[0]);
                if top != clean_top[i] {
                    keep.push(i as i64);
                    corrupt_rows.extend(row);
                    break;
                }
            }
        }
        if keep.is_empty() {
            continue;
        }
        let idx = Tensor::from_slice(&keep).to_device(device);
        let corrupt = Tensor::from_slice(&corrupt_rows)
            .view([keep.len() as i64, 3])
            .to_device(device);
        frames.push(patching::causal_trace(
            gpt,
            &clean.index_select(0, &idx),
            &corrupt,
            2,
            Some(&[p]),
        )?);
    }
    // No position at all when no perturbation changed any answer.
    let empty = DataFrame::new(
        0,
        vec![
            Column::new("layer".into(), Vec::<i64>::new()),
            Column::new("site".into(), Vec::<String>::new()),
            Column::new("position".into(), Vec::<i64>::new()),
            Column::new("metric".into(), Vec::<f64>::new()),
        ],
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))?;
    frames.into_iter().try_fold(empty, |mut all, df| {
        all.vstack_mut(&df)
            .map_err(|e| GrokError::Invalid(e.to_string()))?;
        Ok(all)
    })
}

/// Mean attention weight from the last input position (r2) to each position, per layer and head,
/// over the probes: a matrix `[layer * n_head][3]` with row labels `L{l}H{h}`.
pub fn attention_from_last(
    gpt: &Gpt,
    probes: &[CompositionProbe],
) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let ids = probe_ids(probes, gpt.wte.ws.device());
    let pats = crate::attention::attention_patterns(gpt, &ids)?;
    let (mut labels, mut rows) = (vec![], vec![]);
    for (l, p) in pats.iter().enumerate() {
        // [batch, head, 3, 3] -> mean over batch of the last query row: [head, 3]
        let last = p.select(2, 2).mean_dim(0, false, tch::Kind::Double);
        for h in 0..last.size()[0] {
            labels.push(format!("L{l}H{h}"));
            rows.push(Vec::<f64>::try_from(last.get(h))?);
        }
    }
    Ok((labels, rows))
}
