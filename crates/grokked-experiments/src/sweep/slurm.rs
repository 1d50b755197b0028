//! Running a sweep on a Slurm cluster: one job-array batch script (`sbatch --array=...%K`), each
//! array task running one point with the same binary (`grokked sweep point SWEEP --name NAME`,
//! the name looked up by `$SLURM_ARRAY_TASK_ID` in the script, so that a spec grown while the
//! array waits cannot swap a task's point). Slurm schedules; `grokked sweep collect` reads the
//! results as for a local run.
//!
//! ```
//! use grokked_experiments::sweep::slurm::{array_spec, SlurmOptions};
//! assert_eq!(array_spec(&[0, 1, 2, 3], 2), "0-3%2");
//! assert_eq!(array_spec(&[1, 4, 5], 8), "1,4,5%8");
//! ```

use super::folder::SweepDir;
use super::point::{current_status, Status};
use super::spec::Point;
use grokked_core::error::{GrokError, Result};
use grokked_core::fsutil::write_atomic;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How to submit a sweep to Slurm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` of each array task.
    pub time: Option<String>,
    /// At most this many array tasks at once (the `%K` of `--array`).
    pub max_parallel: usize,
    /// `--cpus-per-task`.
    pub cpus_per_task: usize,
    /// Further `#SBATCH` options, as `--name=value`.
    pub extra: Vec<String>,
    /// Wait for the whole array to finish (`sbatch --wait`).
    pub wait: bool,
    /// The `grokked` binary the tasks run.
    pub exe: PathBuf,
}

/// A submitted array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Slurm's job id.
    pub job_id: String,
    /// The batch script.
    pub script: PathBuf,
    /// The points submitted.
    pub points: usize,
}

/// The `--array` value for `indices` (sorted) with at most `max_parallel` tasks at once.
pub fn array_spec(indices: &[usize], max_parallel: usize) -> String {
    let contiguous = indices.windows(2).all(|w| w[1] == w[0] + 1);
    let range = match (indices.first(), indices.last()) {
        (Some(a), Some(b)) if contiguous => format!("{a}-{b}"),
        _ => indices
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(","),
    };
    format!("{range}%{}", max_parallel.max(1))
}

/// `text` quoted for a shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The batch script running `points` of `sweep` (paths made absolute): each array task's id is
/// its point's index, and the script maps it to the point's name.
pub fn batch_script(sweep: &SweepDir, points: &[Point], opts: &SlurmOptions) -> Result<String> {
    let indices: Vec<usize> = points.iter().map(|p| p.index).collect();
    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|e| GrokError::io(p, e));
    let (dir, exe) = (abs(sweep.path())?, abs(&opts.exe)?);
    let out = abs(&sweep.slurm_dir())?;
    let cpus = opts.cpus_per_task.max(1);
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!("#SBATCH --job-name=grokked-{}", sweep.spec().name),
        format!(
            "#SBATCH --array={}",
            array_spec(&indices, opts.max_parallel)
        ),
        format!("#SBATCH --output={}/%A_%a.out", out.display()),
        format!("#SBATCH --cpus-per-task={cpus}"),
    ];
    if let Some(p) = &opts.partition {
        lines.push(format!("#SBATCH --partition={p}"));
    }
    if let Some(t) = &opts.time {
        lines.push(format!("#SBATCH --time={t}"));
    }
    lines.extend(opts.extra.iter().map(|o| format!("#SBATCH {o}")));
    lines.push("set -euo pipefail".into());
    lines.push(format!(
        "export OMP_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{cpus}}}\""
    ));
    let names: Vec<String> = points
        .iter()
        .map(|p| format!("[{}]={}", p.index, quoted(&p.name)))
        .collect();
    lines.push(format!("names=({})", names.join(" ")));
    lines.push(format!(
        "exec {} sweep point {} --name \"${{names[$SLURM_ARRAY_TASK_ID]}}\" --threads \"$OMP_NUM_THREADS\"",
        quoted(&exe.display().to_string()),
        quoted(&dir.display().to_string())
    ));
    Ok(lines.join("\n") + "\n")
}

/// Writes the batch script for every point that is not done and submits it with `sbatch`.
pub fn submit_slurm(sweep: &SweepDir, opts: &SlurmOptions) -> Result<Option<Submission>> {
    let mut pending = Vec::new();
    for point in sweep.points() {
        if current_status(&sweep.point_dir(&point))? != Status::Done {
            pending.push(point);
        }
    }
    if pending.is_empty() {
        return Ok(None);
    }
    let dir = sweep.slurm_dir();
    std::fs::create_dir_all(&dir).map_err(|e| GrokError::io(&dir, e))?;
    let script = dir.join("sweep.sbatch");
    write_atomic(&script, batch_script(sweep, &pending, opts)?.as_bytes())?;
    let mut cmd = Command::new("sbatch");
    cmd.arg("--parsable");
    if opts.wait {
        cmd.arg("--wait");
    }
    let out = cmd.arg(&script).output().map_err(|e| {
        GrokError::Invalid(format!(
            "could not run sbatch ({e}): is Slurm installed and on PATH?"
        ))
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let job_id = stdout
        .lines()
        .next()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("");
    if job_id.is_empty() || (!out.status.success() && !opts.wait) {
        return Err(GrokError::Invalid(format!(
            "sbatch {} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    write_atomic(&dir.join("job_id"), job_id.as_bytes())?;
    Ok(Some(Submission {
        job_id: job_id.to_string(),
        script,
        points: pending.len(),
    }))
}
