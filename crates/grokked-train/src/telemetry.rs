//! Telemetry of the grokking transition, recorded with each evaluation (never inside a training
//! step): the weight norm of the whole model and of each block, the effective logit scale (the
//! mean top logit over the answer positions of a fixed set of training rows), and, for
//! composition, the logit-lens MRR of the bridge entity at the `r1` position after each stage, on
//! a fixed set of two-hop training facts (the paper's sign that the first hop is resolved).
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! use grokked_train::telemetry::weight_norms;
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 2, n_embd: 16, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let (names, values) = weight_norms(&model);
//! assert_eq!(names, ["weight_norm", "weight_norm_h0", "weight_norm_h1"]);
//! assert!(values[0] > values[1] && values[0] > values[2]);
//! ```

use crate::eval::IGNORE;
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{Split, TaskData, TaskKind};
use grokked_lens::composition::probes;
use grokked_lens::logit_lens::{composition_lens, CompositionProbe};
use grokked_model::error::{GrokError, Result};
use grokked_model::GptModel;
use tch::{Kind, Tensor};

/// Training rows in the logit-scale probe.
const LOGIT_PROBE_ROWS: i64 = 512;
/// Two-hop training facts in the bridge probe.
const BRIDGE_PROBES: usize = 256;

/// The total weight norm and each block's: names (`weight_norm`, `weight_norm_hL`) and values.
pub fn weight_norms(model: &GptModel) -> (Vec<String>, Vec<f64>) {
    // In name order: the sums must not depend on a hash map's order (resume is exact).
    let mut vars: Vec<(String, Tensor)> = model
        .vs
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    let mut names = vec!["weight_norm".to_string()];
    let mut squares = vec![Tensor::zeros([], (Kind::Float, model.device()))];
    let blocks: Vec<(String, String)> = model
        .gpt
        .layer_ids
        .iter()
        .map(|l| (format!("transformer.h.{l}."), format!("weight_norm_h{l}")))
        .collect();
    for (_, name) in &blocks {
        names.push(name.clone());
        squares.push(Tensor::zeros([], (Kind::Float, model.device())));
    }
    tch::no_grad(|| {
        for (name, t) in &vars {
            let sq = t.square().sum(Kind::Float);
            squares[0] += &sq;
            if let Some(i) = blocks
                .iter()
                .position(|(p, _)| name.starts_with(p.as_str()))
            {
                squares[i + 1] += &sq;
            }
        }
    });
    let values: Vec<f64> =
        Vec::try_from(Tensor::stack(&squares, 0).sqrt().to_kind(Kind::Double)).unwrap_or_default();
    (names, values)
}

/// The fixed probes of a run and the measures taken on them.
#[derive(Debug)]
pub struct Telemetry {
    inputs: Tensor,
    targets: Tensor,
    bridge: Vec<CompositionProbe>,
    names: Vec<String>,
}

impl Telemetry {
    /// Probes from the first training rows (`train_ids` `[n, W]`, `train_targets` `[n, W-1]`)
    /// and, for a composition task, its first two-hop training facts.
    pub fn new(
        model: &GptModel,
        data: &TaskData,
        tokenizer: &TaskTokenizer,
        train_ids: &Tensor,
        train_targets: &Tensor,
    ) -> Result<Self> {
        let n = train_ids.size()[0].min(LOGIT_PROBE_ROWS);
        let w = train_ids.size()[1];
        let bridge = if data.task == TaskKind::Composition {
            probes(data, tokenizer, Split::Train, BRIDGE_PROBES)?
        } else {
            Vec::new()
        };
        let mut names = weight_norms(model).0;
        names.push("logit_scale".into());
        if !bridge.is_empty() {
            let layers = model.gpt.resid_sites().len();
            names.extend((0..layers).map(|l| format!("bridge_mrr_{l}")));
        }
        Ok(Telemetry {
            inputs: train_ids.narrow(0, 0, n).narrow(1, 0, w - 1),
            targets: train_targets.narrow(0, 0, n),
            bridge,
            names,
        })
    }

    /// The telemetry columns, in [`Telemetry::measure`]'s order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Every measure of `model` now.
    pub fn measure(&self, model: &GptModel) -> Result<Vec<f64>> {
        let mut values = weight_norms(model).1;
        let scale = tch::no_grad(|| -> Result<f64> {
            let logits = model.gpt.forward_trusted(&self.inputs, false)?;
            let top = logits.amax(-1, false);
            let keep = self.targets.ne(IGNORE).to_kind(Kind::Float);
            let mean = (top * &keep).sum(Kind::Float) / keep.sum(Kind::Float);
            Ok(mean.double_value(&[]))
        })?;
        values.push(scale);
        if !self.bridge.is_empty() {
            let lens = composition_lens(&model.gpt, &self.bridge)?;
            let pe = |e: polars::error::PolarsError| GrokError::Invalid(e.to_string());
            let measure = lens
                .column("measure")
                .map_err(pe)?
                .str()
                .map_err(pe)?
                .clone();
            let mrr = lens.column("mrr").map_err(pe)?.f64().map_err(pe)?.clone();
            values.extend(
                (0..lens.height())
                    .filter(|&i| measure.get(i) == Some("b@r1"))
                    .map(|i| mrr.get(i).unwrap_or(f64::NAN)),
            );
        }
        Ok(values)
    }
}
