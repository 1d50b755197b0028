//! What a plugin declares, end to end through the host: its own hook sites (cached, patched,
//! hooked and read by the logit lens like any other site), typed options, the model dimensions
//! it receives, and a checkpoint with a plugin that transformers refuses instead of loading it
//! wrong. The plugin libraries are built by the test command.

use grokked::lens::cache::{run_with_cache, run_with_hooks};
use grokked::lens::logit_lens::{token_ranks, LensQuery};
use grokked::model::hf;
use grokked::model::LoadPolicy;
use grokked::plugin::host::{load_plugin, PluginConfig};
use grokked::prelude::*;

mod support;
use support::plugin_library as library;

/// A 4-block model whose blocks 1 and 2 are the shared-depth plugin: one block looped 3 times.
fn looped_model() -> GptModel {
    let mut cfg = GptConfig::new(GptSize {
        vocab_size: 30,
        n_positions: 8,
        n_layer: 4,
        n_embd: 16,
        n_head: 2,
    })
    .with_dropout(0.0);
    let options = serde_json::json!({"k": 1, "n": 3});
    cfg.plugin = Some(PluginConfig::new(library("shared_depth"), options, 1, 2));
    with_seed(3, || GptModel::new(cfg, Device::Cpu)).unwrap()
}

fn loop_site(j: usize) -> HookSite {
    HookSite::parse(&format!("plugin.loop.{j}.out")).unwrap()
}

#[test]
fn a_plugins_own_sites_are_cached_patched_and_read_by_the_lens() {
    let model = looped_model();
    let gpt = &model.gpt;
    let sites = gpt.sites();
    let at = sites.iter().position(|s| *s == HookSite::PluginIn).unwrap();
    assert_eq!(
        sites[at..at + 5],
        [
            HookSite::PluginIn,
            loop_site(0),
            loop_site(1),
            loop_site(2),
            HookSite::PluginOut
        ]
    );
    let a = Tensor::from_slice(&[1i64, 2, 3, 4]).view([1, 4]);
    let b = Tensor::from_slice(&[5i64, 6, 7, 8]).view([1, 4]);
    let (logits_a, cache_a) = run_with_cache(gpt, &a, |_| true).unwrap();
    let (logits_b, cache_b) = run_with_cache(gpt, &b, |_| true).unwrap();
    // The last loop's output is what the plugin returns; the loops differ from each other.
    assert!(cache_a[&loop_site(2)].equal(&cache_a[&HookSite::PluginOut]));
    assert!(!cache_a[&loop_site(0)].allclose(&cache_a[&loop_site(1)], 1e-4, 1e-4, false));

    // Patching: the residual stream after loop 0 is all the rest of the model reads (positions
    // and tokens enter before it), so B's stream there gives B's logits from A's input.
    let patched_b = cache_b[&loop_site(0)].shallow_clone();
    let patched = run_with_hooks(
        gpt,
        &a,
        vec![(
            loop_site(0),
            Box::new(move |_, _| Ok(patched_b.shallow_clone())),
        )],
    )
    .unwrap();
    assert!(patched.allclose(&logits_b, 1e-5, 1e-5, false));
    assert!(!patched.allclose(&logits_a, 1e-3, 1e-3, false));

    // A persistent hook on a plugin site sees every pass until its guard drops.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let guard = gpt.add_hook(
        loop_site(1),
        Box::new(move |_, t| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(t)
        }),
    );
    let again = gpt.forward(&a, false).unwrap();
    drop(guard);
    let _ = gpt.forward(&a, false).unwrap();
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(
        again.equal(&logits_a),
        "a hook that returns its input changes nothing"
    );

    // The logit lens reads the plugin's stage loop by loop, labelled by its sites.
    assert_eq!(
        gpt.resid_labels(),
        [
            "layer 0",
            "layer 1",
            "plugin.loop.0.out",
            "plugin.loop.1.out",
            "plugin.loop.2.out",
            "plugin.hook_out",
            "layer 6"
        ]
    );
    let query = LensQuery {
        example: 0,
        position: 3,
        token: 9,
    };
    let ranks = token_ranks(gpt, &a, &[query]).unwrap();
    assert_eq!(ranks.height(), 7);
    // Row 2 reads the stream after loop 0: the same rank as unembedding the cached activation.
    let logits = gpt.unembed(&cache_a[&loop_site(0)].get(0).get(3));
    let rank = logits
        .gt_tensor(&logits.get(9))
        .sum(Kind::Int64)
        .int64_value(&[])
        + 1;
    let col = ranks.column("rank").unwrap().f64().unwrap();
    assert_eq!(col.get(2), Some(rank as f64));
}

#[test]
fn a_site_the_module_did_not_declare_is_an_error_naming_it() {
    let mut cfg = GptConfig::new(GptSize {
        vocab_size: 10,
        n_positions: 8,
        n_layer: 2,
        n_embd: 16,
        n_head: 2,
    });
    let options = serde_json::json!({"undeclared_site": true});
    cfg.plugin = Some(PluginConfig::new(
        library("fixture_panicking"),
        options,
        1,
        0,
    ));
    let model = GptModel::new(cfg, Device::Cpu).unwrap();
    let declared = HookSite::parse("plugin.declared").unwrap();
    assert!(model.gpt.sites().contains(&declared));
    let ids = Tensor::from_slice(&[1i64, 2]).view([1, 2]);
    let err = run_with_cache(&model.gpt, &ids, |s| s == declared)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`undeclared`") && err.contains("its sites: declared"),
        "{err}"
    );
}

#[test]
fn options_are_typed_and_the_module_receives_the_models_dimensions() {
    let (plugin, _) = load_plugin(&library("shared_depth")).unwrap();
    let defaults = plugin.option_defaults().unwrap();
    assert_eq!(
        serde_json::Value::Object(defaults),
        serde_json::json!({"k": 2, "n": 2})
    );
    let dims = grokked::plugin::abi::ModelDims::for_test(16, 2);
    let err = plugin
        .instantiate(&serde_json::json!({"loop": 2}), dims)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown option `loop` (known options: k, n)"),
        "{err}"
    );
    let err = plugin
        .instantiate(&serde_json::json!({"n": "three"}), dims)
        .unwrap_err()
        .to_string();
    assert!(err.contains("option `n`: invalid type"), "{err}");
    let inst = plugin
        .instantiate(&serde_json::json!({"n": 3}), dims)
        .unwrap();
    assert_eq!(inst.sites.len(), 3, "n = 3 loops, k = 2 by default");
    assert_eq!(inst.params.len(), 24);

    // The fixture reports what it was created with: the model's config, through the ABI.
    let mut cfg = GptConfig::new(GptSize {
        vocab_size: 10,
        n_positions: 12,
        n_layer: 3,
        n_embd: 16,
        n_head: 4,
    })
    .with_dropout(0.25);
    let options = serde_json::json!({"error": true});
    cfg.plugin = Some(PluginConfig::new(
        library("fixture_panicking"),
        options,
        2,
        0,
    ));
    let model = GptModel::new(cfg, Device::Cpu).unwrap();
    let ids = Tensor::from_slice(&[1i64, 2]).view([1, 2]);
    let err = model.gpt.forward(&ids, true).unwrap_err().to_string();
    assert!(
        err.contains(
            "layer 2 (n_embd 16, n_head 4, n_layer 3, n_positions 12, dropout 0.25, train true)"
        ),
        "{err}"
    );
}

#[test]
fn transformers_refuses_a_checkpoint_with_a_plugin_and_grokked_reopens_it() {
    let model = looped_model();
    let dir = tempfile::tempdir().unwrap();
    hf::save_folder(&model, dir.path()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(json["model_type"], "grokked_plugin");
    assert_eq!(
        json["architectures"],
        serde_json::json!(["GrokkedPluginModel"])
    );
    let out = support::run_py("hf_peer.py", &["refuse", dir.path().to_str().unwrap()]);
    let outcome: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let direct = outcome["GPT2LMHeadModel"].as_str().unwrap();
    assert!(
        direct.starts_with("refused")
            && direct.contains("grokked_plugin libshared_depth.so")
            && direct.contains("transformers cannot run"),
        "{direct}"
    );
    let auto = outcome["AutoModelForCausalLM"].as_str().unwrap();
    assert!(
        auto.starts_with("refused") && auto.contains("grokked_plugin"),
        "{auto}"
    );

    let policy = LoadPolicy::data_only().allow_plugin(library("shared_depth"));
    let loaded = hf::load_folder_with(dir.path(), Device::Cpu, &policy).unwrap();
    let ids = Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
    assert!(loaded
        .gpt
        .forward(&ids, false)
        .unwrap()
        .equal(&model.gpt.forward(&ids, false).unwrap()));
}

#[test]
fn loops_at_inference_change_the_loop_count_and_nothing_else() {
    use grokked::model::overrides::ModelOverrides;
    let model = looped_model();
    let dir = tempfile::tempdir().unwrap();
    hf::save_folder(&model, dir.path()).unwrap();
    let files = |d: &std::path::Path| {
        ["config.json", "model.safetensors"].map(|f| std::fs::read(d.join(f)).unwrap())
    };
    let before = files(dir.path());
    let policy = LoadPolicy::data_only().allow_plugin(library("shared_depth"));
    let with = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let policy = policy
            .clone()
            .with_overrides(ModelOverrides::parse(&sets).unwrap());
        hf::load_folder_with(dir.path(), Device::Cpu, &policy)
    };
    let ids = Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
    let logits = model.gpt.forward(&ids, false).unwrap();

    // The trained loop count reproduces the model exactly.
    let same = with(&["model.plugin.options.n=3"]).unwrap();
    assert!(same.gpt.forward(&ids, false).unwrap().equal(&logits));
    // Five loops: two more sites, the same weights, and the first three loops as before.
    let five = with(&["model.plugin.options.n=5"]).unwrap();
    assert!(five.gpt.sites().contains(&loop_site(4)));
    for (name, w) in model.vs.variables() {
        assert!(five.vs.variables()[&name].equal(&w), "{name}");
    }
    let (_, cache3) = run_with_cache(&model.gpt, &ids, |_| true).unwrap();
    let (_, cache5) = run_with_cache(&five.gpt, &ids, |_| true).unwrap();
    for j in 0..3 {
        assert!(
            cache5[&loop_site(j)].equal(&cache3[&loop_site(j)]),
            "loop {j}"
        );
    }
    assert!(!five
        .gpt
        .forward(&ids, false)
        .unwrap()
        .allclose(&logits, 1e-4, 1e-4, false));
    assert_eq!(files(dir.path()), before, "the checkpoint is not changed");

    // What is not a loop count is refused: another block count does not match the weights, an
    // unknown option is named, and a model without a plugin has no options to change.
    let err = with(&["model.plugin.options.k=2"]).unwrap_err().to_string();
    assert!(err.contains("plugin.h.1"), "{err}");
    let err = with(&["model.plugin.options.loops=2"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown option `loops`"), "{err}");
    let plain = tempfile::tempdir().unwrap();
    let cfg = GptConfig::new(GptSize {
        vocab_size: 30,
        n_positions: 8,
        n_layer: 2,
        n_embd: 16,
        n_head: 2,
    });
    hf::save_folder(&GptModel::new(cfg, Device::Cpu).unwrap(), plain.path()).unwrap();
    let overrides = ModelOverrides::parse(&["model.plugin.options.n=2".to_string()]).unwrap();
    let err = hf::load_folder_with(
        plain.path(),
        Device::Cpu,
        &LoadPolicy::data_only().with_overrides(overrides),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("names no plugin"), "{err}");
}

#[test]
fn a_model_opens_with_its_library_found_elsewhere_and_held_to_its_hash() {
    use grokked::model::overrides::ModelOverrides;
    let model = looped_model();
    let dir = tempfile::tempdir().unwrap();
    hf::save_folder(&model, dir.path()).unwrap();
    // The library copied elsewhere, as on a machine where the model was not trained.
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("libshared_depth.so");
    std::fs::copy(library("shared_depth"), &copy).unwrap();
    let open = |lib: &std::path::Path, sets: &[String]| {
        let policy = LoadPolicy::data_only()
            .allow_plugin(lib)
            .with_overrides(ModelOverrides::parse(sets).unwrap());
        hf::load_folder_with(dir.path(), Device::Cpu, &policy)
    };
    let set = |lib: &std::path::Path| vec![format!("model.plugin.path={}", lib.display())];
    let moved = open(&copy, &set(&copy)).unwrap();
    let ids = Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
    assert!(moved
        .gpt
        .forward(&ids, false)
        .unwrap()
        .equal(&model.gpt.forward(&ids, false).unwrap()));
    // Consent is for the library that runs: allowing the copy does not open the original path.
    let err = open(&copy, &[]).unwrap_err().to_string();
    assert!(
        err.contains("not allowed") || err.contains("allow-plugin"),
        "{err}"
    );
    // Another library at the new path is held to the recorded hash.
    let other = library("fixture_panicking");
    let err = open(&other, &set(&other)).unwrap_err().to_string();
    assert!(err.contains("SHA-256"), "{err}");
}
