//! The reliability probes that go through the command line: consent for plugin libraries named by
//! model and run folders (`--allow-plugin`), broken models that `eval` must not score
//! (`--allow-nonfinite`), one writer per run folder, and `generate`'s argument checks. The
//! library-level probes are in the workspace's `tests/reliability.rs`.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_model::{hf, GptConfig, GptModel, GptSize};
use grokked_train::RunDir;
use std::path::Path;
use std::process::{Command, Output};
use support::{constructor_marker, plugin_library, success_stdout};

fn grokked() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grokked"));
    cmd.env("RUST_BACKTRACE", "0");
    cmd
}

/// Runs `cmd` and returns its output with whether the marker fixture's constructor ran in it.
fn run_watching_marker(cmd: &mut Command) -> (Output, bool) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let marker = constructor_marker(child.id());
    let out = child.wait_with_output().unwrap();
    let ran = marker.exists();
    let _ = std::fs::remove_file(marker);
    (out, ran)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const TINY_RUN: &str = r#"
name = "tiny-plugin"
[data]
task = "composition"
entities = 20
relations = 4
out_degree = 2
phi = 1.5
[model]
n_layer = 2
n_embd = 16
n_head = 2
dropout = 0.0
[train]
lr = 3e-3
batch_size = 32
warmup_steps = 0
device = "cpu"
max_steps = 4
eval = { dense_every = 2, dense_until = 4, sparse_every = 2 }
checkpoint = { dense_every = 2, dense_until = 4, sparse_every = 2 }
"#;

#[test]
fn run_and_model_folders_load_a_plugin_only_with_consent() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = plugin_library("fixture_constructor_marker");
    let config = tmp.path().join("run.toml");
    let plugin = format!(
        "[model.plugin]\npath = {:?}\nafter_layer = 1\nreplace = 0\n",
        lib.to_str().unwrap()
    );
    std::fs::write(&config, format!("{TINY_RUN}{plugin}")).unwrap();
    let run = tmp.path().join("run");
    // Training with a plugin in one's own config is consent.
    let (out, ran) = run_watching_marker(grokked().args([
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ran, "training loads the plugin its own config names");

    let checkpoint = RunDir::new(&run).checkpoint_dir(4);
    let run_s = run.to_str().unwrap();
    let refused: [Vec<&str>; 4] = [
        vec!["eval", "--run", run_s],
        vec!["analyze", "--run", run_s, "--lens", "--examples", "5"],
        vec!["train", "--resume", run_s, "--set", "max_steps=6"],
        vec![
            "generate",
            "--model",
            checkpoint.to_str().unwrap(),
            "--prompt",
            "<e_1>",
        ],
    ];
    for args in &refused {
        let (out, ran) = run_watching_marker(grokked().args(args));
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains("--allow-plugin"), "{args:?}: {err}");
        assert!(
            !ran,
            "{args:?} ran the library's constructor without consent"
        );
    }
    let (out, ran) = run_watching_marker(grokked().args([
        "eval",
        "--run",
        run_s,
        "--allow-plugin",
        lib.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ran);
}

/// A tiny trained run whose last checkpoint (step 4) has NaN weights in one tensor, saved as a
/// diverged run would save them (the recorded SHA-256 is theirs).
fn broken_run(dir: &Path) {
    let config = dir.join("run.toml");
    std::fs::write(&config, TINY_RUN).unwrap();
    let run = dir.join("run");
    success_stdout(grokked().args([
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]));
    let ckpt = RunDir::new(&run).checkpoint_dir(4);
    let model = hf::load_folder(&ckpt, tch::Device::Cpu).unwrap();
    tch::no_grad(|| {
        let _ = model.vs.variables()["transformer.h.0.attn.c_attn.weight"]
            .shallow_clone()
            .fill_(f64::NAN);
    });
    hf::save_folder(&model, &ckpt).unwrap();
    let state_path = ckpt.join("trainer_state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    state["weights_sha256"] = grokked_model::fsutil::sha256_file(&ckpt.join(hf::WEIGHTS_FILE))
        .unwrap()
        .into();
    std::fs::write(&state_path, state.to_string()).unwrap();
}

#[test]
fn eval_never_scores_a_broken_or_misdescribed_model() {
    let tmp = tempfile::tempdir().unwrap();
    broken_run(tmp.path());
    let run = tmp.path().join("run");
    let run_s = run.to_str().unwrap();
    let out = grokked().args(["eval", "--run", run_s]).output().unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("transformer.h.0.attn.c_attn.weight") && err.contains("non-finite"),
        "{err}"
    );
    let out = grokked()
        .args(["eval", "--run", run_s, "--allow-nonfinite"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // A config.json that claims one layer of a two-layer checkpoint.
    let ckpt = RunDir::new(&run).checkpoint_dir(2);
    let cfg_path = ckpt.join(hf::CONFIG_FILE);
    let mut cfg = GptConfig::from_file(&cfg_path).unwrap();
    cfg.n_layer = 1;
    cfg.save(&cfg_path).unwrap();
    let out = grokked()
        .args(["eval", "--run", run_s, "--checkpoint", "2"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("n_layer"), "{err}");
}

#[test]
fn a_second_train_on_a_locked_run_fails_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("run.toml");
    std::fs::write(&config, TINY_RUN).unwrap();
    let run = tmp.path().join("run");
    success_stdout(grokked().args([
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]));
    let lock = RunDir::new(&run).lock().unwrap();
    let out = grokked()
        .args([
            "train",
            "--resume",
            run.to_str().unwrap(),
            "--set",
            "max_steps=8",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("process {}", std::process::id())),
        "{err}"
    );
    drop(lock);
    success_stdout(grokked().args([
        "train",
        "--resume",
        run.to_str().unwrap(),
        "--set",
        "max_steps=8",
    ]));
}

#[test]
fn generate_refuses_arguments_it_would_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let model = GptModel::new(
        GptConfig::new(GptSize {
            vocab_size: 50257,
            n_positions: 16,
            n_layer: 1,
            n_embd: 8,
            n_head: 2,
        }),
        tch::Device::Cpu,
    )
    .unwrap();
    hf::save_folder(&model, dir.path()).unwrap();
    let d = dir.path().to_str().unwrap();
    let base = ["generate", "--model", d, "--prompt", "The quick brown fox"];
    let out = grokked()
        .args(base)
        .args(["--max-length", "4"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("--max-length 4"),
        "{err}"
    );
    for flag in [
        ["--top-p", "0.9"],
        ["--temperature", "0.5"],
        ["--top-k", "3"],
        ["--seed", "1"],
    ] {
        let out = grokked().args(base).args(flag).output().unwrap();
        let err = stderr(&out);
        assert!(
            !out.status.success() && err.contains("--sample"),
            "{flag:?}: {err}"
        );
    }
    success_stdout(grokked().args(base).args(["--max-length", "6"]));
}

/// Output piped into a reader that has gone (`grokked sweep status DIR | head -1`) ends the
/// command quietly instead of a panic about a broken pipe.
#[test]
fn a_closed_pipe_on_stdout_ends_the_command_without_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/results/hops");
    let out = grokked()
        .args(["sweep", "status"])
        .arg(&results)
        .stdout(writer)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    // Ended by the signal, as `cat` would be.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}
