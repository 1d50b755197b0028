//! One point of a sweep: an ordinary run folder under `SWEEP/points/NAME`, trained from scratch,
//! resumed when interrupted, skipped when done, with its outcome in `sweep_status.json`.
//!
//! ```
//! use grokked_experiments::sweep::point::{PointStatus, Status};
//! let s = PointStatus { status: Status::Done, wall_s: 12.5, last_step: 800, error: None, attempts: vec![] };
//! let json = serde_json::to_string(&s).unwrap();
//! assert!(json.contains("\"done\""));
//! assert_eq!(serde_json::from_str::<PointStatus>(&json).unwrap(), s);
//! ```

use super::folder::SweepDir;
use super::spec::Point;
use grokked_core::error::{GrokError, Result};
use grokked_core::model::LoadPolicy;
use grokked_core::train::trainer::{ResumeOptions, TrainObserver};
use grokked_core::train::{RunDir, Trainer};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Where a point stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not started.
    Pending,
    /// A process is training it now.
    Running,
    /// Started, stopped before finishing (it resumes on the next run).
    Interrupted,
    /// Trained to its end (its step budget or early stop).
    Done,
    /// Its last attempt failed (it is tried again on the next run).
    Failed,
}

impl Status {
    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Interrupted => "interrupted",
            Status::Done => "done",
            Status::Failed => "failed",
        }
    }
}

/// The outcome a point's process records in `sweep_status.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointStatus {
    /// Done or failed.
    pub status: Status,
    /// Wall seconds of training, over every attempt.
    pub wall_s: f64,
    /// The last optimizer step reached.
    pub last_step: u64,
    /// The error of a failed attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every attempt so far, oldest first (retries, requeues after a signal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
}

/// One attempt at a point: how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Done, failed, or interrupted (stopped by a signal with a checkpoint, to be requeued).
    pub status: Status,
    /// Its wall seconds.
    pub wall_s: f64,
    /// The step it reached (its last checkpoint's).
    pub last_step: u64,
    /// Its error, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The status file of a point's run folder.
pub fn status_file(run: &Path) -> PathBuf {
    run.join("sweep_status.json")
}

/// The recorded outcome of a point, if any.
pub fn read_status(run: &Path) -> Result<Option<PointStatus>> {
    let path = status_file(run);
    if !path.is_file() {
        return Ok(None);
    }
    let text = grokked_core::fsutil::read_to_string(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| GrokError::format(&path, e.to_string()))
}

fn write_status(run: &Path, status: &PointStatus) -> Result<()> {
    let json =
        serde_json::to_string_pretty(status).map_err(|e| GrokError::Invalid(e.to_string()))?;
    grokked_core::fsutil::write_atomic(&status_file(run), json.as_bytes())
}

/// Where a point stands now: its recorded outcome, else running (another process holds its
/// run's lock), interrupted (it has checkpoints) or pending. Reads only: it takes no lock.
pub fn current_status(run: &Path) -> Result<Status> {
    if let Some(s) = read_status(run)? {
        if s.status == Status::Done {
            return Ok(Status::Done);
        }
    }
    let dir = RunDir::new(run);
    if dir.writer()?.is_some() {
        return Ok(Status::Running);
    }
    if let Some(s) = read_status(run)? {
        return Ok(s.status);
    }
    Ok(if dir.latest_checkpoint()?.is_some() {
        Status::Interrupted
    } else {
        Status::Pending
    })
}

/// Trains `point` of the sweep in `sweep` (resuming it when it has checkpoints; nothing when it
/// is done) and records the outcome with this attempt. A plugin the sweep's config names counts
/// as allowed: the sweep is the user's own. When `stop` becomes true (a cluster's warning
/// signal), the point stops after its current step with a checkpoint and is recorded as
/// interrupted, to be resumed.
pub fn run_point(
    sweep: &SweepDir,
    point: &Point,
    observer: &mut dyn TrainObserver,
    stop: Option<&'static AtomicBool>,
) -> Result<PointStatus> {
    let run = sweep.point_dir(point);
    let previous = read_status(&run)?;
    if let Some(done) = previous.as_ref().filter(|s| s.status == Status::Done) {
        return Ok(done.clone());
    }
    let earlier_wall = previous.as_ref().map_or(0.0, |s| s.wall_s);
    let mut attempts = previous.map_or(Vec::new(), |s| s.attempts);
    let start = Instant::now();
    let cfg = sweep.config(point)?;
    let outcome = (|| -> Result<(u64, bool)> {
        let mut trainer = if RunDir::new(&run).latest_checkpoint()?.is_some() {
            let policy = cfg
                .model
                .plugin
                .as_ref()
                .map_or(LoadPolicy::data_only(), |p| {
                    LoadPolicy::data_only().allow_plugin(&p.path)
                });
            // The sweep's settings win over what the folder recorded (its data and model must
            // match: a folder holding another run fails here).
            let opts = ResumeOptions {
                policy,
                train: Some(cfg.train.clone()),
                ..Default::default()
            };
            Trainer::resume_with(&run, &opts)?
        } else {
            Trainer::new(cfg, &run)?
        };
        if let Some(flag) = stop {
            trainer.stop_on(flag);
        }
        trainer.run(observer)?;
        Ok((trainer.step, trainer.interrupted))
    })();
    let wall_s = earlier_wall + start.elapsed().as_secs_f64();
    let status = match outcome {
        // Refused by the lock: the point belongs to the process that holds it, so nothing of
        // this attempt is recorded in its folder.
        Err(e @ GrokError::RunLocked { .. }) => return Err(e),
        Ok((last_step, interrupted)) => PointStatus {
            status: if interrupted {
                Status::Interrupted
            } else {
                Status::Done
            },
            wall_s,
            last_step,
            error: None,
            attempts: Vec::new(),
        },
        Err(e) => PointStatus {
            status: Status::Failed,
            wall_s,
            last_step: RunDir::new(&run).latest_checkpoint()?.map_or(0, |(s, _)| s),
            error: Some(e.to_string()),
            attempts: Vec::new(),
        },
    };
    attempts.push(Attempt {
        status: status.status,
        wall_s: start.elapsed().as_secs_f64(),
        last_step: status.last_step,
        error: status.error.clone(),
    });
    let status = PointStatus { attempts, ..status };
    std::fs::create_dir_all(&run).map_err(|e| GrokError::io(&run, e))?;
    write_status(&run, &status)?;
    Ok(status)
}
