//! A new plugin author's path, end to end: `grokked plugin new` into a temporary folder, the
//! crate's own `cargo test` and `cargo build`, `plugin inspect`, a tiny run trained with it from a
//! config that names the library relative to itself, evaluation with consent, the logit lens and
//! a cache on the plugin's own sites, and a rebuild that locks the run until `--accept-rebuilt`.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::success_stdout;

fn grokked() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grokked"))
}

/// The cargo target folder the tests were built in (`TARGET/debug/grokked`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_grokked"))
        .ancestors()
        .nth(2)
        .expect("TARGET/debug/grokked")
        .to_path_buf()
}

/// `cargo ARGS` in `dir`, with the venv's python first on PATH (torch-sys finds libtorch there).
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let venv_bin = support::python().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(venv_bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap()
}

fn ok(out: Output, what: &str) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

fn failed(out: Output) -> String {
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const RUN_CONFIG: &str = r#"
name = "looped"
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
[model.plugin]
# Relative to this file's folder, not to the working directory.
path = "../libs/libloop_gate.so"
options = { loops = 3 }
after_layer = 1
[train]
batch_size = 32
warmup_steps = 0
device = "cpu"
max_steps = 6
eval = { dense_every = 3, dense_until = 6, sparse_every = 3 }
checkpoint = { dense_every = 6, dense_until = 6, sparse_every = 6 }
"#;

#[test]
fn a_new_author_goes_from_plugin_new_to_a_lens_on_the_plugins_own_sites() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let created = success_stdout(
        grokked()
            .args(["plugin", "new", "loop-gate", "--dir"])
            .arg(root)
            .env("CARGO_TARGET_DIR", target_dir()),
    );
    let krate = root.join("loop-gate");
    assert!(
        created.contains("created") && krate.join("Cargo.lock").is_file(),
        "{created}"
    );
    let again = failed(
        grokked()
            .args(["plugin", "new", "loop-gate", "--dir"])
            .arg(root)
            .output()
            .unwrap(),
    );
    assert!(again.contains("already exists"), "{again}");

    // The crate tests and builds as it is.
    let tested = ok(cargo(&krate, &["test", "--offline"]), "cargo test");
    assert!(tested.contains("2 passed"), "{tested}");
    ok(cargo(&krate, &["build", "--offline"]), "cargo build");
    let built = target_dir().join("debug/libloop_gate.so");
    let libs = root.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    let lib = libs.join("libloop_gate.so");
    std::fs::copy(&built, &lib).unwrap();

    let inspected = success_stdout(grokked().args(["plugin", "inspect"]).arg(&lib));
    for expected in [
        "plugin loop-gate",
        "loops = 2",
        "widen = 4",
        "plugin.loop.1.out",
        "sha256",
    ] {
        assert!(inspected.contains(expected), "{expected}:\n{inspected}");
    }

    // Train from another working directory: the config's relative path still finds the library.
    let cfg_dir = root.join("configs");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(cfg_dir.join("looped.toml"), RUN_CONFIG).unwrap();
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run = root.join("run");
    success_stdout(
        grokked()
            .current_dir(&elsewhere)
            .args(["train", "--config", "../configs/looped.toml", "--out"])
            .arg(&run),
    );
    let refused = failed(
        grokked()
            .args(["eval", "--run"])
            .arg(&run)
            .output()
            .unwrap(),
    );
    assert!(refused.contains("--allow-plugin"), "{refused}");
    // `eval` of the run, with consent to load the library, and EXTRA flags.
    let eval = |extra: &[&str]| {
        let mut cmd = grokked();
        cmd.args(["eval", "--run"])
            .arg(&run)
            .arg("--allow-plugin")
            .arg(&lib)
            .args(extra);
        cmd
    };
    let evaluated = success_stdout(&mut eval(&[]));
    assert!(evaluated.contains("test_inferred_id"), "{evaluated}");

    // The lens reads the plugin loop by loop, by its sites' names.
    let ckpt = run.join("checkpoints/step-6");
    // `lens logit-lens` on the last checkpoint, top token only, with EXTRA flags.
    let logit_lens = |extra: &[&str]| {
        let mut cmd = grokked();
        cmd.args([
            "lens",
            "logit-lens",
            "--ids",
            "1 21 22",
            "--top",
            "1",
            "--model",
        ])
        .arg(&ckpt)
        .arg("--allow-plugin")
        .arg(&lib)
        .args(extra);
        cmd
    };
    let lens = success_stdout(&mut logit_lens(&[]));
    for site in ["plugin.loop.0.out", "plugin.loop.2.out", "plugin.hook_out"] {
        assert!(lens.contains(&format!("({site})")), "{site}:\n{lens}");
    }
    let cache = root.join("cache.safetensors");
    success_stdout(
        grokked()
            .args([
                "lens",
                "cache",
                "--ids",
                "1 21 22",
                "--site",
                "plugin.loop.1.out",
                "--model",
            ])
            .arg(&ckpt)
            .arg("--allow-plugin")
            .arg(&lib)
            .arg("--out")
            .arg(&cache),
    );
    let cached = grokked_model::safetensors_io::read_tensors(&cache).unwrap();
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].0, "plugin.loop.1.out");
    assert_eq!(cached[0].1.size(), [1, 3, 16]);
    let unknown = failed(
        grokked()
            .args([
                "lens",
                "cache",
                "--ids",
                "1 2",
                "--site",
                "plugin.loop.7.out",
                "--model",
            ])
            .arg(&ckpt)
            .arg("--allow-plugin")
            .arg(&lib)
            .arg("--out")
            .arg(&cache)
            .output()
            .unwrap(),
    );
    assert!(
        unknown.contains("plugin.loop.0.out, plugin.loop.1.out, plugin.loop.2.out"),
        "{unknown}"
    );

    // More loops at inference: the plugin's option, for this command only.
    let loops = ["--set", "model.plugin.options.loops=5"];
    let more = success_stdout(&mut logit_lens(&loops));
    assert!(more.contains("(plugin.loop.4.out)"), "{more}");
    success_stdout(&mut eval(&loops));

    // A rebuilt library locks the run by default; --accept-rebuilt opens it and says what changed.
    let lib_rs = krate.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib_rs).unwrap();
    std::fs::write(&lib_rs, source.replace("gelu(\"tanh\")", "gelu(\"none\")")).unwrap();
    ok(
        cargo(&krate, &["build", "--offline"]),
        "cargo build after the change",
    );
    std::fs::copy(&built, &lib).unwrap();
    let locked = failed(eval(&[]).output().unwrap());
    assert!(
        locked.contains("SHA-256") && locked.contains("not the library"),
        "{locked}"
    );
    let opened = eval(&["--accept-rebuilt"]).output().unwrap();
    let note = String::from_utf8_lossy(&opened.stderr).into_owned();
    assert!(opened.status.success(), "{note}");
    assert!(
        note.contains("was rebuilt") && note.contains("then,") && note.contains("now"),
        "{note}"
    );
}
