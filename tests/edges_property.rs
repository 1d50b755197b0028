//! The edges under random input: run configs (and `--set` overrides), sweep specs, reasoning
//! CSV text and the paper's JSON files. The property: every input gives a clean result or a
//! clean error, never a panic (a panic here fails the case) or an abort (one would end the
//! whole test binary). Values are drawn around the edges: zero, negative, huge, NaN, infinity,
//! strings where numbers go, and the characters that break CSV.

use grokked::data::{io::official_json, io::reasoning_csv};
use grokked::experiments::sweep::folder::SweepDir;
use grokked::prelude::*;
use grokked::train::RunConfig;
use proptest::prelude::*;

/// A TOML value near an edge.
fn edge_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1".to_string()),
        Just("2".to_string()),
        Just("1000000000000".to_string()),
        Just("9223372036854775807".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("0.5".to_string()),
        Just("1e-3".to_string()),
        Just("\"word\"".to_string()),
        Just("[0.9, 0.99, 0.5]".to_string()),
        Just("[]".to_string()),
        Just("{ alpha = 2.0, lambda = 1.0 }".to_string()),
        Just("\"../../x\"".to_string()),
        (-3i64..300).prop_map(|v| v.to_string()),
        (-2.0f64..3.0).prop_map(|v| format!("{v:?}")),
    ]
}

/// A key of a run config (some of them wrong).
fn config_key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "name",
        "data.entities",
        "data.relations",
        "data.out_degree",
        "data.phi",
        "data.ood_ratio",
        "data.max_test",
        "model.n_layer",
        "model.n_embd",
        "model.n_head",
        "model.dropout",
        "train.lr",
        "train.betas",
        "train.weight_decay",
        "train.grad_clip",
        "train.batch_size",
        "train.eval_batch_size",
        "train.grokfast",
        "train.muon",
        "train.eps",
        "train.stop_at_id_accuracy",
        "train.logit_temperature",
        "train.no_such_key",
        "nonsense",
    ])
}

const BASE: &str =
    "name = \"edge\"\n[data]\ntask = \"composition\"\nentities = 20\nrelations = 4\n\
                    out_degree = 2\n[model]\nn_layer = 1\nn_embd = 8\nn_head = 2\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Overrides on a run config: each either applies (and the result validates, describes a
    /// model whose config validates, and round-trips through TOML) or is refused.
    #[test]
    fn run_config_overrides_never_panic(sets in prop::collection::vec((config_key(), edge_value()), 1..6)) {
        let mut cfg = RunConfig::from_toml_str(BASE).unwrap();
        for (key, value) in &sets {
            let before = cfg.clone();
            if cfg.set(&format!("{key}={value}")).is_err() {
                prop_assert_eq!(&cfg, &before, "a refused override changed the config");
            }
        }
        cfg.validate().unwrap();
        let _ = cfg.gpt_config(30, 8).validate();
        let back = RunConfig::from_toml_str(&cfg.to_toml().unwrap()).unwrap();
        prop_assert_eq!(back, cfg);
    }

    /// Whole config texts built from edge values: parsed or refused.
    #[test]
    fn run_config_texts_never_panic(fields in prop::collection::vec((config_key(), edge_value()), 0..8)) {
        let mut sections: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        let mut top = vec!["name = \"t\"".to_string()];
        for (key, value) in &fields {
            match key.split_once('.') {
                Some((section, field)) => sections.entry(section).or_default().push(format!("{field} = {value}")),
                None => top.push(format!("{key} = {value}")),
            }
        }
        sections.entry("data").or_default().insert(0, "task = \"composition\"".into());
        let mut text = top.join("\n");
        for (section, lines) in sections {
            text.push_str(&format!("\n[{section}]\n{}", lines.join("\n")));
        }
        if let Ok(cfg) = RunConfig::from_toml_str(&text) {
            cfg.validate().unwrap();
        }
    }

    /// Sweep specs with edge grids and seeds: the sweep folder is made only when every point's
    /// config builds and every point is distinct; otherwise nothing is written.
    #[test]
    fn sweep_specs_never_panic(
        grid in prop::collection::vec((config_key(), prop::collection::vec(edge_value(), 0..3)), 0..3),
        seeds in prop::collection::vec(0u64..3, 0..4),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("base.toml"), BASE).unwrap();
        let mut spec = format!("name = \"s\"\nbase = \"base.toml\"\nseeds = {seeds:?}\n[grid]\n");
        for (key, values) in &grid {
            spec.push_str(&format!("\"{key}\" = [{}]\n", values.join(", ")));
        }
        std::fs::write(tmp.path().join("s.toml"), &spec).unwrap();
        let out = tmp.path().join("out");
        match SweepDir::create(&tmp.path().join("s.toml"), &out) {
            Ok(sweep) => {
                let points = sweep.points();
                let mut names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
                names.sort();
                names.dedup();
                prop_assert_eq!(names.len(), points.len(), "two points share a folder");
                for p in &points {
                    sweep.config(p).unwrap();
                }
            }
            Err(_) => prop_assert!(!out.exists(), "a refused sweep wrote its folder"),
        }
    }

    /// Reasoning CSV text from the characters that break CSV: parsed, or refused with a place.
    #[test]
    fn reasoning_csv_never_panics(body in "[a-z,\"\\n\\r yesno_]{0,80}", header in prop::sample::select(vec![
        "premises,question,answer", "premises,question,answer,case,split", "premises,question,question,answer", "",
    ])) {
        match reasoning_csv::parse(&format!("{header}\n{body}"), "edge.csv") {
            Ok(rows) => prop_assert!(rows.iter().all(|r| r.answer == "yes" || r.answer == "no")),
            Err(e) => prop_assert!(e.to_string().starts_with("edge.csv"), "{e}"),
        }
    }

    /// The paper's JSON files with edge items: read, or refused naming the file or item.
    #[test]
    fn official_json_never_panics(
        items in prop::collection::vec(("(<e_[0-9]>|<r_[0-9]>|<attr_[0-9]>|<mask>|<q>|x| ){0,6}", "(<e_[0-9]>|<a>|</a>|y){0,3}", prop::option::of("(train_inferred|id_atomic|ood_atomic|test_inferred_iid|test_inferred_ood|bogus)")), 0..8),
        vocab in prop::collection::vec("<e_[0-9]>|<r_[0-9]>|<mask>", 0..6),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let json: Vec<serde_json::Value> = items
            .iter()
            .map(|(i, t, ty)| serde_json::json!({"input_text": i, "target_text": t, "type": ty}))
            .collect();
        for file in ["train.json", "test.json", "valid.json"] {
            std::fs::write(tmp.path().join(file), serde_json::to_string(&json).unwrap()).unwrap();
        }
        std::fs::write(tmp.path().join("vocab.json"), serde_json::to_string(&vocab).unwrap()).unwrap();
        if let Err(e) = official_json::read(tmp.path()) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

/// Sizes far beyond memory are refused before anything is allocated: a model config, a task
/// generator and the integration steps of integrated gradients.
#[test]
fn sizes_beyond_memory_are_errors_not_aborts() {
    let mut cfg = GptConfig::new(GptSize {
        vocab_size: 20,
        n_positions: 8,
        n_layer: 1,
        n_embd: 8,
        n_head: 2,
    });
    cfg.vocab_size = 1 << 40;
    let err = GptModel::new(cfg, Device::Cpu).unwrap_err().to_string();
    assert!(
        err.contains("vocab_size") && err.contains("would need"),
        "{err}"
    );
    let spec = grokked::data::tasks::composition::CompositionSpec {
        entities: 1_000_000_000_000,
        ..Default::default()
    };
    let err = spec.generate().unwrap_err().to_string();
    assert!(err.contains("entities"), "{err}");
}
