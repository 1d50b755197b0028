//! A folder from elsewhere cannot hurt you: the hostile-input probes that go through the
//! command line. A symlinked lock, a bit-flipped checkpoint, sizes beyond memory, bad and
//! duplicate sweep points, refused writers, plugin hash pins, values that mean nothing and the
//! messages that must name what is wrong. Each test failed before the fix it guards.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_train::RunDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{plugin_library, success_stdout};

fn grokked() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grokked"));
    cmd.env("RUST_BACKTRACE", "0");
    cmd
}

/// Runs the binary with `args` and returns its output.
fn exec(args: &[&str]) -> Output {
    grokked().args(args).output().expect("start grokked")
}

/// The stderr of a run that must fail cleanly: a non-zero exit and no panic.
fn refused(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected a refusal; stdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "a panic, not an error:\n{err}");
    err
}

const TINY: &str = r#"
name = "tiny"
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

/// Writes `text` as a config in `dir` and returns its path.
fn config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("run.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A tiny trained run in `dir/NAME`, with `sets` applied.
fn tiny_run(dir: &Path, name: &str, sets: &[&str]) -> PathBuf {
    let cfg = config(dir, TINY);
    let out = dir.join(name);
    let mut cmd = grokked();
    cmd.args(["train", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    success_stdout(&mut cmd);
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_symlinked_lock_is_refused_and_its_target_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tiny_run(tmp.path(), "run", &[]);
    let precious = tmp.path().join("bashrc");
    std::fs::write(&precious, "export KEEP=1\n").unwrap();
    let lock = RunDir::new(&run).lock_file();
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&precious, &lock).unwrap();
    let err = refused(&exec(&[
        "train",
        "--resume",
        s(&run),
        "--set",
        "max_steps=6",
    ]));
    assert!(
        err.contains("symbolic link") && err.contains(".lock"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "export KEEP=1\n"
    );
    // A hard link to a file of the user's is refused the same way.
    std::fs::remove_file(&lock).unwrap();
    std::fs::hard_link(&precious, &lock).unwrap();
    let err = refused(&exec(&[
        "train",
        "--resume",
        s(&run),
        "--set",
        "max_steps=6",
    ]));
    assert!(err.contains("hard link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "export KEEP=1\n"
    );
}

#[test]
fn sweep_status_writes_nothing_and_works_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("base.toml"), TINY).unwrap();
    let spec = tmp.path().join("spec.toml");
    std::fs::write(&spec, "name = \"st\"\nbase = \"base.toml\"\nseeds = [0]\n").unwrap();
    let out = tmp.path().join("sweep");
    success_stdout(grokked().args(["sweep", "run", s(&spec), "--out", s(&out)]));
    // An unfinished point (no outcome recorded) whose lock links to a file of the user's.
    let point = out.join("points/seed-0");
    std::fs::remove_file(point.join("sweep_status.json")).unwrap();
    let lock = RunDir::new(&point).lock_file();
    let precious = tmp.path().join("profile");
    std::fs::write(&precious, "keep").unwrap();
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&precious, &lock).unwrap();
    let listing = |dir: &Path| -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let mut all = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let meta = std::fs::symlink_metadata(e.path()).unwrap();
                if meta.is_dir() {
                    stack.push(e.path());
                }
                all.push((e.path(), meta.len(), meta.modified().unwrap()));
            }
        }
        all.sort();
        all
    };
    let before = listing(&out);
    let text = success_stdout(grokked().args(["sweep", "status", s(&out)]));
    assert!(text.contains("interrupted"), "{text}");
    assert_eq!(listing(&out), before, "sweep status changed the folder");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep");
    // A lock held by a live writer reads as running, without being taken.
    std::fs::remove_file(&lock).unwrap();
    let held = RunDir::new(&point).lock().unwrap();
    let text = success_stdout(grokked().args(["sweep", "status", s(&out)]));
    assert!(text.contains("running"), "{text}");
    drop(held);
}

#[test]
fn eval_and_generate_refuse_weights_that_fail_their_recorded_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tiny_run(tmp.path(), "run", &[]);
    let ckpt = RunDir::new(&run).checkpoint_dir(4);
    let weights = ckpt.join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x10;
    std::fs::write(&weights, &bytes).unwrap();
    let err = refused(&exec(&["eval", "--run", s(&run)]));
    assert!(
        err.contains("SHA-256") && err.contains("--allow-hash-mismatch"),
        "{err}"
    );
    let err = refused(&exec(&[
        "generate",
        "--model",
        s(&ckpt),
        "--prompt",
        "<e_1>",
        "--max-length",
        "3",
    ]));
    assert!(err.contains("SHA-256"), "{err}");
    // For forensics, the flag scores it anyway.
    success_stdout(grokked().args(["eval", "--run", s(&run), "--allow-hash-mismatch"]));
    // An older, intact checkpoint still evaluates.
    success_stdout(grokked().args(["eval", "--run", s(&run), "--checkpoint", "2"]));
}

#[test]
fn sizes_beyond_memory_and_zero_heads_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), TINY);
    let err = refused(&exec(&[
        "train",
        "--config",
        s(&cfg),
        "--set",
        "model.n_head=0",
        "--out",
        s(&tmp.path().join("a")),
    ]));
    assert!(err.contains("model.n_head"), "{err}");
    let err = refused(&exec(&[
        "train",
        "--config",
        s(&cfg),
        "--set",
        "model.n_embd=100000000",
        "--out",
        s(&tmp.path().join("b")),
    ]));
    assert!(err.contains("would need"), "{err}");
    // A checkpoint whose config.json claims a huge vocabulary: refused before allocation.
    let run_dir = tiny_run(tmp.path(), "run", &[]);
    let ckpt = RunDir::new(&run_dir).checkpoint_dir(4);
    for (field, value) in [
        ("vocab_size", 1u64 << 40),
        ("n_embd", 1 << 40),
        ("n_positions", 1 << 40),
        ("n_layer", 1 << 40),
    ] {
        let path = ckpt.join("config.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let original = json[field].clone();
        json[field] = value.into();
        std::fs::write(&path, json.to_string()).unwrap();
        let err = refused(&exec(&["eval", "--run", s(&run_dir)]));
        assert!(err.contains(field), "{field}: {err}");
        json[field] = original;
        std::fs::write(&path, json.to_string()).unwrap();
    }
    let err = refused(&exec(&[
        "data",
        "gen",
        "--task",
        "composition",
        "--entities",
        "1000000000000",
        "--out",
        s(&tmp.path().join("d")),
    ]));
    assert!(err.contains("entities"), "{err}");
    let err = refused(&exec(&[
        "lens",
        "ig",
        "--model",
        s(&ckpt),
        "--ids",
        "1 2",
        "--position",
        "1",
        "--target",
        "3",
        "--steps",
        "1000000000",
    ]));
    assert!(err.contains("n_steps") && err.contains("limit"), "{err}");
}

#[test]
fn a_bad_sweep_is_refused_whole_before_any_point_starts() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("base.toml"), TINY).unwrap();
    let cases = [
        ("[grid]\n\"train.lrr\" = [0.1, 0.2]\n", "lrr"),
        ("[grid]\n\"model.n_head\" = [0, 2, 3]\n", "model.n_head"),
        ("seeds = [0, 0]\n", "same point"),
        ("[grid]\n\"train.lr\" = [0.1, 0.10]\n", "same point"),
        ("[grid]\n\"train.lr\" = [0.001, 1e-3]\n", "same point"),
    ];
    for (i, (body, expect)) in cases.iter().enumerate() {
        let spec = tmp.path().join(format!("spec{i}.toml"));
        let seeds = if body.starts_with("seeds") {
            ""
        } else {
            "seeds = [0]\n"
        };
        std::fs::write(
            &spec,
            format!("name = \"bad\"\nbase = \"base.toml\"\n{seeds}{body}"),
        )
        .unwrap();
        let out = tmp.path().join(format!("out{i}"));
        let err = refused(&exec(&["sweep", "run", s(&spec), "--out", s(&out)]));
        assert!(
            err.contains(expect) && err.contains("none was started"),
            "{body}: {err}"
        );
        assert!(
            !out.exists(),
            "{body}: the refused sweep wrote {}",
            out.display()
        );
    }
    // Every bad point is listed at once: n_head 0 and 3 both.
    let spec = tmp.path().join("spec1.toml");
    let err = refused(&exec(&[
        "sweep",
        "run",
        s(&spec),
        "--out",
        s(&tmp.path().join("again")),
    ]));
    assert!(
        err.contains("n-head-0") && err.contains("n-head-3") && err.contains("2 problem"),
        "{err}"
    );
}

#[test]
fn a_writer_refused_by_the_lock_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("base.toml"), TINY).unwrap();
    let spec = tmp.path().join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"lk\"\nbase = \"base.toml\"\nseeds = [0, 1]\n",
    )
    .unwrap();
    let out = tmp.path().join("sweep");
    // The folder exists with its spec; point seed-0 is held by "another" writer (this process).
    success_stdout(grokked().args([
        "sweep",
        "run",
        s(&spec),
        "--out",
        s(&out),
        "--set",
        "max_steps=2",
    ]));
    let point = out.join("points/seed-0");
    std::fs::remove_file(point.join("sweep_status.json")).unwrap();
    let status_before = std::fs::read_dir(&point).unwrap().count();
    let runs_before = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    let held = RunDir::new(&point).lock().unwrap();
    let err = refused(&exec(&["sweep", "point", s(&out), "--name", "seed-0"]));
    assert!(err.contains("being written by process"), "{err}");
    assert!(
        !point.join("sweep_status.json").exists(),
        "the refused point recorded a status"
    );
    assert_eq!(std::fs::read_dir(&point).unwrap().count(), status_before);
    let err = refused(&exec(&[
        "sweep",
        "run",
        s(&spec),
        "--out",
        s(&out),
        "--set",
        "max_steps=2",
    ]));
    assert!(err.contains("being trained by another process"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("runs.jsonl")).unwrap(),
        runs_before
    );
    drop(held);
}

/// A copy of the plugin library `name` at `dest`.
fn library_copy(name: &str, dest: &Path) -> PathBuf {
    std::fs::copy(plugin_library(name), dest).unwrap();
    dest.to_path_buf()
}

const PLUGIN: &str = "[model.plugin]\nafter_layer = 1\nreplace = 1\noptions = { n = 2 }\n";

#[test]
fn the_plugin_hash_is_taken_from_the_newest_parsing_checkpoint_and_pins_are_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = library_copy("shared_depth", &tmp.path().join("libmodule.so"));
    let with_plugin = format!("{TINY}{PLUGIN}path = {:?}\n", s(&lib));
    let cfg = config(tmp.path(), &with_plugin);
    let run_dir = tmp.path().join("run");
    success_stdout(grokked().args(["train", "--config", s(&cfg), "--out", s(&run_dir)]));
    // The newest checkpoint's config.json is unreadable and the library is swapped.
    std::fs::write(
        RunDir::new(&run_dir).checkpoint_dir(4).join("config.json"),
        "{ broken",
    )
    .unwrap();
    library_copy("fact_memory", &lib);
    let err = refused(&exec(&[
        "train",
        "--resume",
        s(&run_dir),
        "--allow-plugin",
        s(&lib),
        "--set",
        "max_steps=6",
    ]));
    assert!(err.contains("SHA-256") || err.contains("sha256"), "{err}");
    // A pin in [model.plugin] is honoured: a library with another hash is refused.
    library_copy("shared_depth", &lib);
    let pinned = format!("{with_plugin}sha256 = \"{}\"\n", "0".repeat(64));
    let cfg = config(tmp.path(), &pinned);
    let err = refused(&exec(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&tmp.path().join("pinned")),
    ]));
    assert!(err.contains("0000000000"), "{err}");
    // A plugin named only in config.toml is not silently dropped by eval.
    let plain = tiny_run(tmp.path(), "plain", &[]);
    let toml = std::fs::read_to_string(plain.join("config.toml")).unwrap();
    std::fs::write(
        plain.join("config.toml"),
        format!("{toml}\n{PLUGIN}path = {:?}\n", s(&lib)),
    )
    .unwrap();
    let err = refused(&exec(&[
        "eval",
        "--run",
        s(&plain),
        "--allow-plugin",
        s(&lib),
    ]));
    assert!(err.contains("names no plugin"), "{err}");
    let err = refused(&exec(&["eval", "--run", s(&plain)]));
    assert!(err.contains("--allow-plugin"), "{err}");
}

#[test]
fn values_that_mean_nothing_are_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), TINY);
    let out = s(&tmp.path().join("never")).to_string();
    for (set, field) in [
        ("train.betas=[0.9, 0.99, 0.5]", "betas"),
        ("train.weight_decay=-0.1", "train.weight_decay"),
        ("train.grad_clip=-1", "train.grad_clip"),
        (
            "train.grokfast={ alpha = 2.0, lambda = 1.0 }",
            "train.grokfast.alpha",
        ),
        ("train.muon={ ns_steps = 0 }", "train.muon.ns_steps"),
        ("name=\"../../x\"", "name"),
        ("train.eval_batch_size=0", "train.eval_batch_size"),
        ("train.lr=inf", "train.lr"),
    ] {
        let err = refused(&exec(&[
            "train",
            "--config",
            s(&cfg),
            "--set",
            set,
            "--out",
            &out,
        ]));
        assert!(err.contains(field), "{set}: {err}");
    }
    assert!(!Path::new(&out).exists());
    let err = refused(&exec(&["train", "--config", s(&cfg), "--checkpoint", "2"]));
    assert!(err.contains("--resume"), "{err}");
    let gen = |task: &str, flag: &str, value: &str| {
        exec(&[
            "data",
            "gen",
            "--task",
            task,
            flag,
            value,
            "--out",
            s(&tmp.path().join("g")),
        ])
    };
    for (task, flag, value, field) in [
        ("complex", "--train-ratio", "5", "train_ratio"),
        ("comparison", "--values", "1", "values"),
        ("comparison", "--id-ratio", "0", "id_ratio"),
        ("composition", "--max-test", "0", "max_test"),
        ("rules", "--rows", "0", "rows"),
        ("complex", "--queries-per-label", "0", "queries_per_label"),
        ("composition", "--entities", "-5", "-5"),
    ] {
        let err = refused(&gen(task, flag, value));
        assert!(err.contains(field), "{flag} {value}: {err}");
    }
    // A task folder whose vocab.json lists a token twice; CSVs with a repeated column or text
    // after a closing quote.
    success_stdout(grokked().args([
        "data",
        "gen",
        "--task",
        "composition",
        "--entities",
        "20",
        "--relations",
        "4",
        "--out-degree",
        "2",
        "--phi",
        "1.5",
        "--out",
        s(&tmp.path().join("task")),
    ]));
    let vocab = tmp.path().join("task/vocab.json");
    let mut tokens: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&vocab).unwrap()).unwrap();
    tokens.push(tokens[3].clone());
    std::fs::write(&vocab, serde_json::to_string(&tokens).unwrap()).unwrap();
    let err = refused(&exec(&["data", "stats", s(&tmp.path().join("task"))]));
    assert!(
        err.contains("vocab.json") && err.contains(&tokens[3]),
        "{err}"
    );
    for (name, text, expect) in [
        (
            "dup.csv",
            "premises,question,answer,answer\na,b,yes,no\n",
            "appears twice",
        ),
        (
            "quote.csv",
            "premises,question,answer\n\"a\"b,c,yes\n",
            "after a closing quote",
        ),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = refused(&exec(&["data", "stats", s(&path)]));
        assert!(err.contains(name) && err.contains(expect), "{err}");
    }
    let run_dir = tiny_run(tmp.path(), "run", &[]);
    let ckpt = RunDir::new(&run_dir).checkpoint_dir(4);
    let err = refused(&exec(&[
        "lens",
        "logit-lens",
        "--model",
        s(&ckpt),
        "--ids",
        "1 2",
        "--top",
        "0",
    ]));
    assert!(err.contains("top"), "{err}");
    // generate on a task model names the word it cannot encode and the tokenizer's file.
    let err = refused(&exec(&[
        "generate",
        "--model",
        s(&ckpt),
        "--prompt",
        "hello world",
        "--max-length",
        "4",
    ]));
    assert!(
        err.contains("`hello`") && err.contains("tokenizer.json"),
        "{err}"
    );
}

#[test]
fn a_resumed_run_writes_checkpoints_byte_identical_to_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tiny_run(tmp.path(), "whole", &[]);
    let part = tiny_run(tmp.path(), "part", &["max_steps=2"]);
    success_stdout(grokked().args(["train", "--resume", s(&part), "--set", "max_steps=4"]));
    let files = |run: &Path| -> Vec<(String, Vec<u8>)> {
        let dir = RunDir::new(run).checkpoint_dir(4);
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let (a, b) = (files(&whole), files(&part));
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the uninterrupted and the resumed run"
        );
    }
}
