//! `grokked data gen` / `data stats` end to end.

use std::process::Command;

fn grokked(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn gen_then_stats_reports_the_closed_form_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("comp");
    let o = grokked(&[
        "data",
        "gen",
        "--task",
        "composition",
        "--entities",
        "50",
        "--relations",
        "8",
        "--out-degree",
        "4",
        "--phi",
        "2",
        "--seed",
        "3",
        "--official",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = grokked(&["data", "stats", out.to_str().unwrap()]);
    let text = String::from_utf8(o.stdout).unwrap();
    // 50 x 4 atomic facts; 10 OOD, so 2 x 190 inferred; 50 + 8 + 6 tokens.
    assert!(text.contains("train atomic facts: 200"), "{text}");
    assert!(text.contains("train inferred facts: 380"), "{text}");
    assert!(text.contains("vocabulary: 64"), "{text}");
    let o = grokked(&["data", "stats", out.join("official").to_str().unwrap()]);
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .contains("train atomic facts: 200"));
}

#[test]
fn hops_gives_k_hop_chains_in_the_folder_the_stats_and_the_official_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("three");
    let args = [
        "data",
        "gen",
        "--task",
        "composition",
        "--hops",
        "3",
        "--entities",
        "40",
        "--relations",
        "8",
        "--out-degree",
        "4",
        "--phi",
        "2",
        "--official",
        "--out",
    ];
    let o = grokked(&[&args[..], &[out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let task: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("task.json")).unwrap()).unwrap();
    assert_eq!(task["params"]["hops"], 3);
    // 40 x 4 atomic facts, 8 of them OOD: 2 x 152 three-hop facts in training.
    let stats =
        String::from_utf8(grokked(&["data", "stats", out.to_str().unwrap()]).stdout).unwrap();
    assert!(stats.contains("train atomic facts: 160"), "{stats}");
    assert!(stats.contains("train inferred facts: 304"), "{stats}");
    let official = std::fs::read_to_string(out.join("official/train.json")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&official).unwrap();
    let chain = rows
        .iter()
        .find(|r| r["input_text"].as_str().unwrap().matches("<r_").count() == 3)
        .expect("a three-hop training fact in the official files");
    assert_eq!(
        chain["target_text"]
            .as_str()
            .unwrap()
            .matches("<e_")
            .count(),
        2
    );
    let o = grokked(&[&args[..4], &["--hops", "1", "--out", "x"]].concat());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("hops"),
        "a bad K is named"
    );
}

#[test]
fn bad_flags_and_bad_csv_fail_with_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = grokked(&[
        "data",
        "gen",
        "--task",
        "comparison",
        "--relations",
        "5",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("relations"));

    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "premises,question,answer\n\"unterminated,Can X fly?,yes\n",
    )
    .unwrap();
    let o = grokked(&["data", "stats", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.csv:2:1") && err.contains("unterminated quote"),
        "{err}"
    );

    let rules = dir.path().join("rules.csv");
    let o = grokked(&[
        "data",
        "gen",
        "--task",
        "rules",
        "--rows",
        "20",
        "--out",
        rules.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let o = grokked(&["data", "stats", rules.to_str().unwrap()]);
    assert!(String::from_utf8(o.stdout).unwrap().contains("20 rows"));
}
