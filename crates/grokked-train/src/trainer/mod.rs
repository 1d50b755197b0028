//! The training loop: shuffled mini-batches, loss on answer tokens only, AdamW with warmup,
//! scheduled exact-match evaluation of every split, checkpoints, resume, and early stop.
//!
//! ```no_run
//! use grokked_train::{observer::Silent, RunConfig, Trainer};
//! let cfg = RunConfig::from_file("datasets/configs/composition-small.toml".as_ref()).unwrap();
//! let mut trainer = Trainer::new(cfg, "runs/composition-small".as_ref()).unwrap();
//! let summary = trainer.run(&mut Silent).unwrap();
//! println!("{summary}");
//! ```

use crate::batches::BatchOrder;
use crate::checkpoint::{save_checkpoint, TrainerState};
use crate::config::RunConfig;
use crate::eval::{answer_loss_with, eval_sets, tensors_of, EvalBatch, EvalSet, IGNORE};
use crate::metrics::{MetricsLog, Summary};
use crate::observer::TrainObserver;
use crate::optim::Optimizer;
use crate::run_dir::{resolve_device, RunDir};
use crate::run_lock::RunLock;
use crate::schedule::learning_rate;
use crate::telemetry::Telemetry;
use crate::tensorboard::EventLog;
use aux_bridge::{bridge_tokens, Capture};
use grokked_model::error::{GrokError, Result};
use grokked_model::seed::{torch_rng, with_seed};
use grokked_model::GptModel;

mod aux_bridge;
mod record;
pub mod resume;
use grokked_data::tokens::encode::encode;
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{io::folder, Split, TaskData};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tch::{Kind, Tensor};

/// Steps between reads of the loss from the device: a training step itself never waits for it.
pub const LOSS_READ_EVERY: u64 = 10;

/// A run in progress.
pub struct Trainer {
    /// The configuration.
    pub cfg: RunConfig,
    /// The run folder.
    pub run: RunDir,
    /// The model being trained.
    pub model: GptModel,
    /// The optimizer.
    pub optim: Optimizer,
    /// The task's tokenizer.
    pub tokenizer: TaskTokenizer,
    /// The task.
    pub data: TaskData,
    /// Evaluations so far.
    pub metrics: MetricsLog,
    /// Optimizer steps taken.
    pub step: u64,
    /// What resuming had to say (checkpoints skipped as corrupt, temporaries removed).
    pub notes: Vec<String>,
    train_ids: Tensor,
    train_targets: Tensor,
    /// The bridge entity's token of each training row (two-hop facts), else [`IGNORE`].
    train_bridge: Tensor,
    evals: Vec<EvalSet>,
    eval: EvalBatch,
    telemetry: Option<Telemetry>,
    order: BatchOrder,
    /// Losses of the steps since the last read, on the device.
    pending: Vec<Tensor>,
    loss_sum: f64,
    loss_count: u64,
    config_pending: bool,
    /// The TensorBoard event file, opened at the first evaluation (`[train] tensorboard`).
    events: Option<EventLog>,
    /// Set from outside (a signal handler) to stop at the next step with a checkpoint.
    stop: Option<&'static AtomicBool>,
    /// Whether the last [`Trainer::run`] stopped on that flag before its end.
    pub interrupted: bool,
    _lock: RunLock,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("run", &self.run)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Trainer {
    /// Starts a run: generates (or reads) the task, writes `config.toml` and `data/` into
    /// `run_dir`. A plugin named in `cfg` counts as allowed: the caller chose it.
    pub fn new(cfg: RunConfig, run_dir: &Path) -> Result<Self> {
        cfg.validate()?;
        let data = cfg.data.load()?;
        Self::with_data(cfg, run_dir, data)
    }

    /// Starts a run on given data (e.g. a derived task), writing `config.toml` and `data/`, so
    /// [`Trainer::resume`] can continue it.
    pub fn with_data(cfg: RunConfig, run_dir: &Path, data: TaskData) -> Result<Self> {
        cfg.validate()?;
        let run = RunDir::new(run_dir);
        let lock = run.lock()?;
        let notes = removed_notes(run.remove_stale_temporaries(&lock)?);
        grokked_model::fsutil::write_atomic(&run.config_file(), cfg.to_toml()?.as_bytes())?;
        folder::save(&data, &run.data_dir())?;
        // Events of an earlier attempt that never reached a checkpoint start over.
        EventLog::keep_through(&run.tensorboard_dir(), None)?;
        let mut t = Self::build(cfg, run, lock, data)?;
        t.notes = notes;
        Ok(t)
    }

    /// Builds the model, optimizer and tensors for `data`.
    fn build(cfg: RunConfig, run: RunDir, lock: RunLock, data: TaskData) -> Result<Self> {
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
        let model = with_seed(t.seed as i64, || {
            GptModel::new(
                cfg.gpt_config(tokenizer.vocab_size() as i64, width as i64),
                device,
            )
        })?;
        if let Some(aux) = t.aux_bridge {
            if !model.gpt.layer_ids.contains(&aux.layer) {
                return Err(GrokError::config(
                    "train.aux_bridge.layer",
                    format!("block {} is replaced by the model's plugin", aux.layer),
                ));
            }
        }
        let optim = Optimizer::new(&model.vs, t.optim)?;
        let (train_ids, train_targets) = tensors_of(&train_enc, device);
        let train_bridge = Tensor::from_slice(&bridge_tokens(&data, &tokenizer)).to_device(device);
        let order = BatchOrder::new(train_enc.rows, t.batch_size, t.seed);
        let telemetry = if t.telemetry {
            Some(Telemetry::new(
                &model,
                &data,
                &tokenizer,
                &train_ids,
                &train_targets,
            )?)
        } else {
            None
        };
        // Per-hop accuracies (a task of several hop counts) lead the extra columns.
        let mut extra: Vec<String> = evals
            .iter()
            .filter(|e| e.hops.is_some())
            .map(EvalSet::name)
            .collect();
        extra.extend(
            telemetry
                .as_ref()
                .map_or(Vec::new(), |t| t.names().to_vec()),
        );
        let splits = evals
            .iter()
            .filter(|e| e.hops.is_none())
            .map(|e| e.split)
            .collect();
        let metrics = MetricsLog::with_extra(splits, extra);
        let eval = EvalBatch::new(&evals);
        Ok(Trainer {
            cfg,
            run,
            model,
            optim,
            tokenizer,
            data,
            metrics,
            step: 0,
            notes: Vec::new(),
            train_ids,
            train_targets,
            train_bridge,
            evals,
            eval,
            telemetry,
            order,
            pending: Vec::new(),
            loss_sum: 0.0,
            loss_count: 0,
            config_pending: false,
            events: None,
            stop: None,
            interrupted: false,
            _lock: lock,
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

    /// One optimizer step, reading nothing back from the device: returns the batch loss as a
    /// scalar tensor. Losses are checked when read ([`Trainer::read_losses`]).
    pub fn train_step_deferred(&mut self) -> Result<Tensor> {
        let device = self.model.device();
        let idx = Tensor::from_slice(&self.order.indices(self.step)).to_device(device);
        let ids = self.train_ids.index_select(0, &idx);
        let targets = self.train_targets.index_select(0, &idx);
        let tc = &self.cfg.train;
        // The torch RNG is process-wide: hold it from seeding to the last draw of the step.
        let _rng = torch_rng();
        if self.cfg.model.dropout > 0.0 {
            // Dropout masks follow from (seed, step), so a resumed run draws the same ones.
            tch::manual_seed(tc.seed.wrapping_add(self.step + 1) as i64);
        }
        let kind = (tc.bf16 && device.is_cuda()).then_some(Kind::BFloat16);
        // The last token of a row predicts nothing: the model reads only the first W-1 tokens.
        let inputs = ids.narrow(1, 0, ids.size()[1] - 1);
        let mut capture = Capture {
            site: grokked_model::HookSite::ResidPost(tc.aux_bridge.map_or(0, |a| a.layer)),
            out: None,
        };
        let mut no_hook = grokked_model::NoHooks;
        let hook: &mut dyn grokked_model::Hook = if tc.aux_bridge.is_some() {
            &mut capture
        } else {
            &mut no_hook
        };
        let logits = grokked_model::precision::with_compute_kind(kind, || {
            let mut opts = grokked_model::ForwardOpts::with_hook(hook);
            opts.train = true;
            opts.trusted_ids = true;
            self.model.gpt.forward_with(&inputs, opts)
        })?;
        let mut loss = answer_loss_with(&logits, &targets, tc.loss, tc.logit_temperature);
        if let (Some(aux), Some(resid)) = (tc.aux_bridge, capture.out.take()) {
            // The logit lens at the r1 position (1) should rank the bridge first.
            let bridge = self.train_bridge.index_select(0, &idx);
            let lens = self.model.gpt.unembed(&resid.select(1, 1));
            let keep = bridge.ne(IGNORE).sum(Kind::Float).clamp_min(1.0);
            let aux_loss =
                lens.cross_entropy_loss::<Tensor>(&bridge, None, tch::Reduction::Sum, IGNORE, 0.0)
                    / keep;
            loss = aux_loss * aux.weight + &loss;
        }
        self.optim.zero_grad();
        loss.backward();
        let lr = self.lr();
        let _grad_norm = self.optim.step(lr)?;
        self.step += 1;
        let loss = loss.detach();
        self.pending.push(loss.shallow_clone());
        Ok(loss)
    }

    /// One optimizer step; returns the batch loss (read back at once). A non-finite loss stops
    /// with an error.
    pub fn train_step(&mut self) -> Result<f64> {
        let _loss = self.train_step_deferred()?;
        Ok(self.read_losses()?.unwrap_or(f64::NAN))
    }

    /// Reads back the losses of the steps since the last read (one transfer), adds them to the
    /// running mean, and returns the last; a non-finite loss is an error naming its step.
    pub fn read_losses(&mut self) -> Result<Option<f64>> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let values: Vec<f64> =
            Vec::try_from(Tensor::stack(&self.pending, 0).to_kind(Kind::Double))?;
        let first = self.step + 1 - values.len() as u64;
        self.pending.clear();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(GrokError::Invalid(format!(
                "loss is {} at step {}: stopping; the last good checkpoint is kept",
                values[i],
                first + i as u64
            )));
        }
        self.loss_sum += values.iter().sum::<f64>();
        self.loss_count += values.len() as u64;
        Ok(values.last().copied())
    }

    /// Exact-match accuracy of every evaluated split, in [`MetricsLog::splits`] order.
    pub fn evaluate(&self) -> Result<Vec<f64>> {
        Ok(self.evaluate_with_hops()?.0)
    }

    /// [`Trainer::evaluate`], and the accuracy of every per-hop set (the leading extra columns),
    /// from one pass over every set.
    pub fn evaluate_with_hops(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let accs = self
            .eval
            .evaluate(&self.model.gpt, self.cfg.train.eval_batch_size)?;
        let (splits, hops): (Vec<_>, Vec<_>) = self
            .evals
            .iter()
            .zip(accs)
            .partition(|(set, _)| set.hops.is_none());
        let values =
            |v: Vec<(&EvalSet, (Split, f64))>| v.into_iter().map(|(_, (_, a))| a).collect();
        Ok((values(splits), values(hops)))
    }

    /// Writes a checkpoint of the current step (and, the first time after a resume with new
    /// settings, the configuration they are part of). Losses not yet read are checked first, so
    /// a checkpoint never holds a model that diverged.
    pub fn checkpoint(&mut self) -> Result<PathBuf> {
        self.read_losses()?;
        let mut state = TrainerState::new(self.step, self.cfg.train.seed);
        // The mean loss of the next metrics row spans this checkpoint: a run resumed here
        // continues the same sum.
        state.loss_sum = self.loss_sum;
        state.loss_count = self.loss_count;
        let dir = save_checkpoint(
            &self.run,
            &self.model,
            &self.optim,
            &self.tokenizer,
            &self.metrics,
            &state,
        )?;
        if self.config_pending {
            grokked_model::fsutil::write_atomic(
                &self.run.config_file(),
                self.cfg.to_toml()?.as_bytes(),
            )?;
            self.config_pending = false;
        }
        Ok(dir)
    }

    fn id_accuracy(&self) -> Option<f64> {
        self.metrics
            .series(Split::TestInferredId)
            .last()
            .map(|(_, a)| *a)
    }

    /// Makes [`Trainer::run`] stop after the step during which `flag` became true, with a
    /// checkpoint of that step and [`Trainer::interrupted`] set (for a cluster's warning signal:
    /// the run resumes exactly where it stopped).
    pub fn stop_on(&mut self, flag: &'static AtomicBool) {
        self.stop = Some(flag);
    }

    /// Trains to `max_steps` (or the early-stop accuracy), evaluating and checkpointing on
    /// schedule.
    pub fn run(&mut self, observer: &mut dyn TrainObserver) -> Result<Summary> {
        let max = self.cfg.train.max_steps;
        self.interrupted = false;
        observer.on_start(self.step, max);
        if self.step == 0 && self.metrics.rows.is_empty() {
            self.record(observer)?;
            let dir = self.checkpoint()?;
            observer.on_checkpoint(0, &dir);
        }
        while self.step < max {
            let _loss = self.train_step_deferred()?;
            let (eval, ckpt) = (self.cfg.train.eval, self.cfg.train.checkpoint);
            let last = self.step == max;
            let (evaluate, save) = (eval.hits(self.step) || last, ckpt.hits(self.step) || last);
            let loss = if evaluate || save || self.step.is_multiple_of(LOSS_READ_EVERY) {
                self.read_losses()?
            } else {
                None
            };
            observer.on_step(self.step, loss);
            if evaluate {
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
            let signalled = self.stop.is_some_and(|f| f.load(Ordering::SeqCst));
            if save || stop || signalled {
                let dir = self.checkpoint()?;
                observer.on_checkpoint(self.step, &dir);
            }
            if signalled && self.step < max {
                self.interrupted = true;
                break;
            }
            if stop {
                break;
            }
        }
        let summary = self.metrics.summary();
        observer.on_finish(&summary, &self.metrics);
        Ok(summary)
    }
}

fn removed_notes(removed: Vec<PathBuf>) -> Vec<String> {
    removed
        .into_iter()
        .map(|p| {
            format!(
                "removed {}, left half-written by a crashed run",
                p.display()
            )
        })
        .collect()
}
