//! Reasoning-module plugins: the example modules against built-in references, version and file
//! errors, panics as errors, and a model with a plugin through training, checkpoints and hooks.
//! The plugin libraries are built by the test command (`cargo build` of the plugin packages).

use grokked::lens::cache::run_with_cache;
use grokked::model::block::Block;
use grokked::model::LoadPolicy;
use grokked::plugin::abi::ModelDims;
use grokked::plugin::host::{load_plugin, PluginConfig, PluginError};
use grokked::prelude::*;
use grokked::train::observer::Silent;
use grokked::train::{ResumeOptions, RunDir};
use std::path::PathBuf;

#[path = "support/model.rs"]
mod model_support;
mod support;
use support::plugin_library as library;

const DIMS: ModelDims = ModelDims::for_test(16, 2);

fn params_for(specs: &[grokked::plugin::sdk::ParamSpec]) -> Vec<Tensor> {
    with_seed(4, || {
        specs
            .iter()
            .map(|s| {
                (Tensor::randn(s.shape.as_slice(), (Kind::Float, Device::Cpu)) * 0.2)
                    .set_requires_grad(true)
            })
            .collect()
    })
}

fn grads(ts: &[Tensor]) -> Vec<Tensor> {
    ts.iter().map(|t| t.grad().copy()).collect()
}

#[test]
fn shared_depth_equals_core_blocks_looped_forward_and_backward() {
    let (plugin, info) = load_plugin(&library("shared_depth")).unwrap();
    assert_eq!(info.name, "shared-depth");
    let inst = plugin
        .instantiate(&serde_json::json!({"k": 2, "n": 3}), DIMS)
        .unwrap();
    assert_eq!(inst.params.len(), 24);
    let params = params_for(&inst.params);
    let x = Tensor::randn([3, 5, 16], (Kind::Float, Device::Cpu)).set_requires_grad(true);
    let y = inst.forward(&x, &params, 0, false, None, None).unwrap();
    y.square().sum(Kind::Float).backward();
    let (plugin_grads, plugin_xgrad) = (grads(&params), x.grad().copy());

    // Reference: the core's Block modules holding the same weights, applied k blocks x n times.
    let cfg = model_support::two_layer_config().with_dropout(0.0);
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let blocks: Vec<Block> = (0..2)
        .map(|i| Block::new(&(vs.root() / "h" / i), &cfg).unwrap())
        .collect();
    let vars = vs.variables();
    tch::no_grad(|| {
        for (spec, p) in inst.params.iter().zip(&params) {
            vars[&spec.name].shallow_clone().copy_(p);
        }
    });
    let x2 = x.detach().set_requires_grad(true);
    let mut h = x2.shallow_clone();
    for _ in 0..3 {
        for (i, b) in blocks.iter().enumerate() {
            h = b
                .forward(
                    &h,
                    &grokked::model::attention::AttnMask::causal(),
                    None,
                    i,
                    &mut NoHooks,
                    false,
                )
                .unwrap();
        }
    }
    assert!((&h - &y).abs().max().double_value(&[]) < 1e-5);
    h.square().sum(Kind::Float).backward();
    assert!((x2.grad() - plugin_xgrad).abs().max().double_value(&[]) < 1e-4);
    for (spec, g) in inst.params.iter().zip(plugin_grads) {
        let diff = (vars[&spec.name].grad() - g).abs().max().double_value(&[]);
        assert!(diff < 1e-4, "{}: {diff}", spec.name);
    }
}

#[test]
fn fact_memory_equals_its_formula_forward_and_backward() {
    let (plugin, _) = load_plugin(&library("fact_memory")).unwrap();
    let inst = plugin
        .instantiate(&serde_json::json!({"slots": 7}), DIMS)
        .unwrap();
    let p = params_for(&inst.params);
    let x = Tensor::randn([2, 4, 16], (Kind::Float, Device::Cpu));
    let y = inst.forward(&x, &p, 1, true, None, None).unwrap();
    y.sum(Kind::Float).backward();
    let plugin_grads = grads(&p);
    let q: Vec<Tensor> = p
        .iter()
        .map(|t| t.detach().set_requires_grad(true))
        .collect();
    let ln = x.layer_norm([16], Some(&q[0]), Some(&q[1]), 1e-5, false);
    let attn = (ln.matmul(&q[2]).matmul(&q[3].tr()) / 4.0).softmax(-1, Kind::Float);
    let reference = &x + attn.matmul(&q[4]);
    assert!((&reference - &y).abs().max().double_value(&[]) < 1e-6);
    reference.sum(Kind::Float).backward();
    for (a, b) in grads(&q).iter().zip(&plugin_grads) {
        assert!((a - b).abs().max().double_value(&[]) < 1e-5);
    }
}

#[test]
fn wrong_abi_non_plugin_and_missing_files_are_refused_clearly() {
    let err = load_plugin(&library("fixture_wrong_abi")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PluginError::Mismatch { .. }), "{text}");
    assert!(
        text.contains("999")
            && text.contains(&format!("ABI {}", grokked::plugin::abi::ABI_VERSION)),
        "{text}"
    );
    // The message carries what the library says it was built with.
    assert!(
        text.contains("the library says: ABI 999, SDK ") && text.contains(", built 20"),
        "{text}"
    );
    let err =
        load_plugin(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap_err();
    assert!(
        matches!(err, PluginError::NotAPlugin { .. }) && err.to_string().contains("Cargo.toml"),
        "{err}"
    );
    let err = load_plugin("/nonexistent/libnothing.so".as_ref()).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/libnothing.so")
            && err.to_string().contains("not found")
    );
}

#[test]
fn a_panicking_plugin_returns_errors_and_the_process_continues() {
    let (plugin, _) = load_plugin(&library("fixture_panicking")).unwrap();
    let x = Tensor::zeros([1, 2, 16], (Kind::Float, Device::Cpu));
    let inst = plugin.instantiate(&serde_json::json!({}), DIMS).unwrap();
    for _ in 0..3 {
        let err = inst
            .forward(&x, &[], 0, false, None, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("panicking") && err.contains("deliberate panic"),
            "{err}"
        );
    }
    let inst = plugin
        .instantiate(&serde_json::json!({"error": true}), DIMS)
        .unwrap();
    assert!(inst
        .forward(&x, &[], 3, false, None, None)
        .unwrap_err()
        .to_string()
        .contains("refusing to run at layer 3"));
    let err = plugin
        .instantiate(&serde_json::json!({"fail_create": true}), DIMS)
        .unwrap_err()
        .to_string();
    assert!(err.contains("creation refused"), "{err}");
    let err = load_plugin(&library("shared_depth"))
        .unwrap()
        .0
        .instantiate(&serde_json::json!({"k": -1}), DIMS)
        .unwrap_err();
    assert!(err.to_string().contains("option `k`"), "{err}");
}

fn plugin_run_config(after_layer: usize, replace: usize) -> RunConfig {
    let mut cfg = RunConfig::from_toml_str(
        r#"
        name = "plugin"
        [data]
        task = "composition"
        entities = 20
        relations = 4
        out_degree = 2
        phi = 1.5
        [model]
        n_layer = 4
        n_embd = 16
        n_head = 2
        dropout = 0.0
        [train]
        lr = 3e-3
        batch_size = 32
        warmup_steps = 0
        device = "cpu"
        max_steps = 10
        eval = { dense_every = 5, dense_until = 10, sparse_every = 5 }
        checkpoint = { dense_every = 5, dense_until = 10, sparse_every = 5 }
        "#,
    )
    .unwrap();
    cfg.model.plugin = Some(PluginConfig::new(
        library("shared_depth"),
        serde_json::json!({"k": 1, "n": 2}),
        after_layer,
        replace,
    ));
    cfg
}

#[test]
fn a_model_with_a_plugin_trains_saves_resumes_hooks_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Trainer::new(plugin_run_config(1, 2), dir.path()).unwrap();
    assert_eq!(t.model.gpt.layer_ids, vec![0, 3]);
    let names = t.optim.group_names(true);
    assert!(
        names.contains(&"plugin.h.0.attn.c_attn.weight".to_string()),
        "{names:?}"
    );
    assert!(t
        .optim
        .group_names(false)
        .contains(&"plugin.h.0.ln_1.weight".to_string()));
    let before = t.model.vs.variables()["plugin.h.0.mlp.c_fc.weight"].copy();
    t.run(&mut Silent).unwrap();
    assert!(
        !t.model.vs.variables()["plugin.h.0.mlp.c_fc.weight"].equal(&before),
        "the optimizer trains plugin parameters"
    );

    let ids = Tensor::from_slice(&[1i64, 21, 22]).view([1, 3]);
    let logits = t.model.gpt.forward(&ids, false).unwrap();
    // The plugin is on the path: its parameters get gradients.
    let plugin_w = t.model.vs.variables()["plugin.h.0.mlp.c_fc.weight"].shallow_clone();
    t.model
        .gpt
        .forward(&ids, true)
        .unwrap()
        .square()
        .sum(Kind::Float)
        .backward();
    assert!(plugin_w.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
    let (_, cache) = run_with_cache(&t.model.gpt, &ids, |s| s.kind() == "hook_resid_post").unwrap();
    assert_eq!(
        cache.keys().copied().collect::<Vec<_>>(),
        vec![HookSite::ResidPost(0), HookSite::ResidPost(3)]
    );
    // The plugin stage has its own sites: its input is block 0's output, and the lens reads
    // the stream after every stage.
    let (_, cache) = run_with_cache(&t.model.gpt, &ids, |_| true).unwrap();
    assert!(cache[&HookSite::PluginIn].equal(&cache[&HookSite::ResidPost(0)]));
    assert!(cache[&HookSite::PluginOut].equal(&cache[&HookSite::ResidPre(3)]));
    assert_eq!(
        t.model.gpt.resid_sites(),
        vec![
            HookSite::ResidPre(0),
            HookSite::ResidPost(0),
            HookSite::parse("plugin.loop.0.out").unwrap(),
            HookSite::parse("plugin.loop.1.out").unwrap(),
            HookSite::PluginOut,
            HookSite::ResidPost(3)
        ]
    );
    let out = generate(&t.model.gpt, &[vec![1, 21]], &GenerateOpts::greedy(4)).unwrap();
    assert_eq!(out[0].len(), 4);
    drop(t); // releases the run folder's lock

    // Reopening the run loads the library its config names: that needs consent.
    let err = Trainer::resume(dir.path()).unwrap_err().to_string();
    assert!(err.contains("--allow-plugin"), "{err}");
    let allow = LoadPolicy::data_only().allow_plugin(library("shared_depth"));
    let opts = ResumeOptions {
        policy: allow.clone(),
        ..Default::default()
    };
    let resumed = Trainer::resume_with(dir.path(), &opts).unwrap();
    assert_eq!(resumed.step, 10);
    assert!(resumed
        .model
        .gpt
        .forward(&ids, false)
        .unwrap()
        .equal(&logits));
    let loaded = RunDir::new(dir.path())
        .load_model_with(Some(10), Device::Cpu, &allow)
        .unwrap()
        .0;
    assert!(loaded.gpt.forward(&ids, false).unwrap().equal(&logits));
}

#[test]
fn plugin_placement_is_validated() {
    let mut cfg = model_support::two_layer_config();
    cfg.plugin = Some(PluginConfig::new(
        library("shared_depth"),
        serde_json::json!({}),
        1,
        2,
    ));
    let err = GptModel::new(cfg, Device::Cpu).unwrap_err().to_string();
    assert!(
        err.contains("after_layer 1 + replace 2 exceeds n_layer 2"),
        "{err}"
    );
}
