//! Where a sweep point stands: its status, the outcome its process records in
//! `POINT/sweep_status.json`, and the reading of both with the run's lock.
//!
//! ```
//! use grokked_experiments::sweep::status::{PointStatus, Status};
//! let s = PointStatus { status: Status::Done, wall_s: 12.5, last_step: 800, error: None, attempts: vec![] };
//! let json = serde_json::to_string(&s).unwrap();
//! assert!(json.contains("\"done\""));
//! assert_eq!(serde_json::from_str::<PointStatus>(&json).unwrap(), s);
//! ```

use grokked_model::error::{GrokError, Result};
use grokked_train::RunDir;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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
    let text = grokked_model::fsutil::read_to_string(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| GrokError::format(&path, e.to_string()))
}

pub(crate) fn write_status(run: &Path, status: &PointStatus) -> Result<()> {
    let json =
        serde_json::to_string_pretty(status).map_err(|e| GrokError::Invalid(e.to_string()))?;
    grokked_model::fsutil::write_atomic(&status_file(run), json.as_bytes())
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
