//! Exact-match evaluation under greedy decoding.
//!
//! A greedy decode reproduces the answer exactly iff, fed the true prefix, the model's argmax is
//! the true token at every answer position (each correct token makes the next context the true
//! one). So one teacher-forced forward pass per batch scores a split; a test checks this against
//! token-by-token generation.
//!
//! ```
//! use grokked_core::model::{GptConfig, GptModel};
//! use grokked_core::train::eval::{exact_match, targets_of};
//! let model = GptModel::new(GptConfig::small(10, 8, 1, 8, 2), tch::Device::Cpu).unwrap();
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3, 4]).view([1, 4]);
//! let mask = tch::Tensor::from_slice(&[0u8, 0, 1, 1]).view([1, 4]);
//! let acc = exact_match(&model.gpt, &ids, &targets_of(&ids, &mask), 8).unwrap();
//! assert!(acc == 0.0 || acc == 1.0);
//! ```

use crate::error::Result;
use crate::model::Gpt;
use grokked_data::encode::{encode, Encoded};
use grokked_data::tokenizer::TaskTokenizer;
use grokked_data::{Split, TaskData, EVAL_SPLITS};
use tch::{Device, Kind, Tensor};

/// One evaluation split as tensors: ids `[n, W]` and targets `[n, W-1]`.
#[derive(Debug)]
pub struct EvalSet {
    /// The split.
    pub split: Split,
    /// Token ids.
    pub ids: Tensor,
    /// Next-token targets ([`IGNORE`] outside answers).
    pub targets: Tensor,
}

/// The non-empty evaluation splits of `data`, encoded on `device`.
pub fn eval_sets(
    data: &TaskData,
    tokenizer: &TaskTokenizer,
    device: Device,
) -> Result<Vec<EvalSet>> {
    let mut out = Vec::new();
    for split in EVAL_SPLITS {
        if data.count(split) > 0 {
            let (ids, targets) = tensors_of(&encode(tokenizer, data.split(split))?, device);
            out.push(EvalSet {
                split,
                ids,
                targets,
            });
        }
    }
    Ok(out)
}

/// Exact-match accuracy of every set.
pub fn evaluate_sets(gpt: &Gpt, sets: &[EvalSet], batch: usize) -> Result<Vec<(Split, f64)>> {
    sets.iter()
        .map(|s| Ok((s.split, exact_match(gpt, &s.ids, &s.targets, batch)?)))
        .collect()
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
    let w = ids.size()[1];
    let mut correct = 0i64;
    tch::no_grad(|| -> Result<()> {
        for start in (0..n).step_by(batch.max(1)) {
            let len = (n - start).min(batch as i64);
            // The last token predicts nothing, so the model reads only the first W-1.
            let logits = gpt.forward(&ids.narrow(0, start, len).narrow(1, 0, w - 1), false)?;
            let pred = logits.argmax(-1, false);
            let t = targets.narrow(0, start, len);
            let ok = pred
                .eq_tensor(&t)
                .logical_or(&t.eq(IGNORE))
                .all_dims(1, false);
            correct += ok.sum(Kind::Int64).int64_value(&[]);
        }
        Ok(())
    })?;
    Ok(correct as f64 / n as f64)
}

/// The mean next-token loss over target tokens (teacher forced), from the logits of the inputs
/// `ids[:, :W-1]` (`[batch, W-1, vocab]`) and the targets `[batch, W-1]`.
pub fn answer_loss(logits: &Tensor, targets: &Tensor) -> Tensor {
    let v = logits.size()[2];
    logits
        .reshape([-1, v])
        .to_kind(Kind::Float)
        .cross_entropy_loss::<Tensor>(
            &targets.reshape([-1]),
            None,
            tch::Reduction::Mean,
            IGNORE,
            0.0,
        )
}
