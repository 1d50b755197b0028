//! `grokked plugin inspect` on the example and fixture plugins (built by the test command).

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::process::Command;
use support::{plugin_library as library, success_stdout};

#[test]
fn inspect_prints_declaration_and_parameters_and_refuses_wrong_abi() {
    let text = success_stdout(Command::new(env!("CARGO_BIN_EXE_grokked")).args([
        "plugin",
        "inspect",
        library("shared_depth").to_str().unwrap(),
        "--options",
        r#"{"k": 3, "n": 2}"#,
        "--n-embd",
        "8",
    ]));
    assert!(
        text.contains("plugin shared-depth") && text.contains("libtorch  2.11.0"),
        "{text}"
    );
    // 3 blocks x (2 LayerNorms x 16 + c_attn 8x24+24 + c_proj 8x8+8 + c_fc 8x32+32 + proj 32x8+8) = 3 x 872
    assert!(
        text.contains("h.2.mlp.c_proj.weight") && text.contains("(2616 scalars)"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args([
            "plugin",
            "inspect",
            library("fixture_wrong_abi").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plugin ABI 999"), "{stderr}");
    // The refused library's build record is still printed.
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in [
        "ABI       999",
        "SDK       ",
        "rustc     rustc ",
        "sha256    ",
        "built     ",
    ] {
        assert!(stdout.contains(line), "{line}:\n{stdout}");
    }
    assert!(
        stdout.contains("refused: built for another host"),
        "{stdout}"
    );
}

#[test]
fn inspect_prints_the_options_with_their_defaults_and_the_declared_sites() {
    let text = success_stdout(Command::new(env!("CARGO_BIN_EXE_grokked")).args([
        "plugin",
        "inspect",
        library("shared_depth").to_str().unwrap(),
        "--options",
        r#"{"n": 3}"#,
    ]));
    for expected in [
        "k = 2  (integer)",
        "n = 2  (integer)",
        "plugin.loop.0.out",
        "plugin.loop.2.out",
        "residual stream",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args([
            "plugin",
            "inspect",
            library("shared_depth").to_str().unwrap(),
            "--options",
            r#"{"loop": 2}"#,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown option `loop` (known options: k, n)"),
        "{stderr}"
    );
}

#[test]
fn the_shared_depth_bench_script_passes_its_consent_to_eval() {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_grokked"))
        .parent()
        .unwrap()
        .to_path_buf();
    let out_dir = tempfile::tempdir().unwrap();
    let root = support::workspace_root();
    let text = success_stdout(
        Command::new(root.join("bench/experiments/shared_depth.sh"))
            .args(["4", out_dir.path().to_str().unwrap()])
            .env("GROKKED_BIN_DIR", &bin),
    );
    // Both runs are evaluated: the plain one and, with --allow-plugin, the shared-depth one.
    assert_eq!(text.matches("test_inferred_ood").count(), 2, "{text}");
}

/// A sweep copies its base configs into the sweep folder: a relative plugin path there must
/// still reach the library (rebased from the new folder), and export ships it rebased again.
#[test]
fn a_sweep_reaches_a_plugin_named_by_a_relative_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (configs, libs) = (tmp.path().join("specs/configs"), tmp.path().join("libs"));
    std::fs::create_dir_all(&configs).unwrap();
    std::fs::create_dir_all(&libs).unwrap();
    std::fs::copy(library("shared_depth"), libs.join("libshared_depth.so")).unwrap();
    std::fs::write(
        configs.join("looped.toml"),
        r#"name = "looped"
[data]
task = "composition"
entities = 20
relations = 4
out_degree = 2
phi = 1.0
[model]
n_layer = 2
n_embd = 16
n_head = 2
[model.plugin]
path = "../../libs/libshared_depth.so"
options = { k = 1, n = 2 }
after_layer = 0
replace = 2
[train]
batch_size = 32
max_steps = 2
device = "cpu"
eval = { dense_every = 2, dense_until = 0, sparse_every = 2 }
checkpoint = { dense_every = 0, dense_until = 0, sparse_every = 2 }
"#,
    )
    .unwrap();
    let spec = tmp.path().join("specs/s.toml");
    std::fs::write(
        &spec,
        "name = \"s\"\nbase = \"configs/looped.toml\"\nseeds = [0]\n",
    )
    .unwrap();
    let out = tmp.path().join("runs/sweeps/s");
    success_stdout(
        Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args(["sweep", "run"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .args(["--jobs", "1", "--threads", "1"]),
    );
    let base = std::fs::read_to_string(out.join("base.toml")).unwrap();
    assert!(
        base.contains("path = \"../../../libs/libshared_depth.so\""),
        "{base}"
    );
    let shipped = tmp.path().join("results/s");
    success_stdout(
        Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args(["sweep", "export"])
            .arg(&out)
            .arg(&shipped),
    );
    let base = std::fs::read_to_string(shipped.join("base.toml")).unwrap();
    assert!(
        base.contains("path = \"../../libs/libshared_depth.so\""),
        "{base}"
    );
}
