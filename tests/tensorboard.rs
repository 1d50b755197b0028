//! TensorBoard event files against the `tensorboard` package and PyTorch's SummaryWriter: every
//! scalar TensorBoard reads from a run equals `metrics.parquet` at every step, our events are the
//! protos SummaryWriter writes for the same scalars (wall time aside), and a run interrupted after
//! an evaluation and resumed shows exactly what an uninterrupted run shows.

mod support;
mod tiny_run;

use grokked::train::observer::Silent;
use grokked::train::tensorboard::{read_scalars, row_scalars};
use grokked::train::{RunDir, Trainer};
use std::collections::BTreeMap;
use std::path::Path;
use support::run_py;
use tiny_run::tiny_run_config as tiny;

/// Tag -> (step, value as the f32 an event stores; None for NaN).
type Curves = BTreeMap<String, Vec<(u64, Option<f32>)>>;

/// What TensorBoard's own reader sees in a run's `tensorboard/` folder.
fn tensorboard_view(run: &Path) -> Curves {
    let json = run_py(
        "tensorboard_peer.py",
        &[
            "scalars",
            RunDir::new(run).tensorboard_dir().to_str().unwrap(),
        ],
    );
    let parsed: BTreeMap<String, Vec<(u64, Option<f64>)>> = serde_json::from_str(&json).unwrap();
    parsed
        .into_iter()
        .map(|(tag, points)| {
            let points = points
                .into_iter()
                .map(|(s, v)| (s, v.map(|v| v as f32)))
                .collect();
            (tag, points)
        })
        .collect()
}

/// The same curves from `metrics.parquet`, rounded to the f32 an event stores.
fn metrics_view(run: &Path) -> Curves {
    let log = RunDir::new(run).metrics().unwrap();
    let mut out = Curves::new();
    for row in &log.rows {
        for (tag, v) in row_scalars(&log, row) {
            let v = (!v.is_nan()).then_some(v as f32);
            out.entry(tag).or_default().push((row.step, v));
        }
    }
    out
}

#[test]
fn tensorboard_reads_every_metric_of_a_run_at_every_step() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let mut t = Trainer::new(tiny(60, 0.0), &run).unwrap();
    t.run(&mut Silent).unwrap();
    let seen = tensorboard_view(&run);
    let expected = metrics_view(&run);
    assert!(
        seen.contains_key("accuracy/test_inferred_id"),
        "{:?}",
        seen.keys()
    );
    assert!(seen.contains_key("bridge_mrr/layer_1"), "{:?}", seen.keys());
    assert!(seen.contains_key("weight_norm/total"));
    assert_eq!(seen, expected);
    assert_eq!(expected["train/lr"].len(), t.metrics.rows.len());
}

#[test]
fn our_events_are_the_protos_pytorch_summary_writer_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    let items = [
        (0u64, "accuracy/train".to_string(), 0.25f64),
        (10, "train/loss".to_string(), 1.5),
    ];
    {
        let mut log = grokked::train::tensorboard::EventLog::open(&ours).unwrap();
        for (step, tag, v) in &items {
            log.write_scalars(*step, &[(tag.clone(), *v)]).unwrap();
        }
    }
    let theirs = tmp.path().join("theirs");
    let json = serde_json::to_string(&items).unwrap();
    run_py(
        "tensorboard_peer.py",
        &["write", theirs.to_str().unwrap(), &json],
    );
    let events = |dir: &Path| -> Vec<String> {
        let file = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("tfevents"))
            .unwrap();
        serde_json::from_str(&run_py(
            "tensorboard_peer.py",
            &["events", file.to_str().unwrap()],
        ))
        .unwrap()
    };
    let (ours_events, theirs_events) = (events(&ours), events(&theirs));
    // Both files open with `brain.Event:2` (each names its own writer in source_metadata).
    let version = "1a0d627261696e2e4576656e743a32";
    assert!(ours_events[0].starts_with(version) && theirs_events[0].starts_with(version));
    assert_eq!(ours_events[1..], theirs_events[1..]);
    // Our reader reads PyTorch's file as TensorBoard does.
    let back: Vec<(u64, String, f64)> = read_scalars(&theirs).unwrap();
    assert_eq!(back, items.to_vec());
}

#[test]
fn a_resumed_run_shows_what_an_uninterrupted_run_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let eval_every_10 = |steps| {
        let mut cfg = tiny(steps, 0.0);
        cfg.set("train.eval={ dense_every = 10, dense_until = 0, sparse_every = 10 }")
            .unwrap();
        cfg
    };
    let whole = tmp.path().join("whole");
    Trainer::new(eval_every_10(60), &whole)
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    // The interrupted run evaluated up to step 60 but its last checkpoint is step 40: its events
    // after 40 belong to an attempt that a kill cut short.
    let cut = tmp.path().join("cut");
    Trainer::new(eval_every_10(60), &cut)
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    std::fs::remove_dir_all(RunDir::new(&cut).checkpoint_dir(60)).unwrap();
    let mut resumed = Trainer::resume(&cut).unwrap();
    assert_eq!(resumed.step, 40);
    resumed.run(&mut Silent).unwrap();
    assert_eq!(tensorboard_view(&cut), tensorboard_view(&whole));
    assert_eq!(
        read_scalars(&RunDir::new(&cut).tensorboard_dir())
            .unwrap()
            .len(),
        read_scalars(&RunDir::new(&whole).tensorboard_dir())
            .unwrap()
            .len()
    );
}

#[test]
fn tensorboard_false_writes_no_events() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = tiny(20, 0.0);
    cfg.set("train.tensorboard=false").unwrap();
    let run = tmp.path().join("run");
    Trainer::new(cfg, &run).unwrap().run(&mut Silent).unwrap();
    assert!(!RunDir::new(&run).tensorboard_dir().exists());
}
