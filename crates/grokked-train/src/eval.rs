//! Exact-match evaluation under greedy decoding, and the training losses over answer tokens.
//!
//! A greedy decode reproduces the answer exactly iff, fed the true prefix, the model's argmax is
//! the true token at every answer position (each correct token makes the next context the true
//! one). So one teacher-forced forward pass per batch scores a split; a test checks this against
//! token-by-token generation. Every split is scored in the same batches (the splits are
//! concatenated once), and the counts are read back once per evaluation.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! use grokked_train::eval::{exact_match, targets_of};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 10, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3, 4]).view([1, 4]);
//! let mask = tch::Tensor::from_slice(&[0u8, 0, 1, 1]).view([1, 4]);
//! let acc = exact_match(&model.gpt, &ids, &targets_of(&ids, &mask), 8).unwrap();
//! assert!(acc == 0.0 || acc == 1.0);
//! // StableMax's s(x) grows linearly above 0 and decays as 1 / (1 - x) below.
//! let s = grokked_train::eval::stablemax_s(&tch::Tensor::from_slice(&[2.0f64, 0.0, -3.0]));
//! assert_eq!(Vec::<f64>::try_from(s).unwrap(), vec![3.0, 1.0, 0.25]);
//! ```

use crate::config::LossKind;
use grokked_data::split::hop_columns::hop_column;
use grokked_data::tokens::encode::{encode, Encoded};
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{Split, TaskData, EVAL_SPLITS};
use grokked_model::error::Result;
use grokked_model::Gpt;
use tch::{Device, Kind, Tensor};

/// One evaluation split (or, for a task of several hop counts, one split's facts of one hop
/// count) as tensors: ids `[n, W]` and targets `[n, W-1]`.
#[derive(Debug)]
pub struct EvalSet {
    /// The split.
    pub split: Split,
    /// The hop count of a per-hop set (its metric is [`hop_column`]); `None` for the split's
    /// own set, which holds its atomic facts and its inferred facts of the trained hop counts.
    pub hops: Option<usize>,
    /// Token ids.
    pub ids: Tensor,
    /// Next-token targets ([`IGNORE`] outside answers).
    pub targets: Tensor,
}

impl EvalSet {
    /// The metric's name: the split's, or `<split>_<K>hop` for a per-hop set.
    pub fn name(&self) -> String {
        match self.hops {
            None => self.split.name().to_string(),
            Some(k) => hop_column(self.split, k),
        }
    }
}

/// The non-empty evaluation splits of `data`, encoded on `device`. A composition task of several
/// hop counts ([`TaskData::hop_counts`]) adds, after the splits, one set per split and hop count,
/// and its split sets hold only the hop counts it trains on (held-out longer chains are scored in
/// their per-hop sets alone, so `test_inferred_id` keeps meaning "the trained task").
pub fn eval_sets(
    data: &TaskData,
    tokenizer: &TaskTokenizer,
    device: Device,
) -> Result<Vec<EvalSet>> {
    let set = |split, hops, rows: Vec<&grokked_data::Example>| -> Result<EvalSet> {
        let (ids, targets) = tensors_of(&encode(tokenizer, rows.into_iter())?, device);
        Ok(EvalSet {
            split,
            hops,
            ids,
            targets,
        })
    };
    let counts = data.hop_counts();
    let trained: std::collections::BTreeSet<usize> = data
        .split(Split::Train)
        .filter_map(|e| data.hops_of(e))
        .collect();
    let mut out = Vec::new();
    for split in EVAL_SPLITS {
        let rows: Vec<_> = data
            .split(split)
            .filter(|e| {
                data.hops_of(e)
                    .is_none_or(|k| counts.is_empty() || trained.contains(&k))
            })
            .collect();
        if !rows.is_empty() {
            out.push(set(split, None, rows)?);
        }
    }
    for split in EVAL_SPLITS {
        for &k in &counts {
            let rows: Vec<_> = data
                .split(split)
                .filter(|e| data.hops_of(e) == Some(k))
                .collect();
            if !rows.is_empty() {
                out.push(set(split, Some(k), rows)?);
            }
        }
    }
    Ok(out)
}

/// Every evaluation split in one pair of tensors, padded to one width: ids `[N, W]`, targets
/// `[N, W-1]`, and where each split's rows are.
#[derive(Debug)]
pub struct EvalBatch {
    /// The rows of every split, split after split.
    pub ids: Tensor,
    /// Their targets.
    pub targets: Tensor,
    /// `(split, first row, rows)` of each set.
    pub splits: Vec<(Split, i64, i64)>,
}

impl EvalBatch {
    /// Concatenates `sets` (validated, on their device).
    pub fn new(sets: &[EvalSet]) -> Self {
        let width = sets.iter().map(|s| s.ids.size()[1]).max().unwrap_or(1);
        let pad = |t: &Tensor, w: i64, value: i64| {
            let missing = w - t.size()[1];
            if missing == 0 {
                t.shallow_clone()
            } else {
                let fill = Tensor::full([t.size()[0], missing], value, (Kind::Int64, t.device()));
                Tensor::cat(&[t, &fill], 1)
            }
        };
        let (mut splits, mut start) = (Vec::new(), 0);
        for s in sets {
            let n = s.ids.size()[0];
            splits.push((s.split, start, n));
            start += n;
        }
        let ids: Vec<Tensor> = sets.iter().map(|s| pad(&s.ids, width, 0)).collect();
        let targets: Vec<Tensor> = sets
            .iter()
            .map(|s| pad(&s.targets, width - 1, IGNORE))
            .collect();
        let device = sets.first().map_or(Device::Cpu, |s| s.ids.device());
        let cat = |v: &[Tensor], w: i64| {
            if v.is_empty() {
                Tensor::zeros([0, w], (Kind::Int64, device))
            } else {
                Tensor::cat(v, 0)
            }
        };
        EvalBatch {
            ids: cat(&ids, width),
            targets: cat(&targets, width - 1),
            splits,
        }
    }

    /// Exact-match accuracy of every split, in order, from forwards of `batch` rows.
    pub fn evaluate(&self, gpt: &Gpt, batch: usize) -> Result<Vec<(Split, f64)>> {
        let ok = correct_rows(gpt, &self.ids, &self.targets, batch)?;
        if self.splits.is_empty() {
            return Ok(Vec::new());
        }
        let counts = Tensor::stack(
            &self
                .splits
                .iter()
                .map(|&(_, start, n)| ok.narrow(0, start, n).sum(Kind::Int64))
                .collect::<Vec<_>>(),
            0,
        );
        let counts: Vec<i64> = Vec::try_from(counts)?;
        Ok(self
            .splits
            .iter()
            .zip(counts)
            .map(|(&(split, _, n), c)| {
                (
                    split,
                    if n == 0 {
                        f64::NAN
                    } else {
                        c as f64 / n as f64
                    },
                )
            })
            .collect())
    }
}

/// Exact-match accuracy of every set.
pub fn evaluate_sets(gpt: &Gpt, sets: &[EvalSet], batch: usize) -> Result<Vec<(Split, f64)>> {
    EvalBatch::new(sets).evaluate(gpt, batch)
}

/// The label ignored by the loss and by evaluation.
pub const IGNORE: i64 = -100;

/// Next-token targets `[n, W-1]`: the token at each position after a masked (answer) one, or
/// [`IGNORE`].
pub fn targets_of(ids: &Tensor, loss_mask: &Tensor) -> Tensor {
    let w = ids.size()[1];
    let next = ids.narrow(1, 1, w - 1);
    let keep = loss_mask.narrow(1, 1, w - 1).to_kind(Kind::Bool);
    next.where_self(&keep, &Tensor::full_like(&next, IGNORE))
}

/// An encoded split as tensors on `device`: ids `[n, W]` and targets `[n, W-1]`.
pub fn tensors_of(enc: &Encoded, device: Device) -> (Tensor, Tensor) {
    let shape = [enc.rows as i64, enc.width as i64];
    let ids = Tensor::from_slice(&enc.ids).view(shape).to_device(device);
    let mask = Tensor::from_slice(&enc.loss_mask)
        .view(shape)
        .to_device(device);
    let targets = targets_of(&ids, &mask);
    (ids, targets)
}

/// The share of rows whose every target token is the model's argmax.
pub fn exact_match(gpt: &Gpt, ids: &Tensor, targets: &Tensor, batch: usize) -> Result<f64> {
    let n = ids.size()[0];
    if n == 0 {
        return Ok(f64::NAN);
    }
    let ok = correct_rows(gpt, ids, targets, batch)?;
    Ok(ok.sum(Kind::Int64).int64_value(&[]) as f64 / n as f64)
}

/// Whether each row's every target token is the model's argmax, `[n]` on the device (nothing is
/// read back). The ids are trusted: evaluation sets are validated once, when built.
fn correct_rows(gpt: &Gpt, ids: &Tensor, targets: &Tensor, batch: usize) -> Result<Tensor> {
    let n = ids.size()[0];
    let w = ids.size()[1];
    tch::no_grad(|| -> Result<Tensor> {
        let mut parts = Vec::new();
        for start in (0..n).step_by(batch.max(1)) {
            let len = (n - start).min(batch as i64);
            // The last token predicts nothing, so the model reads only the first W-1.
            let inputs = ids.narrow(0, start, len).narrow(1, 0, w - 1);
            let pred = gpt.forward_trusted(&inputs, false)?.argmax(-1, false);
            let t = targets.narrow(0, start, len);
            parts.push(
                pred.eq_tensor(&t)
                    .logical_or(&t.eq(IGNORE))
                    .all_dims(1, false),
            );
        }
        Ok(if parts.is_empty() {
            Tensor::zeros([0], (Kind::Bool, ids.device()))
        } else {
            Tensor::cat(&parts, 0)
        })
    })
}

/// The mean next-token loss over target tokens (teacher forced), from the logits of the inputs
/// `ids[:, :W-1]` (`[batch, W-1, vocab]`) and the targets `[batch, W-1]`.
pub fn answer_loss(logits: &Tensor, targets: &Tensor) -> Tensor {
    answer_loss_with(logits, targets, LossKind::CrossEntropy, 1.0)
}

/// [`answer_loss`] with the loss `kind` on `logits / temperature`.
pub fn answer_loss_with(
    logits: &Tensor,
    targets: &Tensor,
    kind: LossKind,
    temperature: f64,
) -> Tensor {
    let v = logits.size()[logits.dim() - 1];
    let flat = logits.reshape([-1, v]).to_kind(Kind::Float);
    // Not in place: `flat` may be a view of the caller's logits.
    let flat = if temperature == 1.0 {
        flat
    } else {
        flat / temperature
    };
    let targets = targets.reshape([-1]);
    match kind {
        LossKind::CrossEntropy => {
            flat.cross_entropy_loss::<Tensor>(&targets, None, tch::Reduction::Mean, IGNORE, 0.0)
        }
        LossKind::Stablemax => stablemax_cross_entropy(&flat, &targets),
    }
}

/// StableMax's `s(x)`: `x + 1` for `x >= 0`, `1 / (1 - x)` below (with the reference's 1e-30).
pub fn stablemax_s(x: &Tensor) -> Tensor {
    let below = (x.neg() + 1.0 + 1e-30).reciprocal();
    below.where_self(&x.lt(0.0), &(x + 1.0))
}

/// The mean StableMax cross-entropy of `logits` `[n, vocab]` against `targets` `[n]`
/// ([`IGNORE`] rows left out), computed in float64 and returned in float32.
pub fn stablemax_cross_entropy(logits: &Tensor, targets: &Tensor) -> Tensor {
    let keep = targets.ne(IGNORE).to_kind(Kind::Double);
    let safe = targets.clamp_min(0);
    let s = stablemax_s(&logits.to_kind(Kind::Double));
    let log_p = s.log() - s.sum_dim_intlist(-1, true, Kind::Double).log();
    let picked = log_p.gather(1, &safe.unsqueeze(1), false).squeeze_dim(1);
    // Masked mean without reading the number of kept rows back to the host.
    ((picked * &keep).sum(Kind::Double).neg() / keep.sum(Kind::Double)).to_kind(Kind::Float)
}
