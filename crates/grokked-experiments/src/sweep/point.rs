//! One point of a sweep: an ordinary run folder under `SWEEP/points/NAME`, trained from scratch,
//! resumed when interrupted, skipped when done, with its outcome in `sweep_status.json` (see
//! [`super::status`]).
//!
//! ```
//! use grokked_experiments::sweep::SweepDir;
//! // A point runs inside a sweep folder; opening one that does not exist names it.
//! let dir = tempfile::tempdir().unwrap();
//! let err = SweepDir::open(&dir.path().join("missing")).unwrap_err();
//! assert!(err.to_string().contains("missing"));
//! ```

use super::folder::SweepDir;
use super::spec::Point;
use super::status::{read_status, write_status, Attempt, PointStatus, Status};
use grokked_model::error::{GrokError, Result};
use grokked_model::LoadPolicy;
use grokked_train::{observer::TrainObserver, ResumeOptions};
use grokked_train::{RunDir, Trainer};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

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
