//! Running a sweep on a Slurm cluster: a job-array batch script (`sbatch --array=...%K`), each
//! array task running one point with the same binary (`grokked sweep point SWEEP --name NAME`,
//! the name looked up by `$SLURM_ARRAY_TASK_ID` in the script, so that a spec grown while the
//! array waits cannot swap a task's point). Slurm schedules; `grokked sweep collect` reads the
//! results as for a local run.
//!
//! The conventions of cluster launchers (submitit, Hydra's, Ray Tune):
//! - a failed point is tried again in its task up to `retries` times;
//! - with a time limit, Slurm sends the batch script `USR1` `signal_before` seconds before it
//!   (`--signal=B:USR1@S`); the script forwards it (and a `TERM` of preemption) to the point,
//!   which saves a checkpoint after its current step and exits with status 75, and the script
//!   requeues its task (`scontrol requeue`, with `--requeue`), which resumes from that checkpoint;
//! - an array larger than the cluster's `MaxArraySize` (from `scontrol show config`) is split into
//!   several arrays (`--jobs` then limits each array);
//! - `grokked sweep cancel` cancels every array of the sweep (their ids are in `slurm/job_id`).
//!
//! ```
//! use grokked_experiments::sweep::slurm::{array_spec, chunks, max_array_size_of};
//! assert_eq!(array_spec(&[0, 1, 2, 3], 2), "0-3%2");
//! assert_eq!(array_spec(&[1, 4, 5], 8), "1,4,5%8");
//! assert_eq!(chunks(5, 2), vec![0..2, 2..4, 4..5]);
//! assert_eq!(max_array_size_of("MaxArraySize            = 3\nMaxJobCount = 10"), Some(3));
//! ```

use super::folder::SweepDir;
use super::spec::Point;
use super::status::{current_status, Status};
use grokked_model::error::{GrokError, Result};
use grokked_model::fsutil::write_atomic;
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
    /// Wait for every array to finish.
    pub wait: bool,
    /// The `grokked` binary the tasks run.
    pub exe: PathBuf,
    /// How many times a task tries a failed point again.
    pub retries: usize,
    /// With a time limit: seconds before it that the point is told to checkpoint and requeue.
    pub signal_before: u32,
    /// The largest array the cluster takes (default: `scontrol show config`'s `MaxArraySize`).
    pub max_array_size: Option<usize>,
}

/// A submitted sweep: one array, or several when the cluster's `MaxArraySize` is smaller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Slurm's job id of each array.
    pub job_ids: Vec<String>,
    /// The batch script of each array.
    pub scripts: Vec<PathBuf>,
    /// The points submitted.
    pub points: usize,
}

/// The exit status of a point stopped by a signal with its checkpoint saved.
pub const INTERRUPTED: i32 = 75;

/// Slurm's default `MaxArraySize`.
const DEFAULT_MAX_ARRAY_SIZE: usize = 1001;

/// `0..n` cut into ranges of at most `size` (each array's task ids then stay below the cluster's
/// `MaxArraySize`).
pub fn chunks(n: usize, size: usize) -> Vec<std::ops::Range<usize>> {
    let size = size.max(1);
    (0..n.div_ceil(size))
        .map(|i| i * size..((i + 1) * size).min(n))
        .collect()
}

/// `MaxArraySize` in the text of `scontrol show config`.
pub fn max_array_size_of(config: &str) -> Option<usize> {
    config.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == "MaxArraySize").then(|| value.trim().parse().ok())?
    })
}

/// The cluster's `MaxArraySize` (Slurm's default when `scontrol` does not say).
fn cluster_max_array_size() -> usize {
    Command::new("scontrol")
        .args(["show", "config"])
        .output()
        .ok()
        .and_then(|o| max_array_size_of(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or(DEFAULT_MAX_ARRAY_SIZE)
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

/// The batch script running `points` of `sweep` (paths made absolute) as one array: task `i`
/// runs the `i`-th point, which the script maps to its name.
pub fn batch_script(sweep: &SweepDir, points: &[Point], opts: &SlurmOptions) -> Result<String> {
    let ids: Vec<usize> = (0..points.len()).collect();
    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|e| GrokError::io(p, e));
    let (dir, exe) = (abs(sweep.path())?, abs(&opts.exe)?);
    let out = abs(&sweep.slurm_dir())?;
    let cpus = opts.cpus_per_task.max(1);
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!("#SBATCH --job-name=grokked-{}", sweep.spec().name),
        format!("#SBATCH --array={}", array_spec(&ids, opts.max_parallel)),
        format!("#SBATCH --output={}/%A_%a.out", out.display()),
        // A requeued task appends to its output.
        "#SBATCH --open-mode=append".to_string(),
        format!("#SBATCH --cpus-per-task={cpus}"),
        "#SBATCH --requeue".to_string(),
    ];
    if let Some(p) = &opts.partition {
        lines.push(format!("#SBATCH --partition={p}"));
    }
    if let Some(t) = &opts.time {
        lines.push(format!("#SBATCH --time={t}"));
        lines.push(format!("#SBATCH --signal=B:USR1@{}", opts.signal_before));
    }
    lines.extend(opts.extra.iter().map(|o| format!("#SBATCH {o}")));
    lines.push("set -uo pipefail".into());
    lines.push(format!(
        "export OMP_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{cpus}}}\""
    ));
    let names: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("[{i}]={}", quoted(&p.name)))
        .collect();
    lines.push(format!("names=({})", names.join(" ")));
    lines.push("name=\"${names[$SLURM_ARRAY_TASK_ID]}\"".into());
    lines.push("task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"".into());
    lines.push("child=0".into());
    lines.push(
        "# The warning signal and a preemption's TERM go to the point, which checkpoints.".into(),
    );
    lines.push("trap 'kill -USR1 \"$child\" 2>/dev/null' USR1".into());
    lines.push("trap 'kill -TERM \"$child\" 2>/dev/null' TERM".into());
    lines.push(format!("for attempt in $(seq 0 {}); do", opts.retries));
    lines.push(format!(
        "    {} sweep point {} --name \"$name\" --threads \"$OMP_NUM_THREADS\" &",
        quoted(&exe.display().to_string()),
        quoted(&dir.display().to_string())
    ));
    lines.push("    child=$!".into());
    lines.push(
        "    # A trapped signal ends `wait` early: wait again until the point itself exits.".into(),
    );
    lines.push(
        "    while :; do wait \"$child\"; rc=$?; kill -0 \"$child\" 2>/dev/null || break; done"
            .into(),
    );
    lines.push("    if [ \"$rc\" -eq 0 ]; then exit 0; fi".into());
    lines.push(format!(
        "    if [ \"$rc\" -eq {INTERRUPTED} ]; then scontrol requeue \"$task\"; exit 0; fi"
    ));
    lines.push(
        "    echo \"grokked: point $name failed (attempt $((attempt + 1)), status $rc)\" >&2"
            .into(),
    );
    lines.push("done".into());
    lines.push("exit \"$rc\"".into());
    Ok(lines.join("\n") + "\n")
}

/// The ids of the arrays last submitted for `sweep` (`slurm/job_id`, one per line).
pub fn job_ids(sweep: &SweepDir) -> Result<Vec<String>> {
    let path = sweep.slurm_dir().join("job_id");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    Ok(grokked_model::fsutil::read_to_string(&path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Runs a Slurm client command, naming it when it cannot run or fails.
fn slurm(cmd: &mut Command) -> Result<String> {
    let name = format!("{:?}", cmd.get_program());
    let out = cmd.output().map_err(|e| {
        GrokError::Invalid(format!(
            "could not run {name} ({e}): is Slurm installed and on PATH?"
        ))
    })?;
    if !out.status.success() {
        return Err(GrokError::Invalid(format!(
            "{name} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Cancels every array of `sweep` (`scancel`); returns their ids.
pub fn cancel_slurm(sweep: &SweepDir) -> Result<Vec<String>> {
    let ids = job_ids(sweep)?;
    if !ids.is_empty() {
        slurm(Command::new("scancel").args(&ids))?;
    }
    Ok(ids)
}

/// Waits until none of `ids` is in Slurm's queue.
fn wait_for(ids: &[String]) -> Result<()> {
    loop {
        let listed = slurm(Command::new("squeue").args(["-h", "-o", "%i", "-j", &ids.join(",")]));
        // squeue refuses ids it no longer knows: then they are long finished.
        if listed.map_or(true, |l| l.trim().is_empty()) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

/// Writes the batch scripts for every point that is not done (one array per `MaxArraySize`
/// points) and submits them with `sbatch`.
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
    let size = opts.max_array_size.unwrap_or_else(cluster_max_array_size);
    let parts = chunks(pending.len(), size);
    let (mut job_ids, mut scripts) = (Vec::new(), Vec::new());
    for (i, range) in parts.iter().enumerate() {
        let script = if parts.len() == 1 {
            dir.join("sweep.sbatch")
        } else {
            dir.join(format!("sweep-{i}.sbatch"))
        };
        write_atomic(
            &script,
            batch_script(sweep, &pending[range.clone()], opts)?.as_bytes(),
        )?;
        let out = slurm(Command::new("sbatch").arg("--parsable").arg(&script))?;
        let id = out
            .lines()
            .next()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        if id.is_empty() {
            return Err(GrokError::Invalid(format!(
                "sbatch {} printed no job id",
                script.display()
            )));
        }
        job_ids.push(id.to_string());
        scripts.push(script);
        // Recorded after each array, so `sweep cancel` reaches every array submitted so far.
        write_atomic(&dir.join("job_id"), (job_ids.join("\n") + "\n").as_bytes())?;
    }
    if opts.wait {
        wait_for(&job_ids)?;
    }
    Ok(Some(Submission {
        job_ids,
        scripts,
        points: pending.len(),
    }))
}
