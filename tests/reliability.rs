//! The reliability suite: what a hostile or unlucky user can do to grokked, one test per probe.
//! A model folder is data, a run folder has one writer, a broken or mis-described model is never
//! scored, and every edge says clearly what is wrong without losing saved work. (The command-line
//! probes live in `crates/grokked-cli/tests/reliability_cli.rs`.)

#[path = "support/model.rs"]
mod model_support;
mod support;
mod tiny_run;

use grokked::data::{
    io::folder, io::official_json, io::reasoning_csv, tasks::composition::CompositionSpec,
};
use grokked::model::safetensors_io::{read_tensors, write_tensors};
use grokked::model::LoadPolicy;
use grokked::plugin::host::{resolve_library, PluginConfig};
use grokked::prelude::*;
use grokked::train::observer::Silent;
use grokked::train::{ResumeOptions, RunDir};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{constructor_marker, plugin_library};
use tiny_run::tiny_run_config as tiny;

/// A random 2-layer model saved as a model folder in `dir`.
fn model_folder(dir: &Path) -> GptModel {
    let model = GptModel::new(
        GptConfig::new(GptSize {
            vocab_size: 20,
            n_positions: 8,
            n_layer: 2,
            n_embd: 16,
            n_head: 4,
        }),
        Device::Cpu,
    )
    .unwrap();
    hf::save_folder(&model, dir).unwrap();
    model
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join(hf::CONFIG_FILE);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn err_text<T>(r: grokked::error::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_model_folder_naming_a_plugin_loads_no_code_without_consent() {
    let marker = constructor_marker(std::process::id());
    let _ = std::fs::remove_file(&marker);
    let lib = plugin_library("fixture_constructor_marker");
    let dir = tempfile::tempdir().unwrap();
    model_folder(dir.path());
    edit_config(dir.path(), |v| {
        v["grokked_plugin"] = serde_json::json!({"path": lib, "after_layer": 1});
    });
    for err in [
        err_text(hf::load_folder(dir.path(), Device::Cpu)),
        err_text(hf::load_folder_with(
            dir.path(),
            Device::Cpu,
            &LoadPolicy::data_only().allow_plugin("/some/other/library.so"),
        )),
    ] {
        assert!(
            err.contains("--allow-plugin") && err.contains("libfixture_constructor_marker"),
            "{err}"
        );
    }
    assert!(
        !marker.exists(),
        "the library's constructor ran although loading was refused"
    );
    // With consent the library loads, and its constructor runs: the marker proves the probe works.
    let model = hf::load_folder_with(
        dir.path(),
        Device::Cpu,
        &LoadPolicy::data_only().allow_plugin(&lib),
    )
    .unwrap();
    assert!(marker.exists(), "the consented library was not loaded");
    let _ = std::fs::remove_file(&marker);
    assert_eq!(model.gpt.layer_ids, vec![0, 1]);
}

#[test]
fn plugin_paths_are_resolved_to_canonical_files_never_searched_for() {
    let lib = plugin_library("shared_depth");
    let canonical = std::fs::canonicalize(&lib).unwrap();
    let name = lib.file_name().unwrap();
    // A bare file name is a path relative to the current folder, not a dynamic-linker search.
    let err = resolve_library(Path::new(name)).unwrap_err().to_string();
    assert!(err.contains("not found"), "{err}");
    let depth = std::env::current_dir().unwrap().components().count() - 1;
    let up: PathBuf = std::iter::repeat_n("..", depth).collect();
    let via_dots = up.join(lib.strip_prefix("/").unwrap());
    assert_eq!(resolve_library(&via_dots).unwrap(), canonical);
    // The model records the canonical path and the library's hash.
    let mut cfg = model_support::two_layer_config();
    cfg.plugin = Some(PluginConfig::new(via_dots, serde_json::json!({}), 0, 1));
    let model = GptModel::new(cfg, Device::Cpu).unwrap();
    let recorded = model.config().plugin.clone().unwrap();
    assert_eq!(recorded.path, canonical);
    assert_eq!(recorded.sha256.unwrap().len(), 64);
}

fn plugin_run(lib: &Path) -> RunConfig {
    let mut cfg = tiny(10, 0.0);
    cfg.set("model.n_layer=3").unwrap();
    cfg.model.plugin = Some(PluginConfig::new(
        lib,
        serde_json::json!({"k": 1, "n": 2}),
        1,
        1,
    ));
    cfg
}

#[test]
fn a_swapped_plugin_library_is_refused_naming_both_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("libmodule.so");
    std::fs::copy(plugin_library("shared_depth"), &lib).unwrap();
    let run = tmp.path().join("run");
    Trainer::new(plugin_run(&lib), &run)
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    let saved = GptConfig::from_file(&RunDir::new(&run).checkpoint_dir(10).join("config.json"))
        .unwrap()
        .plugin
        .unwrap();
    let original = saved.sha256.clone().unwrap();
    // A new file in its place (overwriting the mapped file in place would crash this process).
    std::fs::remove_file(&lib).unwrap();
    std::fs::copy(plugin_library("fact_memory"), &lib).unwrap();
    let swapped = grokked::plugin::host::library_sha256(&lib).unwrap();
    let policy = LoadPolicy::data_only().allow_plugin(&lib);
    let resume = ResumeOptions {
        policy: policy.clone(),
        ..Default::default()
    };
    for err in [
        err_text(Trainer::resume_with(&run, &resume)),
        err_text(RunDir::new(&run).load_model_with(None, Device::Cpu, &policy)),
    ] {
        assert!(err.contains(&original) && err.contains(&swapped), "{err}");
    }
}

#[test]
fn a_second_writer_of_a_run_folder_fails_at_once_naming_the_holder() {
    if let Some(dir) = std::env::var_os("GROKKED_LOCK_PROBE") {
        // The second process: try to take the lock and report what happened.
        match RunDir::new(PathBuf::from(dir)).lock() {
            Ok(_) => println!("LOCK-PROBE: acquired"),
            Err(e) => println!("LOCK-PROBE: {e}"),
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trainer = Trainer::new(tiny(20, 0.0), dir.path()).unwrap();
    let probe = || {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_second_writer_of_a_run_folder_fails_at_once_naming_the_holder",
                "--nocapture",
            ])
            .env("GROKKED_LOCK_PROBE", dir.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = probe();
    assert!(
        text.contains("LOCK-PROBE") && text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    assert!(!text.contains("acquired"), "{text}");
    // Readers need no lock.
    assert!(RunDir::new(dir.path()).load().is_ok());
    drop(trainer);
    assert!(probe().contains("LOCK-PROBE: acquired"));
}

#[test]
fn a_config_that_does_not_describe_its_weights_is_refused() {
    // n_layer lowered: the file holds tensors the model would ignore.
    let dir = tempfile::tempdir().unwrap();
    model_folder(dir.path());
    edit_config(dir.path(), |v| v["n_layer"] = 1.into());
    let err = err_text(hf::load_folder(dir.path(), Device::Cpu));
    assert!(err.contains("n_layer"), "{err}");
    // n_head changed: every shape still fits, the recorded architecture does not.
    let dir = tempfile::tempdir().unwrap();
    model_folder(dir.path());
    edit_config(dir.path(), |v| v["n_head"] = 2.into());
    let err = err_text(hf::load_folder(dir.path(), Device::Cpu));
    assert!(
        err.contains("n_head = 4") && err.contains("n_head = 2"),
        "{err}"
    );
    // An extra tensor in a file written by another tool is named.
    let dir = tempfile::tempdir().unwrap();
    model_folder(dir.path());
    let weights = dir.path().join(hf::WEIGHTS_FILE);
    let mut tensors = read_tensors(&weights).unwrap();
    tensors.push((
        "transformer.h.7.mlp.c_fc.weight".into(),
        Tensor::zeros([2], (Kind::Float, Device::Cpu)),
    ));
    write_tensors(&weights, &tensors).unwrap();
    let err = err_text(hf::load_folder(dir.path(), Device::Cpu));
    assert!(
        err.contains("transformer.h.7.mlp.c_fc.weight") && err.contains("not in the model"),
        "{err}"
    );
}

#[test]
fn non_finite_weights_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_folder(dir.path());
    tch::no_grad(|| {
        let _ = model.vs.variables()["transformer.h.1.mlp.c_fc.weight"]
            .shallow_clone()
            .narrow(0, 0, 1)
            .fill_(f64::NAN);
    });
    hf::save_folder(&model, dir.path()).unwrap();
    let err = err_text(hf::load_folder(dir.path(), Device::Cpu));
    assert!(
        err.contains("transformer.h.1.mlp.c_fc.weight")
            && err.contains("non-finite")
            && err.contains("--allow-nonfinite"),
        "{err}"
    );
    let policy = LoadPolicy::data_only().allow_nonfinite(true);
    assert!(hf::load_folder_with(dir.path(), Device::Cpu, &policy).is_ok());
}

#[test]
fn checksums_are_verified_and_resume_falls_back_to_the_newest_intact_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunDir::new(dir.path());
    Trainer::new(tiny(40, 0.0), dir.path())
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    // Flip one weight inside the file: still a valid safetensors file, but not the saved one.
    let weights = run.checkpoint_dir(40).join(hf::WEIGHTS_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&weights, &bytes).unwrap();
    let explicit = ResumeOptions {
        checkpoint: Some(40),
        ..Default::default()
    };
    let err = err_text(Trainer::resume_with(dir.path(), &explicit));
    assert!(err.contains("SHA-256") && err.contains("step-40"), "{err}");
    let t = Trainer::resume(dir.path()).unwrap();
    assert_eq!(t.step, 20);
    assert!(
        t.notes.iter().any(|n| n.contains("step 40")),
        "{:?}",
        t.notes
    );
    drop(t);
    let earlier = ResumeOptions {
        checkpoint: Some(0),
        ..Default::default()
    };
    assert_eq!(Trainer::resume_with(dir.path(), &earlier).unwrap().step, 0);
}

#[test]
fn a_failed_resume_does_not_persist_its_settings() {
    let (dir, run) = tiny_run::trained_tiny_run(20);
    let before = std::fs::read_to_string(run.config_file()).unwrap();
    let opts = ResumeOptions {
        sets: vec!["lr=1e30".into(), "max_steps=40".into()],
        ..Default::default()
    };
    let mut t = Trainer::resume_with(dir.path(), &opts).unwrap();
    let err = t.run(&mut Silent).unwrap_err().to_string();
    assert!(err.contains("loss is"), "{err}");
    drop(t);
    assert_eq!(std::fs::read_to_string(run.config_file()).unwrap(), before);
    // A resume that gets as far as a checkpoint does keep its settings.
    let opts = ResumeOptions {
        sets: vec!["max_steps=40".into()],
        ..Default::default()
    };
    Trainer::resume_with(dir.path(), &opts)
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    assert_eq!(run.config().unwrap().train.max_steps, 40);
    // Model and data settings cannot change on a resumed run.
    let opts = ResumeOptions {
        sets: vec!["n_layer=3".into()],
        ..Default::default()
    };
    assert!(err_text(Trainer::resume_with(dir.path(), &opts)).contains("[train]"));
}

#[test]
fn stale_temporary_checkpoints_are_removed_at_the_next_start() {
    let (dir, run) = tiny_run::trained_tiny_run(20);
    let stale = [
        run.checkpoints_dir().join(".step-40.tmp-4242"),
        dir.path().join(".metrics.parquet.tmp-4242"),
    ];
    std::fs::create_dir_all(&stale[0]).unwrap();
    std::fs::write(stale[0].join("model.safetensors"), vec![0u8; 4096]).unwrap();
    std::fs::write(&stale[1], b"half a table").unwrap();
    let t = Trainer::resume(dir.path()).unwrap();
    assert!(stale.iter().all(|p| !p.exists()));
    assert_eq!(t.notes.len(), 2, "{:?}", t.notes);
}

#[test]
fn io_errors_keep_their_cause() {
    // A tmpfs of 64 KiB fills up while a task's tables are written.
    let mnt = tempfile::tempdir().unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(mnt.path())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        panic!(
            "this probe needs a small full disk: mounting a tmpfs failed (run the tests as root, \
             as CI does)"
        );
    }
    let data = CompositionSpec {
        entities: 400,
        relations: 20,
        out_degree: 10,
        phi: 4.0,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let err = folder::save(&data, &mnt.path().join("task"))
        .unwrap_err()
        .to_string();
    let _ = Command::new("umount").arg(mnt.path()).status();
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("task/"), "{err}");
}

#[test]
fn config_errors_name_the_field_and_the_expected_type() {
    let text = "name = \"x\"\n[data]\ntask = \"composition\"\n[train]\nlr = \"fast\"\n";
    let err = RunConfig::from_toml_str(text).unwrap_err().to_string();
    assert!(
        err.contains("`train.lr`") && err.contains("expected f64"),
        "{err}"
    );
    let text = "name = \"x\"\n[data]\ntask = \"composition\"\n[train]\nschedule = \"cosin\"\n";
    let err = RunConfig::from_toml_str(text).unwrap_err().to_string();
    assert!(err.contains("`train.schedule`"), "{err}");
    let err = GptConfig::from_json(r#"{"vocab_size": 10, "n_positions": "8"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`n_positions`") && err.contains("expected i64"),
        "{err}"
    );
}

#[test]
fn impossible_settings_are_errors_not_caps() {
    let spec = CompositionSpec {
        entities: 100,
        relations: 20,
        out_degree: 10,
        phi: 9.0,
        test_id_prob: 0.1,
        ..Default::default()
    };
    let err = spec.generate().unwrap_err().to_string();
    assert!(err.contains("phi") && err.contains("at most 8."), "{err}");
    let mut cfg = tiny(10, 0.0);
    assert!(cfg
        .set("betas=[0.9, 1.0]")
        .unwrap_err()
        .to_string()
        .contains("beta2"));
    assert!(cfg
        .set("betas=[-0.1, 0.99]")
        .unwrap_err()
        .to_string()
        .contains("beta1"));
    let err = cfg
        .set("train.eval={ dense_every = 0, dense_until = 100, sparse_every = 50 }")
        .unwrap_err()
        .to_string();
    assert!(err.contains("train.eval"), "{err}");
    assert!(cfg
        .set("train.eval={ dense_every = 10, dense_until = 100, sparse_every = 0 }")
        .is_err());
}

#[test]
fn csv_errors_quote_little_and_handle_bom_and_extra_columns() {
    let long = "x".repeat(5_000_000);
    let text = format!("{long},question,answer\nA.,B?,yes\n");
    let err = reasoning_csv::parse(&text, "long.csv")
        .unwrap_err()
        .to_string();
    assert!(err.len() < 600, "{} characters", err.len());
    assert!(err.contains("more characters"), "{}", &err[..300]);
    let bom = "\u{feff}premises,question,answer\nAll birds fly.,Can Tweety fly?,yes\n";
    assert_eq!(reasoning_csv::parse(bom, "bom.csv").unwrap().len(), 1);
    let extra = "premises,question,answer\nA.,B?,yes,surprise\n";
    let err = reasoning_csv::parse(extra, "extra.csv")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("extra.csv:2:11")
            && err.contains("extra column")
            && err.contains("surprise"),
        "{err}"
    );
}

#[test]
fn values_outside_the_schema_are_refused() {
    let bad = [
        ("premises,question,answer\nA.,B?,maybe\n", "answer `maybe`"),
        (
            "premises,question,answer,case,split\nA.,B?,yes,one_hop,dev\n",
            "split `dev`",
        ),
        (
            "premises,question,answer,case,split\nA.,B?,no,three_hop,train\n",
            "case `three_hop`",
        ),
    ];
    for (text, expected) in bad {
        let err = reasoning_csv::parse(text, "s.csv").unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
    // A token missing from vocab.json in the paper's released format.
    let dir = tempfile::tempdir().unwrap();
    let data = CompositionSpec {
        entities: 20,
        relations: 4,
        out_degree: 2,
        phi: 1.5,
        ..Default::default()
    }
    .generate()
    .unwrap();
    official_json::write(&data, dir.path()).unwrap();
    let train = dir.path().join("train.json");
    let text = std::fs::read_to_string(&train)
        .unwrap()
        .replace("<e_1>", "<e_999>");
    std::fs::write(&train, text).unwrap();
    let err = official_json::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("<e_999>") && err.contains("vocab.json"),
        "{err}"
    );
}

#[test]
fn the_gpt2_tokenizer_files_ship_with_the_repository() {
    let root = support::workspace_root().join("datasets/gpt2");
    let license = std::fs::read_to_string(root.join("LICENSE")).unwrap();
    for file in ["encoder.json", "vocab.bpe"] {
        let hash = grokked::model::fsutil::sha256_file(&root.join(file)).unwrap();
        assert!(
            license.contains(&format!("{hash} {file}")),
            "{file}: {hash}"
        );
    }
    let tok = Gpt2Tokenizer::gpt2().unwrap();
    let vocab: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("encoder.json")).unwrap()).unwrap();
    assert_eq!(
        tok.encode("Hello world").unwrap(),
        vec![
            vocab["Hello"].as_i64().unwrap(),
            vocab["\u{120}world"].as_i64().unwrap()
        ]
    );
}
