//! `grokked sweep run|point|collect|status|cancel|export`.

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use grokked_experiments::sweep::collect::{collect, status_table, summary};
use grokked_experiments::sweep::export::{export, record_run};
use grokked_experiments::sweep::local::{run_local, LocalOptions};
use grokked_experiments::sweep::slurm::{cancel_slurm, submit_slurm, SlurmOptions};
use grokked_experiments::sweep::SweepDir;
use grokked_experiments::sweep::{point::run_point, status::Status};
use grokked_train::progress::ProgressBarObserver;
use std::path::PathBuf;

/// `grokked sweep ...`
#[derive(Subcommand)]
pub enum SweepCommand {
    /// Run every point of a sweep spec that is not done: on this machine (points in parallel,
    /// threads split between them) or as one Slurm job array.
    Run(RunArgs),
    /// Train one point of a sweep folder (what each local process and Slurm array task runs).
    Point(PointArgs),
    /// Write SWEEP/summary.parquet and the charts in SWEEP/plots/.
    Collect {
        /// A sweep folder.
        dir: PathBuf,
    },
    /// Print one line per point: its settings, status, landmarks and final accuracies.
    Status {
        /// A sweep folder.
        dir: PathBuf,
    },
    /// Cancel every Slurm job array of a sweep (their ids are in SWEEP/slurm/job_id).
    Cancel {
        /// A sweep folder.
        dir: PathBuf,
    },
    /// Collect a sweep and copy its results (spec, summary, charts, each point's metrics; no
    /// checkpoints) with their provenance into DEST, e.g. datasets/results/NAME.
    Export {
        /// A sweep folder.
        dir: PathBuf,
        /// Where the results go.
        dest: PathBuf,
    },
}

/// Where the points run.
#[derive(Clone, Copy, ValueEnum)]
enum Backend {
    /// This machine.
    Local,
    /// A Slurm cluster (one job array).
    Slurm,
}

/// Arguments of `grokked sweep run`.
#[derive(Args)]
pub struct RunArgs {
    /// The sweep spec (TOML), e.g. datasets/sweeps/weight-decay.toml.
    spec: PathBuf,
    /// The sweep folder.
    #[arg(long)]
    out: PathBuf,
    /// Points at once (local) or array tasks at once (Slurm, the %K of --array).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Threads in all, split between the local points (default: this machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where the points run.
    #[arg(long, value_enum, default_value = "local")]
    backend: Backend,
    /// Slurm: the partition.
    #[arg(long)]
    partition: Option<String>,
    /// Slurm: the time limit of each array task (e.g. 02:00:00).
    #[arg(long)]
    time: Option<String>,
    /// Slurm: CPUs per array task.
    #[arg(long, default_value_t = 1)]
    cpus_per_task: usize,
    /// Slurm: a further #SBATCH option, e.g. --sbatch=--mem=4G (repeatable).
    #[arg(long = "sbatch", value_name = "OPTION", allow_hyphen_values = true)]
    sbatch: Vec<String>,
    /// Slurm: wait until every array has finished.
    #[arg(long)]
    wait: bool,
    /// Try a failed point again up to N times (locally and in each Slurm task); every attempt
    /// is recorded in the point's sweep_status.json.
    #[arg(long, default_value_t = 0, value_name = "N")]
    retries: usize,
    /// Slurm, with --time: seconds before the time limit that a point is signalled to save a
    /// checkpoint and requeue itself (--signal=B:USR1@SECONDS, --requeue).
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    signal_before: u32,
    /// An override for every point, after the spec's own (repeatable), e.g. a plugin's path on
    /// this machine: --set model.plugin.path=target/release/libshared_depth.so.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

/// Arguments of `grokked sweep point`.
#[derive(Args)]
pub struct PointArgs {
    /// A sweep folder (written by `grokked sweep run`).
    dir: PathBuf,
    /// The point's index in the spec's order (a Slurm array task's id).
    #[arg(long, required_unless_present = "name", conflicts_with = "name")]
    index: Option<usize>,
    /// The point's name (its folder under `points/`).
    #[arg(long)]
    name: Option<String>,
    /// Threads for this point.
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs a `sweep` subcommand.
pub fn run(cmd: SweepCommand) -> anyhow::Result<()> {
    match cmd {
        SweepCommand::Run(a) => run_sweep(a),
        SweepCommand::Point(a) => point(a),
        SweepCommand::Collect { dir } => {
            let sweep = SweepDir::open(&dir)?;
            let df = collect(&sweep)?;
            println!("{}", status_table(&df)?);
            println!(
                "summary: {}  charts: {}",
                sweep.summary_file().display(),
                sweep.plots_dir().display()
            );
            Ok(())
        }
        SweepCommand::Cancel { dir } => {
            let ids = cancel_slurm(&SweepDir::open(&dir)?)?;
            if ids.is_empty() {
                println!("{} has no Slurm jobs to cancel", dir.display());
            } else {
                println!("cancelled Slurm job(s) {}", ids.join(", "));
            }
            Ok(())
        }
        SweepCommand::Export { dir, dest } => {
            export(&SweepDir::open(&dir)?, &dest)?;
            println!("exported {} to {}", dir.display(), dest.display());
            Ok(())
        }
        SweepCommand::Status { dir } => {
            let df = summary(&SweepDir::open(&dir)?)?;
            println!("{}", status_table(&df)?);
            Ok(())
        }
    }
}

fn run_sweep(a: RunArgs) -> anyhow::Result<()> {
    let sweep = SweepDir::create_with(&a.spec, &a.out, &a.sets)?;
    // The command as a user would type it (not this binary's path on this machine).
    let command: Vec<String> = std::iter::once("grokked".to_string())
        .chain(std::env::args().skip(1))
        .collect();
    record_run(&sweep, &command)?;
    let exe = std::env::current_exe().context("locating the grokked binary")?;
    let n = sweep.points().len();
    match a.backend {
        Backend::Local => {
            let threads = a
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            eprintln!(
                "sweep {}: {n} points, {} at once, {threads} threads -> {}",
                sweep.spec().name,
                a.jobs,
                a.out.display()
            );
            let report = run_local(
                &sweep,
                &LocalOptions {
                    jobs: a.jobs,
                    threads,
                    exe,
                    retries: a.retries,
                },
            )?;
            println!(
                "{} points: {} done before, {} done now, {} failed",
                n,
                report.skipped,
                report.done,
                report.failed.len()
            );
            for (name, err) in &report.failed {
                println!("  failed: {name}: {err}");
            }
            if !report.failed.is_empty() {
                bail!(
                    "{} points failed (rerun to retry them)",
                    report.failed.len()
                );
            }
        }
        Backend::Slurm => {
            let opts = SlurmOptions {
                partition: a.partition,
                time: a.time,
                max_parallel: a.jobs,
                cpus_per_task: a.cpus_per_task,
                extra: a.sbatch,
                wait: a.wait,
                exe,
                retries: a.retries,
                signal_before: a.signal_before,
                max_array_size: None,
            };
            match submit_slurm(&sweep, &opts)? {
                None => println!("every point of {} is done", a.out.display()),
                Some(s) => println!(
                    "submitted job array {} ({} points): {}",
                    s.job_ids.join(", "),
                    s.points,
                    s.scripts
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }
    Ok(())
}

fn point(a: PointArgs) -> anyhow::Result<()> {
    if let Some(t) = a.threads {
        tch::set_num_threads(t as i32);
    }
    let sweep = SweepDir::open(&a.dir)?;
    let point = match (&a.name, a.index) {
        (Some(name), _) => sweep.point_named(name)?,
        (None, Some(index)) => sweep.point(index)?,
        (None, None) => bail!("name the point: --name NAME or --index I"),
    };
    eprintln!(
        "point {} ({}): {}",
        point.index,
        point.name,
        point.sets.join(" ")
    );
    let status = run_point(
        &sweep,
        &point,
        &mut ProgressBarObserver::new(),
        Some(crate::signals::stop_flag()),
    )?;
    match status.status {
        Status::Done => {
            println!(
                "point {} done at step {} in {:.1}s",
                point.name, status.last_step, status.wall_s
            );
            Ok(())
        }
        Status::Interrupted => {
            eprintln!(
                "point {} interrupted by a signal at step {}: its checkpoint is saved and it \
                 resumes when run again",
                point.name, status.last_step
            );
            std::process::exit(crate::signals::INTERRUPTED);
        }
        _ => bail!(
            "point {} failed: {}",
            point.name,
            status.error.unwrap_or_default()
        ),
    }
}
