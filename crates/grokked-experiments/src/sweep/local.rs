//! Running a sweep on this machine: up to `jobs` points at once, each in its own process (the
//! same binary's `sweep point`) with the threads split between them, so a crash or a kill of one
//! point leaves the others running. Done points are skipped, interrupted ones resume, failed ones
//! are tried again up to `retries` times (each attempt recorded in the point's status), then
//! reported while the others go on (and are tried again on the next run).
//!
//! ```no_run
//! use grokked_experiments::sweep::{folder::SweepDir, local::{run_local, LocalOptions}};
//! let sweep = SweepDir::create("datasets/sweeps/weight-decay.toml".as_ref(), "runs/sweeps/wd".as_ref()).unwrap();
//! let exe = std::path::PathBuf::from("target/release/grokked");
//! let report = run_local(&sweep, &LocalOptions { jobs: 2, threads: 2, exe, retries: 1 }).unwrap();
//! println!("{} done, {} failed", report.done, report.failed.len());
//! ```

use super::folder::SweepDir;
use super::status::{current_status, read_status, Status};
use grokked_model::error::{GrokError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to run a sweep locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOptions {
    /// Points running at once.
    pub jobs: usize,
    /// Threads in all, split evenly between the running points.
    pub threads: usize,
    /// The `grokked` binary that runs one point (`grokked sweep point`).
    pub exe: PathBuf,
    /// How many times a failed point is tried again within this run.
    pub retries: usize,
}

/// What a local run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Points found already done and skipped.
    pub skipped: usize,
    /// Points this run finished.
    pub done: usize,
    /// Points that failed, with their errors.
    pub failed: Vec<(String, String)>,
}

/// Runs every point of `sweep` that is not done.
pub fn run_local(sweep: &SweepDir, opts: &LocalOptions) -> Result<RunReport> {
    let jobs = opts.jobs.max(1);
    let threads = (opts.threads / jobs).max(1);
    let mut report = RunReport::default();
    let mut queue = Vec::new();
    for point in sweep.points() {
        match current_status(&sweep.point_dir(&point))? {
            Status::Done => report.skipped += 1,
            Status::Running => {
                return Err(GrokError::Invalid(format!(
                    "point {} is being trained by another process; wait for it, or stop it",
                    point.name
                )))
            }
            _ => queue.push(point),
        }
    }
    queue.reverse();
    let bar = ProgressBar::new(queue.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} points {elapsed} | {msg}")
            .expect("valid template"),
    );
    let mut running: Vec<(super::spec::Point, Child)> = Vec::new();
    let mut tries: std::collections::HashMap<String, usize> = Default::default();
    let message = |r: &RunReport, running: usize| {
        format!(
            "{} done, {running} running, {} failed",
            r.done + r.skipped,
            r.failed.len()
        )
    };
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < jobs {
            let Some(point) = queue.pop() else { break };
            *tries.entry(point.name.clone()).or_default() += 1;
            let log_path = sweep.point_log(&point);
            if let Some(dir) = log_path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
            }
            // A retry appends to the log of the attempt before it.
            let attempt = tries[&point.name];
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(attempt > 1)
                .truncate(attempt == 1)
                .open(&log_path)
                .map_err(|e| GrokError::io(&log_path, e))?;
            if attempt > 1 {
                use std::io::Write;
                writeln!(log, "--- attempt {attempt} ---")
                    .map_err(|e| GrokError::io(&log_path, e))?;
            }
            let err_log = log.try_clone().map_err(|e| GrokError::io(&log_path, e))?;
            let child = Command::new(&opts.exe)
                .args(["sweep", "point"])
                .arg(sweep.path())
                .args(["--name", &point.name])
                .args(["--threads", &threads.to_string()])
                .env("OMP_NUM_THREADS", threads.to_string())
                .env("MKL_NUM_THREADS", threads.to_string())
                .stdout(Stdio::from(log))
                .stderr(Stdio::from(err_log))
                .spawn()
                .map_err(|e| GrokError::io(&opts.exe, e))?;
            running.push((point, child));
        }
        bar.set_message(message(&report, running.len()));
        std::thread::sleep(Duration::from_millis(200));
        let mut still = Vec::new();
        for (point, mut child) in running {
            match child.try_wait().map_err(|e| GrokError::io(&opts.exe, e))? {
                None => still.push((point, child)),
                Some(exit) => {
                    let recorded = read_status(&sweep.point_dir(&point))?;
                    let failure = match recorded {
                        Some(s) if exit.success() && s.status == Status::Done => None,
                        Some(s) if s.status == Status::Failed => {
                            Some(s.error.unwrap_or_else(|| "failed".into()))
                        }
                        Some(s) if s.status == Status::Interrupted => {
                            Some(format!("interrupted by a signal at step {}", s.last_step))
                        }
                        _ => Some(format!(
                            "its process ended ({exit}) without recording an outcome; see {}",
                            sweep.point_log(&point).display()
                        )),
                    };
                    let attempt = tries[&point.name];
                    match failure {
                        None => {
                            report.done += 1;
                            bar.inc(1);
                        }
                        Some(err) if attempt <= opts.retries => {
                            bar.println(format!(
                                "point {} failed (attempt {attempt} of {}): {err}; trying again",
                                point.name,
                                opts.retries + 1
                            ));
                            queue.push(point);
                        }
                        Some(err) => {
                            bar.println(format!("point {} failed: {err}", point.name));
                            report.failed.push((point.name.clone(), err));
                            bar.inc(1);
                        }
                    }
                }
            }
        }
        running = still;
    }
    bar.finish_with_message(message(&report, 0));
    Ok(report)
}
