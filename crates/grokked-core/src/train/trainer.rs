//! The training loop: shuffled mini-batches, loss on answer tokens only, AdamW with warmup,
//! scheduled exact-match evaluation of every split, checkpoints, resume, and early stop.
//!
//! ```no_run
//! use grokked_core::train::{RunConfig, Trainer, trainer::Silent};
//! let cfg = RunConfig::from_file("datasets/configs/composition-small.toml".as_ref()).unwrap();
//! let mut trainer = Trainer::new(cfg, "runs/composition-small".as_ref()).unwrap();
//! let summary = trainer.run(&mut Silent).unwrap();
//! println!("{summary}");
//! ```

use crate::error::{GrokError, Result};
use crate::model::GptModel;
use crate::train::batches::BatchOrder;
use crate::train::checkpoint::{latest_checkpoint, load_checkpoint, save_checkpoint, TrainerState};
use crate::train::config::RunConfig;
use crate::train::eval::{answer_loss, eval_sets, evaluate_sets, tensors_of, EvalSet};
use crate::train::metrics::{MetricsLog, MetricsRow, Summary};
use crate::train::optim::{AdamW, AdamWConfig};
use crate::train::schedule::learning_rate;
use grokked_data::encode::encode;
use grokked_data::tokenizer::TaskTokenizer;
use grokked_data::{folder, Split, TaskData};
use std::path::{Path, PathBuf};
use tch::{Device, Tensor};

/// The config file of a run folder.
pub const CONFIG_FILE: &str = "config.toml";
/// The metrics file of a run folder.
pub const METRICS_FILE: &str = "metrics.parquet";
/// The task folder inside a run folder.
pub const DATA_DIR: &str = "data";

/// Receives progress from [`Trainer::run`]; every method has an empty default.
pub trait TrainObserver {
    /// Before the first step (`start` is non-zero after a resume).
    fn on_start(&mut self, _start: u64, _max_steps: u64) {}
    /// After each optimizer step.
    fn on_step(&mut self, _step: u64, _loss: f64) {}
    /// After each evaluation.
    fn on_eval(&mut self, _splits: &[Split], _row: &MetricsRow) {}
    /// After a checkpoint is written.
    fn on_checkpoint(&mut self, _step: u64, _dir: &Path) {}
    /// When the run ends.
    fn on_finish(&mut self, _summary: &Summary) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl TrainObserver for Silent {}

/// Serialises use of libtorch's process-wide RNG between trainers (seeding, initialisation and
/// dropout), so trainers in several threads stay deterministic by seed.
fn torch_rng() -> std::sync::MutexGuard<'static, ()> {
    static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    RNG.lock().unwrap_or_else(|p| p.into_inner())
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

/// A run in progress.
pub struct Trainer {
    /// The configuration.
    pub cfg: RunConfig,
    /// The run folder.
    pub run_dir: PathBuf,
    /// The model being trained.
    pub model: GptModel,
    /// The optimizer.
    pub optim: AdamW,
    /// The task's tokenizer.
    pub tokenizer: TaskTokenizer,
    /// The task.
    pub data: TaskData,
    /// Evaluations so far.
    pub metrics: MetricsLog,
    /// Optimizer steps taken.
    pub step: u64,
    train_ids: Tensor,
    train_targets: Tensor,
    evals: Vec<EvalSet>,
    order: BatchOrder,
    loss_sum: f64,
    loss_count: u64,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("run_dir", &self.run_dir)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Trainer {
    /// Starts a run: generates the task, writes `config.toml` and `data/` into `run_dir`.
    pub fn new(cfg: RunConfig, run_dir: &Path) -> Result<Self> {
        cfg.validate()?;
        let data = cfg.data.generate()?;
        Self::with_data(cfg, run_dir, data)
    }

    /// Starts a run on given data (e.g. a derived task), writing `config.toml` and `data/`, so
    /// [`Trainer::resume`] can continue it.
    pub fn with_data(cfg: RunConfig, run_dir: &Path, data: TaskData) -> Result<Self> {
        cfg.validate()?;
        std::fs::create_dir_all(run_dir).map_err(|e| GrokError::io(run_dir, e))?;
        crate::fsutil::write_atomic(&run_dir.join(CONFIG_FILE), cfg.to_toml()?.as_bytes())?;
        folder::save(&data, &run_dir.join(DATA_DIR))?;
        Self::build(cfg, run_dir, data)
    }

    /// Continues a run from its latest checkpoint.
    pub fn resume(run_dir: &Path) -> Result<Self> {
        let cfg = RunConfig::from_file(&run_dir.join(CONFIG_FILE))?;
        let data = folder::load(&run_dir.join(DATA_DIR))?;
        let mut t = Self::build(cfg, run_dir, data)?;
        let (step, dir) = latest_checkpoint(run_dir)?.ok_or_else(|| {
            GrokError::Invalid(format!(
                "{}: no checkpoint to resume from",
                run_dir.display()
            ))
        })?;
        let (state, metrics) = load_checkpoint(&dir, &mut t.model, &mut t.optim)?;
        if state.step != step {
            return Err(GrokError::format(
                &dir,
                format!("trainer_state.json says step {}", state.step),
            ));
        }
        t.step = step;
        t.metrics = metrics;
        Ok(t)
    }

    /// Builds the model, optimizer and tensors for `data`.
    pub fn build(cfg: RunConfig, run_dir: &Path, data: TaskData) -> Result<Self> {
        let device = resolve_device(&cfg.train.device)?;
        let tokenizer = TaskTokenizer::new(&data.vocab)?;
        let train_enc = encode(&tokenizer, data.split(Split::Train))?;
        if train_enc.rows == 0 {
            return Err(GrokError::Invalid(
                "the task has no training examples".into(),
            ));
        }
        let evals = eval_sets(&data, &tokenizer, device)?;
        let width = evals
            .iter()
            .map(|e| e.ids.size()[1] as usize)
            .fold(train_enc.width, usize::max);
        let t = &cfg.train;
        let model = {
            let _rng = torch_rng();
            tch::manual_seed(t.seed as i64);
            GptModel::new(
                cfg.gpt_config(tokenizer.vocab_size() as i64, width as i64),
                device,
            )?
        };
        let optim = AdamW::new(
            &model.vs,
            AdamWConfig {
                betas: t.betas,
                eps: t.eps,
                weight_decay: t.weight_decay,
                grad_clip: t.grad_clip,
                grokfast: t.grokfast,
            },
        )?;
        let (train_ids, train_targets) = tensors_of(&train_enc, device);
        let order = BatchOrder::new(train_enc.rows, t.batch_size, t.seed);
        let metrics = MetricsLog::new(evals.iter().map(|e| e.split).collect());
        Ok(Trainer {
            cfg,
            run_dir: run_dir.to_path_buf(),
            model,
            optim,
            tokenizer,
            data,
            metrics,
            step: 0,
            train_ids,
            train_targets,
            evals,
            order,
            loss_sum: 0.0,
            loss_count: 0,
        })
    }

    /// The encoded training split: ids `[n, W]` and next-token targets `[n, W-1]`.
    pub fn train_tensors(&self) -> (&Tensor, &Tensor) {
        (&self.train_ids, &self.train_targets)
    }

    /// The encoded evaluation splits.
    pub fn eval_sets(&self) -> &[EvalSet] {
        &self.evals
    }

    /// The learning rate of the next step.
    pub fn lr(&self) -> f64 {
        let t = &self.cfg.train;
        learning_rate(t.schedule, t.lr, t.warmup_steps, t.max_steps, self.step + 1)
    }

    /// One optimizer step; returns the batch loss. A non-finite loss stops with an error and
    /// leaves the model untouched.
    pub fn train_step(&mut self) -> Result<f64> {
        let device = self.model.device();
        let idx = Tensor::from_slice(&self.order.indices(self.step)).to_device(device);
        let ids = self.train_ids.index_select(0, &idx);
        let targets = self.train_targets.index_select(0, &idx);
        // The torch RNG is process-wide: hold it from seeding to the last draw of the step.
        let _rng = torch_rng();
        if self.cfg.model.dropout > 0.0 {
            // Dropout masks follow from (seed, step), so a resumed run draws the same ones.
            tch::manual_seed(self.cfg.train.seed.wrapping_add(self.step + 1) as i64);
        }
        let kind =
            (self.cfg.train.bf16 && self.model.device().is_cuda()).then_some(tch::Kind::BFloat16);
        // The last token of a row predicts nothing: the model reads only the first W-1 tokens.
        let inputs = ids.narrow(1, 0, ids.size()[1] - 1);
        let logits = crate::model::precision::with_compute_kind(kind, || {
            self.model.gpt.forward(&inputs, true)
        })?;
        let loss = answer_loss(&logits, &targets);
        let value = loss.double_value(&[]);
        if !value.is_finite() {
            return Err(GrokError::Invalid(format!(
                "loss is {value} at step {}: stopping; the last good checkpoint is kept",
                self.step + 1
            )));
        }
        self.optim.zero_grad();
        loss.backward();
        let lr = self.lr();
        self.optim.step(lr)?;
        self.step += 1;
        self.loss_sum += value;
        self.loss_count += 1;
        Ok(value)
    }

    /// Exact-match accuracy of every evaluated split, in [`MetricsLog::splits`] order.
    pub fn evaluate(&self) -> Result<Vec<f64>> {
        let accs = evaluate_sets(&self.model.gpt, &self.evals, self.cfg.train.eval_batch_size)?;
        Ok(accs.into_iter().map(|(_, a)| a).collect())
    }

    fn record(&mut self, observer: &mut dyn TrainObserver) -> Result<()> {
        let train_loss = if self.loss_count == 0 {
            f64::NAN
        } else {
            self.loss_sum / self.loss_count as f64
        };
        let t = &self.cfg.train;
        let row = MetricsRow {
            step: self.step,
            train_loss,
            lr: learning_rate(t.schedule, t.lr, t.warmup_steps, t.max_steps, self.step),
            acc: self.evaluate()?,
        };
        self.loss_sum = 0.0;
        self.loss_count = 0;
        observer.on_eval(&self.metrics.splits, &row);
        self.metrics.push(row);
        self.metrics.save(&self.run_dir.join(METRICS_FILE))
    }

    /// Writes a checkpoint of the current step.
    pub fn checkpoint(&self) -> Result<PathBuf> {
        let state = TrainerState {
            step: self.step,
            seed: self.cfg.train.seed,
        };
        save_checkpoint(
            &self.run_dir,
            &self.model,
            &self.optim,
            &self.tokenizer,
            &self.metrics,
            &state,
        )
    }

    fn id_accuracy(&self) -> Option<f64> {
        self.metrics
            .series(Split::TestInferredId)
            .last()
            .map(|(_, a)| *a)
    }

    /// Trains to `max_steps` (or the early-stop accuracy), evaluating and checkpointing on
    /// schedule, then draws the grokking curve into `plots/`.
    pub fn run(&mut self, observer: &mut dyn TrainObserver) -> Result<Summary> {
        let max = self.cfg.train.max_steps;
        observer.on_start(self.step, max);
        if self.step == 0 && self.metrics.rows.is_empty() {
            self.record(observer)?;
            let dir = self.checkpoint()?;
            observer.on_checkpoint(0, &dir);
        }
        while self.step < max {
            let loss = self.train_step()?;
            observer.on_step(self.step, loss);
            let (eval, ckpt) = (self.cfg.train.eval, self.cfg.train.checkpoint);
            let last = self.step == max;
            if eval.hits(self.step) || last {
                self.record(observer)?;
            }
            let stop = self
                .cfg
                .train
                .stop_at_id_accuracy
                .is_some_and(|th| self.id_accuracy().is_some_and(|a| a >= th))
                && self
                    .metrics
                    .rows
                    .last()
                    .is_some_and(|r| r.step == self.step);
            if ckpt.hits(self.step) || last || stop {
                let dir = self.checkpoint()?;
                observer.on_checkpoint(self.step, &dir);
            }
            if stop {
                break;
            }
        }
        crate::viz::charts::grokking_curve(
            &self.metrics,
            &self.run_dir.join("plots").join("grokking"),
        )?;
        let summary = self.metrics.summary();
        observer.on_finish(&summary);
        Ok(summary)
    }
}
