//! Several hop counts end to end: `data gen --min-hops --test-hops`, a run that trains two hop
//! counts and holds a longer one out, its per-hop metric columns, and `eval` per hop count.

use polars::prelude::*;
use std::path::Path;
use std::process::Command;

fn grokked(args: &[&str]) -> std::process::Output {
    let o = Command::new(env!("CARGO_BIN_EXE_grokked"))
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// `name -> (accuracy %, n)` from `grokked eval`'s lines `  NAME  ACC%  (n = N)`.
fn eval_lines(text: &str) -> std::collections::HashMap<String, (f64, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?.to_string();
            let acc = w.next()?.strip_suffix('%')?.parse().ok()?;
            let n = l
                .split("(n = ")
                .nth(1)?
                .trim_end_matches(')')
                .parse()
                .ok()?;
            Some((name, (acc, n)))
        })
        .collect()
}

#[test]
fn data_gen_counts_every_split_per_hop_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mixed");
    let args = [
        "data",
        "gen",
        "--task",
        "composition",
        "--entities",
        "40",
        "--relations",
        "8",
        "--out-degree",
        "4",
        "--ood-ratio",
        "0.3",
        "--phi",
        "2",
        "--hops",
        "3",
        "--min-hops",
        "2",
        "--test-hops",
        "4,5",
        "--out",
    ];
    grokked(&[&args[..], &[out.to_str().unwrap()]].concat());
    let stats =
        String::from_utf8(grokked(&["data", "stats", out.to_str().unwrap()]).stdout).unwrap();
    // 40 x 4 atomic facts, 48 of them OOD: 2 x 112 inferred facts per trained hop count.
    assert!(stats.contains("train inferred facts: 448"), "{stats}");
    for name in [
        "train_inferred_2hop",
        "train_inferred_3hop",
        "test_inferred_id_4hop",
        "test_inferred_ood_5hop",
    ] {
        assert!(stats.contains(name), "{name} in\n{stats}");
    }
    assert!(!stats.contains("train_inferred_4hop"), "{stats}");
}

#[test]
fn a_run_reports_each_hop_count_and_its_splits_hold_the_trained_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mixed.toml");
    std::fs::write(
        &config,
        r#"name = "mixed"
[data]
task = "composition"
entities = 30
relations = 6
out_degree = 3
ood_ratio = 0.3
phi = 1.0
test_id_prob = 0.2
hops = 3
min_hops = 2
test_hops = [4]
[model]
n_layer = 2
n_embd = 32
n_head = 2
[train]
lr = 3e-3
batch_size = 64
warmup_steps = 5
max_steps = 20
device = "cpu"
eval = { dense_every = 10, dense_until = 0, sparse_every = 10 }
checkpoint = { dense_every = 0, dense_until = 0, sparse_every = 20 }
"#,
    )
    .unwrap();
    let run = dir.path().join("run");
    let (c, r) = (config.to_str().unwrap(), run.to_str().unwrap());
    grokked(&["train", "--config", c, "--out", r]);
    let file = std::fs::File::open(run.join("metrics.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for name in [
        "test_inferred_id",
        "test_inferred_id_2hop",
        "test_inferred_id_3hop",
        "test_inferred_id_4hop",
        "test_inferred_ood_4hop",
    ] {
        assert!(names.contains(&name.to_string()), "{name} in {names:?}");
    }
    let text = String::from_utf8(grokked(&["eval", "--run", r]).stdout).unwrap();
    let lines = eval_lines(&text);
    // The split's own line is its trained hop counts together: correct answers and examples add up.
    for split in ["test_inferred_id", "test_inferred_ood", "train_inferred"] {
        let correct = |(acc, n): (f64, u64)| (acc / 100.0 * n as f64).round() as u64;
        let (two, three) = (
            lines[&format!("{split}_2hop")],
            lines[&format!("{split}_3hop")],
        );
        assert_eq!(lines[split].1, two.1 + three.1, "{split}:\n{text}");
        assert_eq!(
            correct(lines[split]),
            correct(two) + correct(three),
            "{text}"
        );
    }
    assert!(lines.contains_key("test_inferred_ood_4hop"), "{text}");
    // The last metrics row is what eval measures of the last checkpoint.
    let last = |name: &str| {
        df.column(name)
            .unwrap()
            .f64()
            .unwrap()
            .get(df.height() - 1)
            .unwrap()
            * 100.0
    };
    for name in ["test_inferred_id_3hop", "test_inferred_ood_4hop"] {
        assert!(
            (last(name) - lines[name].0).abs() < 0.051,
            "{name}:\n{text}"
        );
    }
    assert!(Path::new(r).join("checkpoints/step-20").is_dir());
}
