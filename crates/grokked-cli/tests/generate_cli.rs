//! `grokked generate` against Hugging Face's greedy generation on the same random checkpoint.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::process::Command;
use support::{run_py, success_stdout};

#[test]
fn print_ids_equals_hf_greedy_and_text_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    run_py("hf_peer.py", &["random", d, "4", "2", "64", "4"]);
    let stdout = success_stdout(Command::new(env!("CARGO_BIN_EXE_grokked")).args([
        "generate",
        "--model",
        d,
        "--prompt",
        "The quick brown fox",
        "--max-length",
        "20",
        "--print-ids",
    ]));
    let ids: Vec<i64> = stdout
        .lines()
        .last()
        .unwrap()
        .split(' ')
        .map(|t| t.parse().unwrap())
        .collect();
    let theirs: Vec<Vec<i64>> = serde_json::from_str(&run_py(
        "hf_peer.py",
        &["greedy", d, "[[464, 2068, 7586, 21831]]", "20"],
    ))
    .unwrap();
    assert_eq!(ids, theirs[0]);
    assert!(stdout.starts_with("The quick brown fox"));
}

#[test]
fn sampling_is_seeded_and_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    run_py("hf_peer.py", &["random", d, "4", "1", "32", "2"]);
    let sample = |seed: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args([
                "generate",
                "--model",
                d,
                "--prompt",
                "Hello",
                "--max-length",
                "12",
                "--sample",
            ])
            .args([
                "--temperature",
                "0.9",
                "--top-k",
                "50",
                "--seed",
                seed,
                "--print-ids",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(sample("1"), sample("1"));
    assert_ne!(sample("1"), sample("2"));

    let out = Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args([
            "generate",
            "--model",
            d,
            "--prompt",
            "Hello",
            "--max-length",
            "100",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("n_positions") && err.contains("64"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args([
            "generate",
            "--model",
            "/nonexistent/model",
            "--prompt",
            "Hi",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model"));
}
