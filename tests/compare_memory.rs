//! `compare_memory` end to end on a tiny complex task.

mod support;

use grokked::compare_memory::{compare_memory, CompareOptions};
use grokked::prelude::*;
use grokked::train::observer::Silent;
use support::column_text;

#[test]
fn compare_memory_writes_the_table_with_oracle_and_reference_rows() {
    let cfg = RunConfig::from_toml_str(
        "name = \"cm\"\n[data]\ntask = \"complex\"\nentities = 60\nattributes = 2\nqueries_per_label = 3\n\
         [model]\nn_layer = 1\nn_embd = 16\nn_head = 2\ndropout = 0.0\n[train]\nlr = 3e-3\nbatch_size = 64\nwarmup_steps = 0\nmax_steps = 10\ndevice = \"cpu\"\n\
         eval = { dense_every = 10, dense_until = 10, sparse_every = 10 }\ncheckpoint = { dense_every = 10, dense_until = 10, sparse_every = 10 }",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = CompareOptions {
        k: 4,
        reasoner_steps: Some(5),
    };
    let df = compare_memory(&cfg, dir.path(), &opts, &mut Silent).unwrap();
    let methods = column_text(&df, "method");
    let acc: Vec<f64> = df
        .column("accuracy")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|a| a.unwrap())
        .collect();
    assert_eq!(methods.len(), 8);
    assert!(methods[0].contains("parametric") && methods[1].contains("BM25 top-4"));
    assert_eq!(
        acc[2], 1.0,
        "the oracle proves every generated query from the training facts"
    );
    assert!((acc[4] - 1.0 / 3.0).abs() < 1e-12 && acc[7] == 0.993);
    for a in &acc[..4] {
        assert!((0.0..=1.0).contains(a));
    }
    let sources = column_text(&df, "source");
    assert_eq!(
        sources,
        [
            "trained here",
            "trained here",
            "oracle on this run's facts",
            "oracle on this run's facts",
            "chance",
            "paper (reported)",
            "paper (reported)",
            "paper (reported)"
        ]
    );
    // The chart tells the paper's grokked transformer from our parametric model (which may not have
    // grokked), and says what its axis measures.
    let svg = std::fs::read_to_string(dir.path().join("compare_memory.svg")).unwrap();
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    let count = |label: &str| texts.iter().filter(|t| **t == label).count();
    assert_eq!(count("parametric transformer"), 1, "{svg}");
    assert_eq!(count("grokked transformer"), 0, "{svg}");
    assert_eq!(count("paper grokked transformer"), 1);
    assert_eq!(
        count("paper (reported)"),
        1,
        "the legend names the paper's series"
    );
    assert!(svg.contains("exact-match accuracy") && !svg.contains("attribution"));
    for f in [
        "compare_memory.parquet",
        "compare_memory.png",
        "compare_memory.svg",
        "parametric/metrics.parquet",
        "retrieval/data/task.json",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    // A second call loads both finished runs instead of training them again, also without their
    // optimizer state (the layout of a shipped result: final weights only).
    for run in ["parametric", "retrieval"] {
        let ckpt = dir.path().join(run).join("checkpoints");
        for step in std::fs::read_dir(&ckpt).unwrap() {
            let _ = std::fs::remove_file(step.unwrap().path().join("optimizer.safetensors"));
        }
    }
    let again = compare_memory(&cfg, dir.path(), &opts, &mut Silent).unwrap();
    let again_acc = again.column("accuracy").unwrap().f64().unwrap();
    assert_eq!(
        (again_acc.get(0), again_acc.get(1)),
        (Some(acc[0]), Some(acc[1]))
    );
    // Asking for more steps than a run has resumes it, which needs the optimizer state.
    let mut longer = cfg.clone();
    longer.set("max_steps=20").unwrap();
    let err = compare_memory(&longer, dir.path(), &opts, &mut Silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("optimizer.safetensors"), "{err}");
    let err = compare_memory(
        &RunConfig::from_toml_str("name = \"x\"\n[data]\ntask = \"composition\"\n").unwrap(),
        dir.path(),
        &opts,
        &mut Silent,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("complex"), "{err}");
}
