//! `grokked sweep run|collect|status` on this machine: points in parallel processes, a done
//! point skipped on rerun, an interrupted one resumed, a failed one reported while the others
//! finish, and the summary table and charts.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_data::io::{folder, table::read_parquet};
use grokked_experiments::sweep::{collect::summary, wilson::wilson95, SweepDir};
use grokked_train::RunDir;
use std::path::Path;
use std::process::Command;
use support::{column_text, success_stdout};

fn grokked() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grokked"));
    cmd.env("RUST_BACKTRACE", "0");
    cmd
}

/// The tiny base run config of the sweep tests.
const BASE: &str = include_str!("tiny_sweep_base.toml");

/// A spec over phi (1.0 and 5.0, which the graph cannot hold: that point fails) and two seeds.
fn write_spec(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    let spec = dir.join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"tiny\"\nbase = \"base.toml\"\nset = [\"max_steps=30\"]\nseeds = [0, 1]\n\
         [grid]\n\"data.phi\" = [1.0, 5.0]\n",
    )
    .unwrap();
    spec
}

#[test]
fn a_local_sweep_runs_resumes_skips_and_reports_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path());
    let out = tmp.path().join("out");
    // An interrupted point: its run folder holds a checkpoint at step 10 and no outcome.
    let interrupted = out.join("points/phi-1.0_seed-1");
    let base = tmp.path().join("base.toml");
    success_stdout(
        grokked()
            .args(["train", "--config"])
            .arg(&base)
            .args([
                "--set",
                "max_steps=10",
                "--set",
                "data.phi=1.0",
                "--set",
                "train.seed=1",
                "--out",
            ])
            .arg(&interrupted),
    );
    let first_checkpoint = RunDir::new(&interrupted).checkpoint_dir(10);
    let stamp = std::fs::metadata(first_checkpoint.join("model.safetensors"))
        .unwrap()
        .modified()
        .unwrap();

    let run = grokked()
        .args(["sweep", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--jobs", "2", "--threads", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        !run.status.success(),
        "a failed point fails the run: {text}"
    );
    assert!(
        text.contains("0 done before, 2 done now, 2 failed"),
        "{text}"
    );
    assert!(
        text.contains("failed: phi-5.0_seed-0") && text.contains("phi"),
        "{text}"
    );
    // The interrupted point was resumed, not restarted: its step-10 checkpoint is the same file.
    let again = std::fs::metadata(first_checkpoint.join("model.safetensors"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(stamp, again);
    assert_eq!(
        RunDir::new(&interrupted)
            .latest_checkpoint()
            .unwrap()
            .unwrap()
            .0,
        30
    );

    // A rerun skips the done points and tries the failed ones again.
    let rerun = grokked()
        .args(["sweep", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rerun.stdout).into_owned();
    assert!(
        text.contains("2 done before, 0 done now, 2 failed"),
        "{text}"
    );

    let collected = success_stdout(grokked().args(["sweep", "collect"]).arg(&out));
    assert!(collected.contains("summary.parquet"), "{collected}");
    let df = read_parquet(&out.join("summary.parquet")).unwrap();
    assert_eq!(df.height(), 4);
    assert_eq!(column_text(&df, "data.phi"), ["1.0", "1.0", "5.0", "5.0"]);
    assert_eq!(column_text(&df, "seed"), ["0", "1", "0", "1"]);
    assert_eq!(
        column_text(&df, "status"),
        ["done", "done", "failed", "failed"]
    );
    assert_eq!(column_text(&df, "last_step"), ["30", "30", "", ""]);
    // Each final accuracy comes with the examples it was measured on and its 95% Wilson interval.
    let task = folder::read_stats(&out.join("points/phi-1.0_seed-0/data")).unwrap();
    let n = task.splits["test_inferred_id"];
    assert_eq!(column_text(&df, "n_test_inferred_id")[0], n.to_string());
    let at = |name: &str| df.column(name).unwrap().f64().unwrap().get(0);
    let accuracy = at("final_test_inferred_id").unwrap();
    let (lo, hi) = wilson95(accuracy, n as u64);
    assert_eq!(
        (
            at("final_test_inferred_id_lo"),
            at("final_test_inferred_id_hi")
        ),
        (Some(lo), Some(hi))
    );
    assert!(lo <= accuracy && accuracy <= hi && lo < hi);
    assert_eq!(
        column_text(&df, "final_test_inferred_id_lo")[2],
        "",
        "a failed point has none"
    );
    for split in ["test_inferred_id", "train_inferred"] {
        assert!(out.join(format!("plots/{split}.png")).is_file());
        assert!(out.join(format!("plots/{split}.svg")).is_file());
    }
    let status = success_stdout(grokked().args(["sweep", "status"]).arg(&out));
    assert!(
        status.contains("failed") && status.contains("phi-1.0_seed-1"),
        "{status}"
    );
    // The export: results and provenance, no checkpoints, readable like the sweep itself.
    let shipped = tmp.path().join("results/tiny");
    success_stdout(grokked().args(["sweep", "export"]).arg(&out).arg(&shipped));
    let readme = std::fs::read_to_string(shipped.join("README.md")).unwrap();
    assert_eq!(
        readme.matches("- `grokked sweep run ").count(),
        2,
        "{readme}"
    );
    assert!(
        readme.contains("4 points (2 seeds)") && readme.contains("\"data.phi\""),
        "{readme}"
    );
    let exported = read_parquet(&shipped.join("summary.parquet")).unwrap();
    assert_eq!(column_text(&exported, "status"), column_text(&df, "status"));
    for point in ["phi-1.0_seed-0", "phi-5.0_seed-1"] {
        assert!(shipped
            .join(format!("points/{point}/sweep_status.json"))
            .is_file());
    }
    assert!(shipped
        .join("points/phi-1.0_seed-0/metrics.parquet")
        .is_file());
    assert!(!shipped.join("points/phi-1.0_seed-0/checkpoints").exists());
    let reopened = SweepDir::open(&shipped).unwrap();
    assert_eq!(reopened.points().len(), 4);
    // The shipped folder recomputes the summary, counts and intervals included.
    let again = summary(&reopened).unwrap();
    for column in [
        "n_test_inferred_id",
        "final_test_inferred_id_lo",
        "final_test_inferred_id_hi",
    ] {
        assert_eq!(
            column_text(&again, column),
            column_text(&df, column),
            "{column}"
        );
    }
    // Results shipped without task folders (older exports) regenerate each point's task from
    // its config: the same counts, so the same intervals.
    for point in reopened.points() {
        let data = reopened.point_dir(&point).join("data");
        if data.exists() {
            std::fs::remove_dir_all(&data).unwrap();
        }
    }
    let regenerated = summary(&reopened).unwrap();
    for column in ["n_test_inferred_id", "final_test_inferred_ood_hi"] {
        assert_eq!(
            column_text(&regenerated, column),
            column_text(&df, column),
            "{column}"
        );
    }
    // A sweep with an unfinished point is not exported.
    std::fs::remove_file(out.join("points/phi-1.0_seed-1/sweep_status.json")).unwrap();
    let refused = grokked()
        .args(["sweep", "export"])
        .arg(&out)
        .arg(tmp.path().join("results/partial"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        !refused.status.success() && err.contains("phi-1.0_seed-1 (interrupted)"),
        "{err}"
    );
    assert!(!tmp.path().join("results/partial").exists());
    // Every point is an ordinary run folder.
    success_stdout(
        grokked()
            .args(["eval", "--run"])
            .arg(out.join("points/phi-1.0_seed-0")),
    );
    // Another spec in the same folder is refused.
    std::fs::write(
        &spec,
        std::fs::read_to_string(&spec)
            .unwrap()
            .replace("[0, 1]", "[0]"),
    )
    .unwrap();
    let other = grokked()
        .args(["sweep", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&other.stderr).into_owned();
    assert!(
        err.contains("holds another sweep") && err.contains("drops"),
        "{err}"
    );

    // A spec that only adds a seed reopens the folder: the points there stay, the new ones run
    // (and the unfinished one resumes); but not while one of its points is training (here: its
    // lock held by this process).
    let edit_spec = |from: &str, to: &str| {
        let text = std::fs::read_to_string(&spec).unwrap().replace(from, to);
        std::fs::write(&spec, text).unwrap();
    };
    let sweep_run = || {
        grokked()
            .args(["sweep", "run"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let folder_spec = || SweepDir::open(&out).unwrap().spec().clone();
    edit_spec("[0]", "[0, 1, 2]");
    let held = RunDir::new(out.join("points/phi-1.0_seed-1"))
        .lock()
        .unwrap();
    let busy = sweep_run();
    let err = String::from_utf8_lossy(&busy.stderr).into_owned();
    assert!(
        !busy.status.success() && err.contains("is being trained by another process"),
        "{err}"
    );
    assert_eq!(folder_spec().seeds, [0, 1], "the spec did not grow");
    drop(held);
    let run = sweep_run();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        text.contains("1 done before, 2 done now, 3 failed"),
        "{text}"
    );
    let kept = folder_spec();
    assert_eq!(kept.seeds, [0, 1, 2]);
    assert!(out.join("points/phi-1.0_seed-2/metrics.parquet").is_file());
    // A spec that changes the points' configs is refused, and the folder keeps its spec.
    edit_spec("max_steps=30", "max_steps=40");
    let changed = sweep_run();
    let err = String::from_utf8_lossy(&changed.stderr).into_owned();
    assert!(
        !changed.status.success() && err.contains("would change its config"),
        "{err}"
    );
    assert_eq!(folder_spec(), kept);
    // The runner starts points by name, so growth cannot swap a queued point: seed 2 of phi 1.0
    // is index 2 of the grown spec, where phi 5.0's seed 0 was before.
    let by_name = grokked()
        .args(["sweep", "point"])
        .arg(&out)
        .args(["--name", "phi-1.0_seed-2"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&by_name.stderr).into_owned();
    assert!(
        by_name.status.success() && said.contains("point 2 (phi-1.0_seed-2)"),
        "{said}"
    );
    let unknown = grokked()
        .args(["sweep", "point"])
        .arg(&out)
        .args(["--name", "phi-9.0_seed-0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&unknown.stderr).into_owned();
    assert!(
        !unknown.status.success() && err.contains("no point named phi-9.0_seed-0"),
        "{err}"
    );
}

#[test]
fn a_failed_local_point_is_retried_and_each_attempt_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path());
    let out = tmp.path().join("out");
    let run = grokked()
        .args(["sweep", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--jobs", "2", "--threads", "2", "--retries", "1"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("failed: phi-5.0_seed-0"), "{text}");
    let status: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("points/phi-5.0_seed-0/sweep_status.json")).unwrap(),
    )
    .unwrap();
    let tries = status["attempts"].as_array().unwrap();
    assert_eq!(tries.len(), 2, "{status}");
    assert!(tries.iter().all(|a| a["status"] == "failed"), "{status}");
    let done: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("points/phi-1.0_seed-0/sweep_status.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(done["attempts"].as_array().unwrap().len(), 1);
}
