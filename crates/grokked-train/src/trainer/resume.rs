//! Continuing a run from a checkpoint: which checkpoint, which settings may change, and the
//! plugin library the checkpoints were trained with.
//!
//! ```
//! use grokked_train::{ResumeOptions, Trainer};
//! let dir = tempfile::tempdir().unwrap();
//! let err = Trainer::resume_with(dir.path(), &ResumeOptions::default()).unwrap_err();
//! assert!(err.to_string().contains("config.toml"), "{err}");
//! ```

use super::{removed_notes, Trainer};
use crate::checkpoint::{load_checkpoint, read_state};
use crate::run_dir::RunDir;
use crate::tensorboard::EventLog;
use grokked_data::io::folder;
use grokked_model::error::{GrokError, Result};
use grokked_model::LoadPolicy;
use std::path::{Path, PathBuf};

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
    pub train: Option<crate::config::TrainSection>,
    /// What loading the run's model may do (a plugin named in the run's config needs consent).
    pub policy: LoadPolicy,
}

/// The plugin library's SHA-256 that a resumed run must load: the one recorded by the newest of
/// `checkpoints` whose `config.json` parses, which must equal `pin` (a `sha256` given in the
/// run's `[model.plugin]`) when both exist.
fn recorded_plugin_hash(
    checkpoints: &[(u64, PathBuf)],
    pin: Option<&str>,
) -> Result<Option<String>> {
    let recorded = checkpoints.iter().find_map(|(_, dir)| {
        let file = dir.join(grokked_model::hf::CONFIG_FILE);
        grokked_model::GptConfig::from_file(&file)
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
            let named_in = run.config_file();
            notes.extend(opts.policy.accept_rebuilt_plugin(plugin, &named_in)?);
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
}
