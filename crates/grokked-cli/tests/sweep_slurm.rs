//! A sweep on a real Slurm: `scripts/slurm-test-cluster.sh` installs slurm-wlm and munge from
//! Debian's packages when missing (as root, like CI) and starts a single-node cluster on
//! localhost; `grokked sweep run --backend slurm --wait` submits one job array and waits; then
//! `grokked sweep collect` reads the results as for a local run. Where Slurm cannot be installed
//! or started, the test fails with the setup script's message: it never passes without Slurm.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_data::io::table::read_parquet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{column_text, success_stdout, workspace_root};

/// The cluster of this test; stopped when dropped, also when an assertion fails.
struct Cluster(PathBuf);

impl Cluster {
    fn start(dir: &Path) -> Self {
        let script = workspace_root().join("scripts/slurm-test-cluster.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        let cluster = Cluster(dir.to_path_buf());
        assert!(
            out.status.success(),
            "could not start a single-node Slurm for this test ({}):\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster
    }

    fn conf(&self) -> PathBuf {
        self.0.join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = workspace_root().join("scripts/slurm-test-cluster.sh");
        let _ = Command::new("bash")
            .arg(script)
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

// One cluster per machine at a time: the scenarios share it and run one after another.
#[test]
fn sweeps_on_a_real_slurm() {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&tmp.path().join("cluster"));
    a_sweep_runs_as_job_arrays_and_collects_like_a_local_one(&cluster);
    failed_points_are_retried_in_their_task_and_a_sweep_can_be_cancelled(&cluster);
    a_point_past_its_time_limit_checkpoints_on_the_signal_requeues_and_finishes_exactly(&cluster);
}

fn a_sweep_runs_as_job_arrays_and_collects_like_a_local_one(cluster: &Cluster) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("base.toml"),
        include_str!("tiny_sweep_base.toml"),
    )
    .unwrap();
    let spec = tmp.path().join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"slurm\"\nbase = \"base.toml\"\nset = [\"max_steps=20\"]\nseeds = [0, 1]\n\
         [grid]\n\"train.weight_decay\" = [0.1, 1.0]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let submitted = success_stdout(
        Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args(["sweep", "run"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .args([
                "--backend",
                "slurm",
                "--jobs",
                "2",
                "--wait",
                "--time",
                "00:10:00",
            ])
            .env("SLURM_CONF", cluster.conf()),
    );
    assert!(submitted.contains("submitted job array"), "{submitted}");
    // The test cluster's MaxArraySize is 3: four points go out as two arrays, each throttled.
    let first = std::fs::read_to_string(out.join("slurm/sweep-0.sbatch")).unwrap();
    let second = std::fs::read_to_string(out.join("slurm/sweep-1.sbatch")).unwrap();
    assert!(first.contains("#SBATCH --array=0-2%2"), "{first}");
    assert!(second.contains("#SBATCH --array=0-0%2"), "{second}");
    assert!(
        first.contains("--signal=B:USR1@120") && first.contains("--requeue"),
        "{first}"
    );
    let job_ids = std::fs::read_to_string(out.join("slurm/job_id")).unwrap();
    assert_eq!(job_ids.lines().count(), 2, "{job_ids}");
    // Every array task wrote its output and trained its point.
    let logs = std::fs::read_dir(out.join("slurm"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "out")
        })
        .count();
    assert_eq!(logs, 4);
    success_stdout(
        Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args(["sweep", "collect"])
            .arg(&out),
    );
    let df = read_parquet(&out.join("summary.parquet")).unwrap();
    assert_eq!(column_text(&df, "status"), ["done"; 4]);
    let last: Vec<Option<u64>> = df
        .column("last_step")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(last, [Some(20); 4]);
    // Submitting again finds nothing left to run.
    let again = success_stdout(
        Command::new(env!("CARGO_BIN_EXE_grokked"))
            .args(["sweep", "run"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .args(["--backend", "slurm"])
            .env("SLURM_CONF", cluster.conf()),
    );
    assert!(again.contains("every point"), "{again}");
}

fn grokked() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grokked"));
    cmd.env("RUST_BACKTRACE", "0");
    cmd
}

/// A point's recorded attempts: (status, last step) of each.
fn attempts(point: &Path) -> Vec<(String, u64)> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(point.join("sweep_status.json")).unwrap())
            .unwrap();
    json["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap().to_string(),
                a["last_step"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The rows of a run's metrics as text (floats exact, NaN equal to NaN).
fn metrics_text(run: &Path) -> Vec<String> {
    grokked_train::RunDir::new(run)
        .metrics()
        .unwrap()
        .rows
        .iter()
        .map(|r| format!("{r:?}"))
        .collect()
}

fn a_point_past_its_time_limit_checkpoints_on_the_signal_requeues_and_finishes_exactly(
    cluster: &Cluster,
) {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.toml");
    std::fs::write(&base, include_str!("tiny_sweep_base.toml")).unwrap();
    // Long enough to be warned (55 s before a one-minute limit) while it trains.
    let sets = [
        "max_steps=15000",
        "train.eval={ dense_every = 0, dense_until = 0, sparse_every = 500 }",
        "train.checkpoint={ dense_every = 0, dense_until = 0, sparse_every = 10000 }",
    ];
    let spec = tmp.path().join("spec.toml");
    let set_list: Vec<String> = sets.iter().map(|s| format!("{s:?}")).collect();
    std::fs::write(
        &spec,
        format!(
            "name = \"requeue\"\nbase = \"base.toml\"\nset = [{}]\nseeds = [0]\n",
            set_list.join(", ")
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    success_stdout(
        grokked()
            .args(["sweep", "run"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .args([
                "--backend",
                "slurm",
                "--wait",
                "--time",
                "00:01:00",
                "--signal-before",
                "55",
            ])
            .env("SLURM_CONF", cluster.conf()),
    );
    let point = out.join("points/seed-0");
    let tries = attempts(&point);
    assert!(
        tries.len() >= 2
            && tries[..tries.len() - 1]
                .iter()
                .all(|(s, _)| s == "interrupted"),
        "the point was never signalled and requeued: {tries:?}"
    );
    assert_eq!(
        tries.last().unwrap(),
        &("done".to_string(), 15000),
        "{tries:?}"
    );
    // The same run uninterrupted, on this machine, with the task's one thread (float sums
    // depend on the thread count).
    let whole = tmp.path().join("whole");
    let mut cmd = grokked();
    cmd.env("OMP_NUM_THREADS", "1").env("MKL_NUM_THREADS", "1");
    cmd.args(["train", "--config"])
        .arg(&base)
        .arg("--out")
        .arg(&whole);
    for s in sets {
        cmd.args(["--set", s]);
    }
    success_stdout(&mut cmd);
    assert_eq!(metrics_text(&point), metrics_text(&whole));
}

fn failed_points_are_retried_in_their_task_and_a_sweep_can_be_cancelled(cluster: &Cluster) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("base.toml"),
        include_str!("tiny_sweep_base.toml"),
    )
    .unwrap();
    // phi 5.0 asks for more two-hop facts than the tiny graph holds: that point always fails.
    let spec = tmp.path().join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"retry\"\nbase = \"base.toml\"\nset = [\"max_steps=10\"]\nseeds = [0]\n\
         [grid]\n\"data.phi\" = [1.0, 5.0]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    grokked()
        .args(["sweep", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--backend", "slurm", "--wait", "--retries", "2"])
        .env("SLURM_CONF", cluster.conf())
        .output()
        .unwrap();
    assert_eq!(
        attempts(&out.join("points/phi-5.0_seed-0")),
        vec![("failed".to_string(), 0); 3]
    );
    assert_eq!(
        attempts(&out.join("points/phi-1.0_seed-0")),
        vec![("done".to_string(), 10)]
    );

    // A long sweep submitted without waiting, then cancelled.
    let long = tmp.path().join("long.toml");
    std::fs::write(
        &long,
        "name = \"long\"\nbase = \"base.toml\"\nset = [\"max_steps=1000000\"]\nseeds = [0, 1]\n",
    )
    .unwrap();
    let long_out = tmp.path().join("long");
    success_stdout(
        grokked()
            .args(["sweep", "run"])
            .arg(&long)
            .arg("--out")
            .arg(&long_out)
            .args(["--backend", "slurm"])
            .env("SLURM_CONF", cluster.conf()),
    );
    let ids = std::fs::read_to_string(long_out.join("slurm/job_id")).unwrap();
    let cancelled = success_stdout(
        grokked()
            .args(["sweep", "cancel"])
            .arg(&long_out)
            .env("SLURM_CONF", cluster.conf()),
    );
    assert!(cancelled.contains(ids.trim()), "{cancelled}");
    let queued = || {
        success_stdout(
            Command::new("squeue")
                .args(["-h", "-o", "%i %T", "-j", ids.trim()])
                .env("SLURM_CONF", cluster.conf()),
        )
    };
    let start = std::time::Instant::now();
    while !queued().trim().is_empty() && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    assert_eq!(queued().trim(), "", "still queued after scancel");
}
