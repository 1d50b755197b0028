//! [`RunDir`]: the one owner of a run folder's layout.
//!
//! ```text
//! RUN/config.toml          the run's configuration
//! RUN/data/                the task (see grokked_data::io::folder)
//! RUN/metrics.parquet      one row per evaluation
//! RUN/checkpoints/step-N/  Hugging Face model folder + optimizer and trainer state
//! RUN/plots/  RUN/analysis/
//! RUN/tensorboard/         TensorBoard event files, one event per evaluation
//! RUN/.lock                held by the one process writing the run
//! ```
//!
//! Readers (`eval`, `analyze`, notebooks) need no lock; a writer takes [`RunDir::lock`], which
//! fails at once, naming the holder's process id, while another process holds it.
//!
//! ```
//! use grokked_train::run_dir::RunDir;
//! let tmp = tempfile::tempdir().unwrap();
//! let run = RunDir::new(tmp.path());
//! assert_eq!(run.checkpoint_dir(200), tmp.path().join("checkpoints/step-200"));
//! assert!(run.latest_checkpoint().unwrap().is_none());
//! std::fs::create_dir_all(run.checkpoint_dir(1000)).unwrap();
//! assert_eq!(run.latest_checkpoint().unwrap().unwrap().0, 1000);
//! let lock = run.lock().unwrap();
//! assert!(run.lock().unwrap_err().to_string().contains(&std::process::id().to_string()));
//! drop(lock);
//! assert!(run.lock().is_ok());
//! assert_eq!(run.writer().unwrap(), None);
//! ```

use crate::config::RunConfig;
use crate::metrics::MetricsLog;
use crate::run_lock::{self, RunLock};
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{io::folder, TaskData};
use grokked_model::error::{GrokError, Result};
use grokked_model::{hf, GptModel, LoadPolicy};
use std::path::{Path, PathBuf};
use tch::Device;

/// `metrics.parquet`: one row per evaluation, in the run folder and (the metrics so far) in each
/// checkpoint.
pub const METRICS_FILE: &str = "metrics.parquet";
/// `optimizer.safetensors`: a checkpoint's optimizer state.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// A run folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

/// What a run folder holds besides its weights, loaded in one call.
#[derive(Debug)]
pub struct LoadedRun {
    /// The run's configuration.
    pub cfg: RunConfig,
    /// The task.
    pub data: TaskData,
    /// The task's tokenizer.
    pub tokenizer: TaskTokenizer,
    /// The device the configuration asks for.
    pub device: Device,
}

/// `auto`, `cpu` or `cuda` to a device.
pub fn resolve_device(name: &str) -> Result<Device> {
    match name {
        "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        "cuda" if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
        "cuda" => Err(GrokError::config(
            "train.device",
            "cuda requested but no CUDA device is available",
        )),
        other => Err(GrokError::config(
            "train.device",
            format!("unknown device `{other}`"),
        )),
    }
}

impl RunDir {
    /// The run folder at `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RunDir { root: root.into() }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `data/`, the task folder.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// `metrics.parquet`.
    pub fn metrics_file(&self) -> PathBuf {
        self.root.join(METRICS_FILE)
    }

    /// `checkpoints/`.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// `checkpoints/step-N`.
    pub fn checkpoint_dir(&self, step: u64) -> PathBuf {
        self.checkpoints_dir().join(format!("step-{step}"))
    }

    /// `plots/`.
    pub fn plots_dir(&self) -> PathBuf {
        self.root.join("plots")
    }

    /// `analysis/`.
    pub fn analysis_dir(&self) -> PathBuf {
        self.root.join("analysis")
    }

    /// `tensorboard/`, the run's TensorBoard event files.
    pub fn tensorboard_dir(&self) -> PathBuf {
        self.root.join("tensorboard")
    }

    /// `.lock`, the writer's lock file.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".lock")
    }

    /// Whether the folder holds a run (its `config.toml`).
    pub fn exists(&self) -> bool {
        self.config_file().is_file()
    }

    /// The run's configuration.
    pub fn config(&self) -> Result<RunConfig> {
        RunConfig::from_file(&self.config_file())
    }

    /// Configuration, task, tokenizer and device in one call. A run folder shipped without its
    /// `data/` (a generated task is fixed by its config and seed) generates the task again.
    pub fn load(&self) -> Result<LoadedRun> {
        let cfg = self.config()?;
        let data = match &cfg.data {
            grokked_data::DataSource::Generate(spec) if !self.data_dir().exists() => {
                spec.generate()?
            }
            _ => folder::load(&self.data_dir())?,
        };
        let tokenizer = TaskTokenizer::new(&data.vocab)?;
        let device = resolve_device(&cfg.train.device)?;
        Ok(LoadedRun {
            cfg,
            data,
            tokenizer,
            device,
        })
    }

    /// The metrics written so far.
    pub fn metrics(&self) -> Result<MetricsLog> {
        MetricsLog::load(&self.metrics_file())
    }

    /// Every checkpoint, as (step, folder), by step.
    pub fn checkpoints(&self) -> Result<Vec<(u64, PathBuf)>> {
        let dir = self.checkpoints_dir();
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
            .map_err(|e| GrokError::io(&dir, e))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("step-")
                    .and_then(|n| n.parse().ok())
                    .map(|n| (n, e.path()))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The latest checkpoint.
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, PathBuf)>> {
        Ok(self.checkpoints()?.pop())
    }

    /// The checkpoint at `step`, or the latest; an error lists the steps there are.
    pub fn checkpoint_at(&self, step: Option<u64>) -> Result<(u64, PathBuf)> {
        let all = self.checkpoints()?;
        let found = match step {
            Some(s) => all.iter().find(|(n, _)| *n == s).cloned(),
            None => all.last().cloned(),
        };
        found.ok_or_else(|| {
            let have: Vec<String> = all.iter().map(|(s, _)| s.to_string()).collect();
            let wanted = step.map_or("any step".to_string(), |s| format!("step {s}"));
            GrokError::Invalid(format!(
                "{}: no checkpoint at {wanted} (have: {})",
                self.root.display(),
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            ))
        })
    }

    /// The model of checkpoint `step` (default: the latest) on `device`, data only (see
    /// [`RunDir::load_model_with`] for a model with a plugin).
    pub fn load_model(&self, step: Option<u64>, device: Device) -> Result<(GptModel, u64)> {
        self.load_model_with(step, device, &LoadPolicy::data_only())
    }

    /// The model of checkpoint `step` (default: the latest) on `device`, as `policy` allows.
    pub fn load_model_with(
        &self,
        step: Option<u64>,
        device: Device,
        policy: &LoadPolicy,
    ) -> Result<(GptModel, u64)> {
        let (step, dir) = self.checkpoint_at(step)?;
        self.check_plugin_agrees(&dir, policy)?;
        Ok((hf::load_folder_with(&dir, device, policy)?, step))
    }

    /// A plugin named in `config.toml` needs consent too, and the checkpoint in `dir` must hold
    /// the same plugin (present in both or in neither, with the pinned hash where the run config
    /// pins one): a model silently loaded without its plugin scores a different model.
    fn check_plugin_agrees(&self, dir: &Path, policy: &LoadPolicy) -> Result<()> {
        if !self.config_file().is_file() {
            return Ok(());
        }
        let mut run_plugin = self.config()?.model.plugin;
        if let Some(p) = &mut run_plugin {
            policy.overrides().relocate(p);
            policy.check_plugin(p, &self.config_file())?;
        }
        let json = dir.join(hf::CONFIG_FILE);
        let mut ckpt_plugin = grokked_model::GptConfig::from_file(&json)?.plugin;
        if let Some(p) = &mut ckpt_plugin {
            policy.overrides().relocate(p);
            policy.check_plugin(p, &json)?;
        }
        match (&run_plugin, &ckpt_plugin) {
            (Some(p), None) => Err(GrokError::format(
                &json,
                format!(
                    "names no plugin, but the run's config.toml names {}: the checkpoint does not \
                     hold the run's model",
                    p.path.display()
                ),
            )),
            (None, Some(p)) => Err(GrokError::format(
                &json,
                format!(
                    "names the plugin {}, but the run's config.toml names none",
                    p.path.display()
                ),
            )),
            (Some(run), Some(ckpt)) => match (&run.sha256, &ckpt.sha256) {
                (Some(pin), Some(found)) if !pin.eq_ignore_ascii_case(found) => {
                    Err(GrokError::format(
                        &json,
                        format!(
                            "records plugin SHA-256 {found}, but config.toml pins sha256 = {pin}"
                        ),
                    ))
                }
                _ => Ok(()),
            },
            (None, None) => Ok(()),
        }
    }

    /// Takes the writer's lock (see [`crate::run_lock`]); fails at once with the
    /// holder's id while another process holds it, and refuses a `.lock` that is a link or not a
    /// plain file.
    pub fn lock(&self) -> Result<RunLock> {
        RunLock::acquire(&self.root, &self.lock_file())
    }

    /// The process id of the writer holding the run now, if any. Takes no lock and writes
    /// nothing (a status query may read a folder it cannot write).
    pub fn writer(&self) -> Result<Option<String>> {
        run_lock::holder(&self.lock_file())
    }

    /// Removes what a crashed writer left half-written: temporary checkpoint folders
    /// (`checkpoints/.step-N.tmp-PID`) and temporary files (`.NAME.tmp-PID`) in the run and
    /// data folders. Call it only while holding the lock. Returns what was removed.
    pub fn remove_stale_temporaries(&self, _lock: &RunLock) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        for dir in [self.root.clone(), self.data_dir(), self.checkpoints_dir()] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(|e| e.ok()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !(name.starts_with('.') && name.contains(".tmp-")) {
                    continue;
                }
                let path = entry.path();
                let result = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                result.map_err(|e| GrokError::io(&path, e))?;
                removed.push(path);
            }
        }
        Ok(removed)
    }
}
