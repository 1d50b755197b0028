//! The grokking methods' math, each against its formula: Grokfast's moving-average filter,
//! ⊥Grad inside the optimizer, Muon's first step, StableMax cross-entropy, the logit temperature,
//! and the auxiliary bridge loss.

mod tiny_run;

use grokked::data::tokens::vocab;
use grokked::lens::cache::run_with_cache;
use grokked::prelude::*;
use grokked::train::batches::BatchOrder;
use grokked::train::eval::{answer_loss, answer_loss_with, stablemax_cross_entropy, IGNORE};
use grokked::train::grad_filters::{orthogonalize, GrokfastFilter};
use grokked::train::muon::{newton_schulz, rms_scale};
use grokked::train::optim::{decays, Optimizer};
use grokked::train::OptimConfig;
use grokked::train::{AuxBridgeConfig, GrokfastConfig, LossKind, MuonConfig};
use std::collections::HashMap;
use tiny_run::tiny_run_config as tiny;

#[test]
fn grokfast_moving_average_adds_the_window_mean_once_full() {
    let cfg = GrokfastConfig {
        alpha: 0.0,
        lambda: 3.0,
        window: Some(3),
    };
    let mut f = GrokfastFilter::new(cfg);
    let seq = [1.0f64, -2.0, 0.5, 4.0, 2.0];
    for (i, &g) in seq.iter().enumerate() {
        let out = f.apply(&Tensor::from(g)).double_value(&[]);
        let expect = if i < 2 {
            g // warming up: the window is not full yet
        } else {
            g + 3.0 * seq[i - 2..=i].iter().sum::<f64>() / 3.0
        };
        assert!((out - expect).abs() < 1e-12, "step {i}: {out} vs {expect}");
    }
}

/// One optimizer step on a fixed loss: the parameters before, their gradients, and after.
type Snapshot = (
    HashMap<String, Tensor>,
    HashMap<String, Tensor>,
    HashMap<String, Tensor>,
);

fn one_step(cfg: OptimConfig, lr: f64) -> Snapshot {
    let model = with_seed(11, || {
        GptModel::new(
            GptConfig::new(GptSize {
                vocab_size: 10,
                n_positions: 8,
                n_layer: 1,
                n_embd: 8,
                n_head: 2,
            }),
            Device::Cpu,
        )
    })
    .unwrap();
    let mut opt = Optimizer::new(&model.vs, cfg).unwrap();
    let vars = model.vs.variables();
    let copy = |f: &dyn Fn(&Tensor) -> Tensor| -> HashMap<String, Tensor> {
        vars.iter().map(|(n, t)| (n.clone(), f(t))).collect()
    };
    let before = copy(&|t| t.detach().copy());
    let ids = Tensor::from_slice(&[1i64, 2, 3, 4]).view([1, 4]);
    let loss = model
        .gpt
        .forward(&ids, false)
        .unwrap()
        .square()
        .mean(Kind::Float);
    loss.backward();
    let grads = copy(&|t| t.grad().copy());
    let _ = opt.step(lr).unwrap();
    (before, grads, copy(&|t| t.detach().copy()))
}

#[test]
fn orthograd_steps_along_the_gradient_orthogonal_to_the_weights() {
    let (lr, eps) = (0.01, 1e-8);
    let cfg = OptimConfig {
        orthograd: true,
        eps,
        ..Default::default()
    };
    let (before, grads, after) = one_step(cfg, lr);
    for (name, p0) in &before {
        let g = orthogonalize(p0, &grads[name]).view(p0.size().as_slice());
        // The projected gradient: orthogonal to the weights, with the gradient's norm.
        let dot = g.reshape([-1]).dot(&p0.reshape([-1])).double_value(&[]);
        let scale = p0.norm().double_value(&[]) * g.norm().double_value(&[]);
        assert!(dot.abs() <= 1e-5 * scale.max(1e-12), "{name}: w.g = {dot}");
        let norms = (g.norm() - grads[name].norm()).abs().double_value(&[]);
        assert!(norms < 1e-5, "{name}: |g_orth| - |g| = {norms}");
        // Adam's first step moves each coordinate by lr * sign (m_hat = g, v_hat = g^2).
        let expect = p0 - &g / (g.abs() + eps) * lr;
        let diff = (&after[name] - expect).abs().max().double_value(&[]);
        assert!(diff < 1e-6, "{name}: {diff}");
    }
}

#[test]
fn muon_first_step_is_the_orthogonalised_gradient_at_adamw_scale() {
    let (lr, wd) = (0.02, 0.1);
    let muon = MuonConfig {
        momentum: 0.9,
        ns_steps: 5,
    };
    let cfg = OptimConfig {
        muon: Some(muon),
        weight_decay: wd,
        ..Default::default()
    };
    let (before, grads, after) = one_step(cfg, lr);
    let mut matrices = 0;
    for (name, p0) in &before {
        let g = &grads[name];
        let is_muon = grokked::train::optim::muon_updates(name, &p0.size());
        let expect = if is_muon {
            matrices += 1;
            // m = (1 - mu) g; the Nesterov update (1 - mu) g + mu m is a multiple of g, and
            // Newton-Schulz normalises away the multiple.
            let (rows, cols) = (p0.size()[0], p0.size()[1]);
            p0 * (1.0 - lr * wd) - newton_schulz(g, 5) * (lr * rms_scale(rows, cols))
        } else {
            let decay = if decays(name) { wd } else { 0.0 };
            p0 * (1.0 - lr * decay) - g / (g.abs() + 1e-8) * lr
        };
        let diff = (&after[name] - expect).abs().max().double_value(&[]);
        // Newton-Schulz of (1 - mu) g and of g agree up to float32 rounding, which five quintic
        // steps amplify to about 1e-5; the update itself is a few 1e-3 per element, so a wrong
        // scale or a missing orthogonalisation is still far outside the tolerance.
        let tolerance = if is_muon { 1e-4 } else { 1e-5 };
        assert!(diff < tolerance, "{name} (muon: {is_muon}): {diff}");
    }
    assert_eq!(matrices, 4, "c_attn, attn.c_proj, c_fc and mlp.c_proj");
    // The scale makes the update's RMS 0.2 for an orthogonal update of either shape.
    assert!((rms_scale(64, 256) - 0.2 * 16.0).abs() < 1e-12);
}

#[test]
fn stablemax_cross_entropy_equals_its_formula_and_survives_huge_logits() {
    let s = |x: f64| if x >= 0.0 { x + 1.0 } else { 1.0 / (1.0 - x) };
    let logits = [[2.0f32, -1.0, 0.5], [-3.0, 0.0, 1.0], [0.0, 0.0, 0.0]];
    let targets = [0i64, 2, IGNORE];
    let expect = (0..2)
        .map(|r| {
            let row = logits[r].map(|v| s(v as f64));
            -(row[targets[r] as usize] / row.iter().sum::<f64>()).ln()
        })
        .sum::<f64>()
        / 2.0;
    let got = stablemax_cross_entropy(&Tensor::from_slice2(&logits), &Tensor::from_slice(&targets))
        .double_value(&[]);
    assert!((got - expect).abs() < 1e-6, "{got} vs {expect}");
    // Where softmax collapses in float32, StableMax still gives a finite loss and gradient.
    let x = Tensor::from_slice2(&[[1e4f32, -1e4, 0.0]]).set_requires_grad(true);
    let loss = stablemax_cross_entropy(&x, &Tensor::from_slice(&[1i64]));
    loss.backward();
    assert!(loss.double_value(&[]).is_finite());
    assert!(bool::try_from(x.grad().isfinite().all()).unwrap());
}

#[test]
fn logit_temperature_divides_the_logits_in_the_loss() {
    let logits = with_seed(2, || Tensor::randn([2, 3, 7], (Kind::Float, Device::Cpu))) * 4.0;
    let targets = Tensor::from_slice2(&[[IGNORE, 3, 1], [5, IGNORE, IGNORE]]);
    let tempered = answer_loss_with(&logits, &targets, LossKind::CrossEntropy, 2.5);
    let by_hand = answer_loss(&(&logits / 2.5), &targets);
    assert!((tempered - by_hand).abs().double_value(&[]) < 1e-6);
}

#[test]
fn the_bridge_loss_is_the_logit_lens_cross_entropy_of_b_at_r1() {
    let weight = 0.5;
    let (plain_dir, aux_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut plain = Trainer::new(tiny(10, 0.0), plain_dir.path()).unwrap();
    let mut cfg = tiny(10, 0.0);
    cfg.train.aux_bridge = Some(AuxBridgeConfig { weight, layer: 0 });
    let mut aux = Trainer::new(cfg, aux_dir.path()).unwrap();
    // Same seed: same initial weights and same first batch.
    let (ids, _) = plain.train_tensors();
    let rows = BatchOrder::new(ids.size()[0] as usize, 64, 0).indices(0);
    let batch = ids.index_select(0, &Tensor::from_slice(&rows));
    let inputs = batch.narrow(1, 0, batch.size()[1] - 1);
    let train: Vec<_> = plain.data.split(Split::Train).collect();
    let bridge: Vec<i64> = rows
        .iter()
        .map(|&r| {
            let e = train[r as usize];
            match (e.kind, e.fields[2]) {
                (grokked::data::FactKind::Inferred, Some(b)) => {
                    i64::from(plain.tokenizer.id(&vocab::entity(b as usize)).unwrap())
                }
                _ => IGNORE,
            }
        })
        .collect();
    assert!(bridge.iter().any(|&b| b != IGNORE) && bridge.contains(&IGNORE));
    let (_, cache) =
        run_with_cache(&plain.model.gpt, &inputs, |s| s == HookSite::ResidPost(0)).unwrap();
    let lens = plain
        .model
        .gpt
        .unembed(&cache[&HookSite::ResidPost(0)].select(1, 1));
    let expect = lens
        .cross_entropy_loss::<Tensor>(
            &Tensor::from_slice(&bridge),
            None,
            tch::Reduction::Mean,
            IGNORE,
            0.0,
        )
        .double_value(&[]);
    let (p, a) = (plain.train_step().unwrap(), aux.train_step().unwrap());
    assert!(
        (a - p - weight * expect).abs() < 1e-4,
        "aux {a} - plain {p} vs {weight} x {expect}"
    );
}
