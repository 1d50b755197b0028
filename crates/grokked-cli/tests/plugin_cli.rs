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
