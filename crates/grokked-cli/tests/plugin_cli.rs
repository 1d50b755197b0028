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
    assert!(String::from_utf8_lossy(&out.stderr).contains("plugin ABI 999"));
}
