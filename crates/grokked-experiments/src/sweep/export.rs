//! Shipping a sweep's results: its spec and base configs, `summary.parquet`, the charts, and each
//! point's `metrics.parquet` and outcome (small files; no checkpoints), with where they came from:
//! the commands that ran the sweep (recorded by `grokked sweep run`), the commit and the machine.
//! The exported folder opens like the sweep ([`SweepDir::open`]), so notebooks read it with the same
//! functions.
//!
//! ```no_run
//! use grokked_experiments::sweep::{export::export, SweepDir};
//! let sweep = SweepDir::open("runs/sweeps/weight-decay".as_ref()).unwrap();
//! export(&sweep, "datasets/results/weight-decay".as_ref()).unwrap();
//! ```

use super::collect::collect;
use super::folder::SweepDir;
use super::rebase::rebase_plugin_path;
use super::status::{current_status, status_file, Status};
use grokked_data::io::folder;
use grokked_model::error::{GrokError, Result};
use grokked_model::fsutil::{read_to_string, write_atomic};
use grokked_train::RunDir;
use std::path::Path;

/// The file where `grokked sweep run` records each invocation.
pub const RUNS_FILE: &str = "runs.jsonl";

/// Appends one invocation (command line, time, commit, machine) to the sweep's record.
pub fn record_run(sweep: &SweepDir, command: &[String]) -> Result<()> {
    let path = sweep.path().join(RUNS_FILE);
    let entry = serde_json::json!({
        "command": command.join(" "),
        "started_unix_s": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "commit": git_commit(),
        "machine": machine(),
    });
    let mut text = read_to_string(&path).unwrap_or_default();
    text.push_str(&entry.to_string());
    text.push('\n');
    write_atomic(&path, text.as_bytes())
}

/// The commit of the working tree, if it is a git checkout.
fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The processor and the number of cores.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores, {}", std::env::consts::OS)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
    }
    std::fs::copy(from, to).map_err(|e| GrokError::io(from, e))?;
    Ok(())
}

/// Collects `sweep` and copies its results (no checkpoints) into `dest`. Refuses a sweep with
/// points that have not finished (done or failed), naming them.
pub fn export(sweep: &SweepDir, dest: &Path) -> Result<()> {
    let mut unfinished = Vec::new();
    for point in sweep.points() {
        let status = current_status(&sweep.point_dir(&point))?;
        if !matches!(status, Status::Done | Status::Failed) {
            unfinished.push(format!("{} ({})", point.name, status.name()));
        }
    }
    if !unfinished.is_empty() {
        return Err(GrokError::Invalid(format!(
            "{}: {} points have not finished: {}; run the sweep to its end first",
            sweep.path().display(),
            unfinished.len(),
            unfinished.join(", ")
        )));
    }
    collect(sweep)?;
    let src = sweep.path();
    for entry in std::fs::read_dir(src).map_err(|e| GrokError::io(src, e))? {
        let entry = entry.map_err(|e| GrokError::io(src, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.path().is_file();
        if is_file && name.ends_with(".toml") {
            // Base configs keep reaching their plugin library from the new folder.
            let text = read_to_string(&entry.path())?;
            let text = rebase_plugin_path(&text, src, dest)
                .map_err(|e| GrokError::format(&entry.path(), e.to_string()))?;
            std::fs::create_dir_all(dest).map_err(|e| GrokError::io(dest, e))?;
            write_atomic(&dest.join(&name), text.as_bytes())?;
        } else if is_file && (name == RUNS_FILE || name.ends_with(".parquet")) {
            copy(&entry.path(), &dest.join(&name))?;
        }
    }
    for entry in std::fs::read_dir(sweep.plots_dir()).map_err(|e| GrokError::io(src, e))? {
        let entry = entry.map_err(|e| GrokError::io(src, e))?;
        copy(&entry.path(), &dest.join("plots").join(entry.file_name()))?;
    }
    write_readme(sweep, dest)?;
    for point in sweep.points() {
        let run = RunDir::new(sweep.point_dir(&point));
        let to = dest.join("points").join(&point.name);
        for file in [run.metrics_file(), status_file(run.path())] {
            if file.is_file() {
                copy(&file, &to.join(file.file_name().expect("a file name")))?;
            }
        }
        // The task's counts (not its examples), so the summary's `n_S` recomputes.
        let task = run.data_dir().join(folder::TASK_FILE);
        if task.is_file() {
            copy(&task, &to.join("data").join(folder::TASK_FILE))?;
        }
    }
    Ok(())
}

/// `README.md` of an exported sweep: what it is and where it came from.
fn write_readme(sweep: &SweepDir, dest: &Path) -> Result<()> {
    let spec = read_to_string(&sweep.spec_file())?;
    let mut text = format!(
        "# Sweep `{}`: shipped results\n\n{} points ({} seed{}). Per point: `points/NAME/metrics.parquet` \
         (one row per evaluation) and `sweep_status.json` (outcome, wall seconds); \
         `summary.parquet` has one row per point; `plots/` the accuracy curves with the spread \
         across seeds. No checkpoints are shipped: rerun the sweep to get them.\n\n\
         ## How it was produced\n\n",
        sweep.spec().name,
        sweep.points().len(),
        sweep.spec().seeds.len(),
        if sweep.spec().seeds.len() == 1 { "" } else { "s" }
    );
    let runs = read_to_string(&sweep.path().join(RUNS_FILE)).unwrap_or_default();
    for line in runs.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| GrokError::Invalid(e.to_string()))?;
        text.push_str(&format!(
            "- `{}` at commit `{}` on {} (started at unix time {})\n",
            v["command"].as_str().unwrap_or(""),
            v["commit"].as_str().unwrap_or("unknown"),
            v["machine"].as_str().unwrap_or("unknown"),
            v["started_unix_s"]
        ));
    }
    text.push_str("\n## The spec (`sweep.toml`)\n\n```toml\n");
    text.push_str(&spec);
    text.push_str("```\n");
    write_atomic(&dest.join("README.md"), text.as_bytes())
}
