//! A sweep on a real Slurm: `scripts/slurm-test-cluster.sh` installs slurm-wlm and munge from
//! Debian's packages when missing (as root, like CI) and starts a single-node cluster on
//! localhost; `grokked sweep run --backend slurm --wait` submits one job array and waits; then
//! `grokked sweep collect` reads the results as for a local run. Where Slurm cannot be installed
//! or started, the test fails with the setup script's message: it never passes without Slurm.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_data::table::read_parquet;
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

#[test]
fn a_sweep_runs_as_a_slurm_job_array_and_collects_like_a_local_one() {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&tmp.path().join("cluster"));
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
    let script = std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-3%2"), "{script}");
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
