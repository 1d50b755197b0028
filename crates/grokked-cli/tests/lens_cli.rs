//! `grokked lens cache|ig|logit-lens` on a random GPT-2 folder made by transformers, checked
//! against the peers: TransformerLens's cache, captum's integrated gradients and Hugging Face's
//! own next-token predictions.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::process::Command;
use support::{run_py, success_stdout};

fn grokked() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grokked"));
    cmd.env("RUST_BACKTRACE", "0");
    cmd
}

const IDS: &str = "464 2068 7586 21831 18045";
const IDS_JSON: &str = "[[464, 2068, 7586, 21831, 18045]]";

#[test]
fn lens_commands_agree_with_transformer_lens_captum_and_hf() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let m = model.to_str().unwrap();
    run_py("lens_peer.py", &["random", m, "9", "2", "32", "4"]);

    // Every site's activation, keyed by TransformerLens's names, equal to TransformerLens's.
    let cache = dir.path().join("cache.safetensors");
    success_stdout(
        grokked()
            .args(["lens", "cache", "--model", m, "--ids", IDS, "--out"])
            .arg(&cache),
    );
    let report: serde_json::Value = serde_json::from_str(&run_py(
        "lens_peer.py",
        &["cache", m, IDS_JSON, cache.to_str().unwrap()],
    ))
    .unwrap();
    let compared = report["compared"].as_object().unwrap();
    assert_eq!(compared.len(), 3 + 2 * 14, "{report}");
    assert!(
        compared
            .values()
            .all(|d| d.as_f64().is_some_and(|d| d < 1e-5)),
        "{report}"
    );
    let one = dir.path().join("one.safetensors");
    success_stdout(
        grokked()
            .args([
                "lens",
                "cache",
                "--model",
                m,
                "--ids",
                IDS,
                "--site",
                "blocks.1.attn.hook_pattern",
                "--out",
            ])
            .arg(&one),
    );
    let bad = grokked()
        .args([
            "lens",
            "cache",
            "--model",
            m,
            "--ids",
            IDS,
            "--site",
            "blocks.1.hook_resid",
            "--out",
        ])
        .arg(&one)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("blocks.1.hook_resid"));

    // Integrated gradients as captum computes them.
    let ours: serde_json::Value = serde_json::from_str(&success_stdout(grokked().args([
        "lens",
        "ig",
        "--model",
        m,
        "--ids",
        IDS,
        "--position",
        "-1",
        "--target",
        "262",
        "--steps",
        "32",
        "--method",
        "riemann_middle",
        "--baseline",
        "pad",
    ])))
    .unwrap();
    assert_eq!(
        (
            ours["method"].as_str(),
            ours["steps"].as_u64(),
            ours["position"].as_i64()
        ),
        (Some("riemann_middle"), Some(32), Some(4))
    );
    let theirs: serde_json::Value = serde_json::from_str(&run_py(
        "lens_peer.py",
        &[
            "ig",
            m,
            IDS_JSON,
            "4",
            "262",
            r#"[["riemann_middle", 32, "pad"]]"#,
        ],
    ))
    .unwrap();
    let (a, b): (Vec<f64>, Vec<f64>) = (
        serde_json::from_value(ours["per_token"].clone()).unwrap(),
        serde_json::from_value(theirs[0]["per_token"].clone()).unwrap(),
    );
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-4 * scale),
        "{a:?} vs {b:?}"
    );
    let gap = theirs[0]["gap"].as_f64().unwrap();
    assert!(
        (ours["delta"].as_f64().unwrap() - theirs[0]["delta"].as_f64().unwrap()).abs()
            <= 1e-4 * gap.abs()
    );

    // The logit lens: one line per (layer, position); the last layer's top token is the model's
    // own prediction, as Hugging Face computes it.
    let text = success_stdout(grokked().args([
        "lens",
        "logit-lens",
        "--model",
        m,
        "--ids",
        IDS,
        "--top",
        "2",
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 * 5, "{text}");
    let logits = dir.path().join("logits.safetensors");
    run_py(
        "hf_peer.py",
        &["logits", m, IDS_JSON, logits.to_str().unwrap()],
    );
    let logits = grokked_model::safetensors_io::read_tensors(&logits)
        .unwrap()
        .remove(0)
        .1;
    let hf_top: Vec<i64> = Vec::try_from(logits.get(0).argmax(-1, false)).unwrap();
    for (p, top) in hf_top.iter().enumerate() {
        // "layer 2 (blocks.1.hook_resid_post) pos P  ID:"input" ->  ID:"text" prob  ..."
        let line = lines[2 * 5 + p];
        let first = line
            .split("->")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        assert_eq!(first.split(':').next().unwrap(), top.to_string(), "{line}");
    }
}
