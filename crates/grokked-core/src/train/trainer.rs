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
use crate::model::{GptModel, LoadPolicy};
use crate::seed::{torch_rng, with_seed};
use crate::train::batches::BatchOrder;
use crate::train::checkpoint::{load_checkpoint, read_state, save_checkpoint, TrainerState};
use crate::train::config::RunConfig;
use crate::train::eval::{answer_loss_with, eval_sets, tensors_of, EvalBatch, EvalSet, IGNORE};
use crate::train::metrics::{MetricsLog, MetricsRow, Summary};
use crate::train::optim::{OptimConfig, Optimizer};
use crate::train::run_dir::{resolve_device, RunDir};
use crate::train::run_lock::RunLock;
use crate::train::schedule::learning_rate;
use crate::train::telemetry::Telemetry;
use crate::train::tensorboard::{row_scalars, EventLog};
use grokked_data::encode::encode;
use grokked_data::tokenizer::TaskTokenizer;
use grokked_data::{folder, vocab, FactKind, Split, TaskData, TaskKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tch::{Kind, Tensor};

/// Receives progress from [`Trainer::run`]; every method has an empty default.
pub trait TrainObserver {
    /// Before the first step (`start` is non-zero after a resume).
    fn on_start(&mut self, _start: u64, _max_steps: u64) {}
    /// After each optimizer step; `loss` is the step's loss when it was read back from the
    /// device (every [`LOSS_READ_EVERY`] steps and before evaluations and checkpoints).
    fn on_step(&mut self, _step: u64, _loss: Option<f64>) {}
    /// After each evaluation: `metrics` holds every evaluation so far, the new one last.
    fn on_eval(&mut self, _metrics: &MetricsLog) {}
    /// After a checkpoint is written.
    fn on_checkpoint(&mut self, _step: u64, _dir: &Path) {}
    /// When the run ends, with every evaluation of the run (also those before a resume).
    fn on_finish(&mut self, _summary: &Summary, _metrics: &MetricsLog) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl TrainObserver for Silent {}

/// Two observers, called in order.
impl<A: TrainObserver, B: TrainObserver> TrainObserver for (A, B) {
    fn on_start(&mut self, start: u64, max_steps: u64) {
        self.0.on_start(start, max_steps);
        self.1.on_start(start, max_steps);
    }
    fn on_step(&mut self, step: u64, loss: Option<f64>) {
        self.0.on_step(step, loss);
        self.1.on_step(step, loss);
    }
    fn on_eval(&mut self, metrics: &MetricsLog) {
        self.0.on_eval(metrics);
        self.1.on_eval(metrics);
    }
    fn on_checkpoint(&mut self, step: u64, dir: &Path) {
        self.0.on_checkpoint(step, dir);
        self.1.on_checkpoint(step, dir);
    }
    fn on_finish(&mut self, summary: &Summary, metrics: &MetricsLog) {
        self.0.on_finish(summary, metrics);
        self.1.on_finish(summary, metrics);
    }
}

/// Steps between reads of the loss from the device: a training step itself never waits for it.
pub const LOSS_READ_EVERY: u64 = 10;

/// How to continue a run (see [`Trainer::resume_with`]).
#[derive(Debug, Clone, Default)]
pub struct ResumeOptions {
    /// Resume from this checkpoint; by default the newest intact one.
    pub checkpoint: Option<u64>,
    /// `key=value` overrides of `[train]` settings; written to `config.toml` only once a
    /// checkpoint has been saved with them.
    pub sets: Vec<String>,
    /// A whole `[train]` section in place of the run's (applied before `sets`, saved likewise):
    /// a sweep resumes a point with the sweep's own settings.
    pub train: Option<crate::train::config::TrainSection>,
    /// What loading the run's model may do (a plugin named in the run's config needs consent).
    pub policy: LoadPolicy,
}

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

/// Keeps (without detaching) the activation at one site.
struct Capture {
    site: crate::model::HookSite,
    out: Option<Tensor>,
}

impl crate::model::Hook for Capture {
    fn wants(&self, site: crate::model::HookSite) -> bool {
        site == self.site
    }
    fn call(&mut self, _site: crate::model::HookSite, t: Tensor) -> Result<Tensor> {
        self.out = Some(t.shallow_clone());
        Ok(t)
    }
}

/// The bridge entity's token of each training example (in encoding order), else [`IGNORE`].
fn bridge_tokens(data: &TaskData, tokenizer: &TaskTokenizer) -> Vec<i64> {
    data.split(Split::Train)
        .map(|e| {
            let two_hop = data.task == TaskKind::Composition && e.kind == FactKind::Inferred;
            e.fields[2]
                .filter(|_| two_hop)
                .and_then(|b| tokenizer.id(&vocab::entity(b as usize)))
                .map_or(IGNORE, i64::from)
        })
        .collect()
}

/// The plugin library's SHA-256 that a resumed run must load: the one recorded by the newest of
/// `checkpoints` whose `config.json` parses, which must equal `pin` (a `sha256` given in the
/// run's `[model.plugin]`) when both exist.
fn recorded_plugin_hash(
    checkpoints: &[(u64, PathBuf)],
    pin: Option<&str>,
) -> Result<Option<String>> {
    let recorded = checkpoints.iter().find_map(|(_, dir)| {
        let file = dir.join(crate::model::hf::CONFIG_FILE);
        crate::model::GptConfig::from_file(&file)
            .ok()
            .map(|c| (file, c.plugin.and_then(|p| p.sha256)))
    });
    match (recorded, pin) {
        (Some((file, Some(found))), Some(pin)) if !found.eq_ignore_ascii_case(pin) => {
            Err(GrokError::format(
                &file,
                format!("records plugin SHA-256 {found}, but the run config pins sha256 = {pin}"),
            ))
        }
        (Some((_, Some(found))), _) => Ok(Some(found)),
        (_, Some(pin)) => Ok(Some(pin.to_string())),
        (_, None) => Err(GrokError::Invalid(
            "no checkpoint's config.json records the plugin library's SHA-256, so the library \
             cannot be checked against the one the run was trained with; pin it with sha256 = \
             \"...\" in [model.plugin] to resume"
                .into(),
        )),
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
        crate::fsutil::write_atomic(&run.config_file(), cfg.to_toml()?.as_bytes())?;
        folder::save(&data, &run.data_dir())?;
        // Events of an earlier attempt that never reached a checkpoint start over.
        EventLog::keep_through(&run.tensorboard_dir(), None)?;
        let mut t = Self::build(cfg, run, lock, data)?;
        t.notes = notes;
        Ok(t)
    }

    /// Continues a run from its newest intact checkpoint (data only: see
    /// [`Trainer::resume_with`] for a run with a plugin).
    pub fn resume(run_dir: &Path) -> Result<Self> {
        Self::resume_with(run_dir, &ResumeOptions::default())
    }

    /// Continues a run as `opts` says. Without an explicit checkpoint, a newest checkpoint that
    /// fails to load (corrupt, or changed since it was saved) is moved aside as
    /// `checkpoints/corrupt-step-N` and the next older one is used; [`Trainer::notes`] says so.
    pub fn resume_with(run_dir: &Path, opts: &ResumeOptions) -> Result<Self> {
        let run = RunDir::new(run_dir);
        let lock = run.lock()?;
        let mut notes = removed_notes(run.remove_stale_temporaries(&lock)?);
        let saved = run.config()?;
        if let Some(plugin) = &saved.model.plugin {
            opts.policy.check_plugin(plugin, &run.config_file())?;
        }
        let mut cfg = saved.clone();
        if let Some(train) = &opts.train {
            cfg.train = train.clone();
            cfg.validate()?;
        }
        for s in &opts.sets {
            cfg.set(s)?;
        }
        if cfg.data != saved.data || cfg.model != saved.model {
            return Err(GrokError::Invalid(
                "--set on a resumed run may change only [train] settings".into(),
            ));
        }
        let candidates: Vec<(u64, PathBuf)> = match opts.checkpoint {
            Some(step) => vec![run.checkpoint_at(Some(step))?],
            None => run.checkpoints()?.into_iter().rev().collect(),
        };
        if candidates.is_empty() {
            return Err(GrokError::Invalid(format!(
                "{}: no checkpoint to resume from",
                run_dir.display()
            )));
        }
        // The library must be the one the checkpoints were saved with: the hash recorded by the
        // newest checkpoint whose config.json parses (and the config's own pin, when it has one)
        // goes into the config, so a swapped library is refused before it is loaded.
        let mut build_cfg = cfg.clone();
        if let Some(plugin) = build_cfg.model.plugin.as_mut() {
            plugin.sha256 = recorded_plugin_hash(&candidates, plugin.sha256.as_deref())?;
        }
        let data = folder::load(&run.data_dir())?;
        let mut t = Self::build(build_cfg, run, lock, data)?;
        t.cfg = cfg;
        t.config_pending = t.cfg != saved;
        for (i, (step, dir)) in candidates.iter().enumerate() {
            let loaded = read_state(dir).and_then(|state| {
                if state.step != *step {
                    return Err(GrokError::format(
                        dir,
                        format!("trainer_state.json says step {}", state.step),
                    ));
                }
                load_checkpoint(dir, &mut t.model, &mut t.optim, &opts.policy)
            });
            match loaded {
                Ok((state, mut metrics)) => {
                    t.step = *step;
                    t.loss_sum = state.loss_sum;
                    t.loss_count = state.loss_count;
                    // The killed attempt's evaluations after this step are redone.
                    EventLog::keep_through(&t.run.tensorboard_dir(), Some(*step))?;
                    metrics.set_extra(t.metrics.extra.clone());
                    t.metrics = metrics;
                    t.notes.append(&mut notes);
                    return Ok(t);
                }
                Err(e) if opts.checkpoint.is_none() && i + 1 < candidates.len() => {
                    let aside = t.run.checkpoints_dir().join(format!("corrupt-step-{step}"));
                    std::fs::rename(dir, &aside).map_err(|e| GrokError::io(dir, e))?;
                    notes.push(format!(
                        "checkpoint step {step} cannot be used ({e}); moved it to {} and \
                         resumed from the next older one",
                        aside.display()
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the last candidate either loads or returns its error")
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
        let optim = Optimizer::new(
            &model.vs,
            OptimConfig {
                betas: t.betas,
                eps: t.eps,
                weight_decay: t.weight_decay,
                grad_clip: t.grad_clip,
                grokfast: t.grokfast,
                orthograd: t.orthograd,
                muon: t.muon,
            },
        )?;
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
        let extra = telemetry
            .as_ref()
            .map_or(Vec::new(), |t| t.names().to_vec());
        let metrics = MetricsLog::with_extra(evals.iter().map(|e| e.split).collect(), extra);
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
            site: crate::model::HookSite::ResidPost(tc.aux_bridge.map_or(0, |a| a.layer)),
            out: None,
        };
        let mut no_hook = crate::model::NoHooks;
        let hook: &mut dyn crate::model::Hook = if tc.aux_bridge.is_some() {
            &mut capture
        } else {
            &mut no_hook
        };
        let logits = crate::model::precision::with_compute_kind(kind, || {
            let mut opts = crate::model::ForwardOpts::with_hook(hook);
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
        let accs = self
            .eval
            .evaluate(&self.model.gpt, self.cfg.train.eval_batch_size)?;
        Ok(accs.into_iter().map(|(_, a)| a).collect())
    }

    fn record(&mut self, observer: &mut dyn TrainObserver) -> Result<()> {
        self.read_losses()?;
        let train_loss = if self.loss_count == 0 {
            f64::NAN
        } else {
            self.loss_sum / self.loss_count as f64
        };
        let t = &self.cfg.train;
        let mut row = MetricsRow::new(
            self.step,
            train_loss,
            learning_rate(t.schedule, t.lr, t.warmup_steps, t.max_steps, self.step),
            self.evaluate()?,
        );
        if let Some(tel) = &self.telemetry {
            row.extra = tel.measure(&self.model)?;
        }
        self.loss_sum = 0.0;
        self.loss_count = 0;
        self.metrics.push(row);
        observer.on_eval(&self.metrics);
        self.write_events()?;
        self.metrics.save(&self.run.metrics_file())
    }

    /// Appends the newest metrics row to the run's TensorBoard events.
    fn write_events(&mut self) -> Result<()> {
        if !self.cfg.train.tensorboard {
            return Ok(());
        }
        let Some(row) = self.metrics.rows.last() else {
            return Ok(());
        };
        if self.events.is_none() {
            self.events = Some(EventLog::open(&self.run.tensorboard_dir())?);
        }
        let scalars = row_scalars(&self.metrics, row);
        let step = row.step;
        self.events
            .as_mut()
            .expect("opened above")
            .write_scalars(step, &scalars)
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
            crate::fsutil::write_atomic(&self.run.config_file(), self.cfg.to_toml()?.as_bytes())?;
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
