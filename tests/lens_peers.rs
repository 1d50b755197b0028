//! The lens against the tools interpretability users know, on the same Hugging Face weights:
//! TransformerLens 4 (caches at every shared hook site, activation patching of the residual
//! stream) and captum 0.9 (integrated gradients with every quadrature rule and both baselines).
//! The peers run in the project's venv (`tests/python/lens_peer.py`).

mod support;

use grokked::lens::cache::{run_with_cache_at, save_cache};
use grokked::lens::integrated_gradients::{
    integrated_gradients, Baseline, IgOptions, IgTarget, METHODS,
};
use grokked::lens::patching::patch_resid_pre_sweep;
use grokked::prelude::*;
use support::run_py;

const IDS: &str = "[[464, 2068, 7586, 21831, 18045, 625]]";

fn ids() -> Tensor {
    let rows: Vec<Vec<i64>> = serde_json::from_str(IDS).unwrap();
    Tensor::from_slice2(&rows)
}

/// A random GPT-2 (3 layers, width 32, 4 heads, GPT-2's vocabulary) saved by transformers, with
/// every parameter perturbed, loaded here.
fn peer_model(dir: &std::path::Path) -> GptModel {
    run_py(
        "lens_peer.py",
        &["random", dir.to_str().unwrap(), "5", "3", "32", "4"],
    );
    hf::load_folder(dir, Device::Cpu).unwrap()
}

#[test]
fn caches_equal_transformer_lens_at_every_site() {
    let dir = tempfile::tempdir().unwrap();
    let model = peer_model(dir.path());
    let (_, cache) = run_with_cache_at(&model.gpt, &ids(), &[]).unwrap();
    assert_eq!(cache.len(), 3 + 3 * 14);
    let ours = dir.path().join("ours.safetensors");
    save_cache(&cache, &ours).unwrap();
    let report: serde_json::Value = serde_json::from_str(&run_py(
        "lens_peer.py",
        &[
            "cache",
            dir.path().to_str().unwrap(),
            IDS,
            ours.to_str().unwrap(),
        ],
    ))
    .unwrap();
    assert_eq!(report["missing_in_peer"], serde_json::json!([]), "{report}");
    let compared = report["compared"].as_object().unwrap();
    assert_eq!(compared.len(), cache.len(), "{report}");
    for (site, diff) in compared {
        let diff = diff.as_f64().unwrap_or_else(|| panic!("{site}: {diff}"));
        assert!(diff < 1e-5, "{site}: max abs difference {diff:e}");
    }
}

#[test]
fn residual_patching_equals_transformer_lens() {
    let dir = tempfile::tempdir().unwrap();
    let model = peer_model(dir.path());
    let clean = "[[464, 2068, 7586, 21831, 18045, 625]]";
    let corrupt = "[[464, 2068, 3290, 21831, 18045, 625]]";
    let (a, b) = (262i64, 11i64);
    let metric = |logits: &Tensor| {
        let last = logits.select(1, -1).get(0);
        last.double_value(&[a]) - last.double_value(&[b])
    };
    let rows = |s: &str| Tensor::from_slice2(&serde_json::from_str::<Vec<Vec<i64>>>(s).unwrap());
    let df = patch_resid_pre_sweep(&model.gpt, &rows(corrupt), &rows(clean), &metric).unwrap();
    let theirs: Vec<Vec<f64>> = serde_json::from_str(&run_py(
        "lens_peer.py",
        &[
            "patch",
            dir.path().to_str().unwrap(),
            clean,
            corrupt,
            &a.to_string(),
            &b.to_string(),
        ],
    ))
    .unwrap();
    assert_eq!((theirs.len(), theirs[0].len()), (3, 6));
    let col = |name: &str| -> Vec<f64> {
        let c = df
            .column(name)
            .unwrap()
            .cast(&grokked::polars::prelude::DataType::Float64)
            .unwrap();
        c.f64().unwrap().iter().map(|v| v.unwrap()).collect()
    };
    let (layer, pos, value) = (col("layer"), col("position"), col("metric"));
    assert_eq!(value.len(), 3 * 6);
    let scale = theirs.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 1e-3, "the corruption changes the metric");
    for i in 0..value.len() {
        let peer = theirs[layer[i] as usize][pos[i] as usize];
        assert!(
            (value[i] - peer).abs() < 1e-5 * scale.max(1.0),
            "layer {} pos {}: {} vs {peer}",
            layer[i],
            pos[i],
            value[i]
        );
    }
}

#[test]
fn integrated_gradients_equal_captum_for_every_rule_and_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let model = peer_model(dir.path());
    let (position, target) = (4i64, 262i64);
    let steps = 24;
    let mut runs = Vec::new();
    for (method, name) in METHODS {
        for baseline in ["zero", "pad"] {
            runs.push((method, name, baseline));
        }
    }
    let spec: Vec<serde_json::Value> = runs
        .iter()
        .map(|(_, name, base)| serde_json::json!([name, steps, base]))
        .collect();
    let theirs: Vec<serde_json::Value> = serde_json::from_str(&run_py(
        "lens_peer.py",
        &[
            "ig",
            dir.path().to_str().unwrap(),
            "[[464, 2068, 7586, 21831, 18045]]",
            &position.to_string(),
            &target.to_string(),
            &serde_json::to_string(&spec).unwrap(),
        ],
    ))
    .unwrap();
    let x = Tensor::from_slice(&[464i64, 2068, 7586, 21831, 18045]).view([1, 5]);
    let pad = model.config().pad_token_id().unwrap();
    for ((method, name, baseline), peer) in runs.iter().zip(&theirs) {
        let base = match *baseline {
            "zero" => Baseline::Zeros,
            _ => Baseline::Token(pad),
        };
        let opts = IgOptions {
            n_steps: steps,
            method: *method,
            internal_batch_size: 8,
        };
        let target = IgTarget {
            position,
            token: target,
            prob: false,
        };
        let ours = integrated_gradients(&model.gpt, &x, target, base, &opts).unwrap();
        let per_token: Vec<f64> = serde_json::from_value(peer["per_token"].clone()).unwrap();
        // Relative to the attributions' scale (a single token's attribution may be near zero).
        let scale = per_token.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (o, p) in ours.per_token.iter().zip(&per_token) {
            assert!(
                (o - p).abs() <= 1e-4 * scale,
                "{name} {baseline}: {:?} vs {per_token:?}",
                ours.per_token
            );
        }
        // The delta relative to what it measures against: f(input) - f(baseline).
        let (delta, gap) = (
            peer["delta"].as_f64().unwrap(),
            peer["gap"].as_f64().unwrap(),
        );
        assert!(
            (ours.delta - delta).abs() <= 1e-4 * gap.abs(),
            "{name} {baseline}: delta {} vs {delta} (gap {gap})",
            ours.delta
        );
    }
}
