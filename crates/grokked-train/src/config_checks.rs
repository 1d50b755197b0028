//! The checks of a run configuration that serde cannot make: every value against its valid
//! range, each error naming the field (`train.muon.ns_steps`) and the range.
//!
//! ```
//! use grokked_train::RunConfig;
//! let base = "name = \"x\"\n[data]\ntask = \"composition\"\n";
//! let mut cfg = RunConfig::from_toml_str(base).unwrap();
//! let err = cfg.set("model.n_head=0").unwrap_err().to_string();
//! assert!(err.contains("model.n_head") && err.contains("at least 1"), "{err}");
//! let err = cfg.set("train.weight_decay=-1").unwrap_err().to_string();
//! assert!(err.contains("train.weight_decay"), "{err}");
//! let err = cfg.set("name=\"../../x\"").unwrap_err().to_string();
//! assert!(err.contains("`..`"), "{err}");
//! ```

use crate::config::{ModelSection, RunConfig, TrainSection};
use grokked_model::error::{GrokError, Result};

impl RunConfig {
    /// Checks values that serde cannot, naming the field and its valid range.
    pub fn validate(&self) -> Result<()> {
        validate_name(&self.name)?;
        self.data.validate()?;
        self.model.validate()?;
        self.train.validate()?;
        if let Some(a) = self.train.aux_bridge {
            if a.layer >= self.model.n_layer as usize {
                return Err(GrokError::config(
                    "train.aux_bridge.layer",
                    format!(
                        "{} is not a block of a {}-layer model",
                        a.layer, self.model.n_layer
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Refuses a run name that would put its folder outside `runs/`: an absolute path, a `..`
/// component or an empty one (a sweep's points are named `SWEEP/POINT`).
fn validate_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(GrokError::config(
            "name",
            format!("`{name}` {why}: a run's name is its folder under runs/"),
        ))
    };
    if name.trim().is_empty() {
        return bad("is empty");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.contains(':') {
        return bad("is an absolute path");
    }
    if name
        .split(['/', '\\'])
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return bad("has an empty, `.` or `..` component");
    }
    Ok(())
}

/// A float setting's check: finite and inside `range`, described as `what` in the error.
fn in_range(field: &str, v: f64, ok: bool, what: &str) -> Result<()> {
    if v.is_finite() && ok {
        Ok(())
    } else {
        Err(GrokError::config(field, format!("must be {what}, got {v}")))
    }
}

impl ModelSection {
    /// Checks the sizes (positive, `n_embd` divisible by `n_head`) and the dropout.
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("model.n_layer", self.n_layer),
            ("model.n_embd", self.n_embd),
            ("model.n_head", self.n_head),
        ] {
            if v <= 0 {
                return Err(GrokError::config(
                    field,
                    format!("must be at least 1, got {v}"),
                ));
            }
        }
        if self.n_embd % self.n_head != 0 {
            return Err(GrokError::config(
                "model.n_embd",
                format!(
                    "{} is not divisible by model.n_head ({})",
                    self.n_embd, self.n_head
                ),
            ));
        }
        in_range(
            "model.dropout",
            self.dropout,
            (0.0..1.0).contains(&self.dropout),
            "in [0, 1)",
        )
    }
}

impl TrainSection {
    /// Checks every value against its valid range.
    pub fn validate(&self) -> Result<()> {
        let t = self;
        if t.batch_size == 0 {
            return Err(GrokError::config("train.batch_size", "must be at least 1"));
        }
        if t.eval_batch_size == 0 {
            return Err(GrokError::config(
                "train.eval_batch_size",
                "must be at least 1",
            ));
        }
        in_range("train.lr", t.lr, t.lr > 0.0, "a positive finite number")?;
        in_range(
            "train.weight_decay",
            t.optim.weight_decay,
            t.optim.weight_decay >= 0.0,
            "0 or more",
        )?;
        in_range(
            "train.grad_clip",
            t.optim.grad_clip,
            t.optim.grad_clip >= 0.0,
            "0 (off) or more",
        )?;
        in_range("train.eps", t.optim.eps, t.optim.eps > 0.0, "positive")?;
        for (i, b) in [t.optim.betas.0, t.optim.betas.1].into_iter().enumerate() {
            if !(b.is_finite() && (0.0..1.0).contains(&b)) {
                return Err(GrokError::config(
                    "train.betas",
                    format!("beta{} must be in [0, 1), got {b}", i + 1),
                ));
            }
        }
        if t.eval.sparse_every == 0 || (t.eval.dense_until > 0 && t.eval.dense_every == 0) {
            return Err(GrokError::config(
                "train.eval",
                "evaluation intervals must be positive (dense_every may be 0 only when \
                 dense_until is 0)",
            ));
        }
        in_range(
            "train.logit_temperature",
            t.logit_temperature,
            t.logit_temperature > 0.0,
            "positive",
        )?;
        if let Some(g) = t.optim.grokfast {
            in_range(
                "train.grokfast.alpha",
                g.alpha,
                (0.0..1.0).contains(&g.alpha),
                "in [0, 1)",
            )?;
            in_range(
                "train.grokfast.lambda",
                g.lambda,
                g.lambda >= 0.0,
                "0 or more",
            )?;
            if g.window == Some(0) {
                return Err(GrokError::config(
                    "train.grokfast.window",
                    "must be at least 1",
                ));
            }
        }
        if let Some(m) = t.optim.muon {
            in_range(
                "train.muon.momentum",
                m.momentum,
                (0.0..1.0).contains(&m.momentum),
                "in [0, 1)",
            )?;
            if !(1..=100).contains(&m.ns_steps) {
                return Err(GrokError::config(
                    "train.muon.ns_steps",
                    format!("must be from 1 to 100, got {}", m.ns_steps),
                ));
            }
        }
        if let Some(a) = t.aux_bridge {
            in_range(
                "train.aux_bridge.weight",
                a.weight,
                a.weight >= 0.0,
                "0 or more",
            )?;
        }
        if let Some(s) = t.stop_at_id_accuracy {
            in_range(
                "train.stop_at_id_accuracy",
                s,
                s > 0.0,
                "positive (above 1: never)",
            )?;
        }
        if !matches!(t.device.as_str(), "auto" | "cpu" | "cuda") {
            return Err(GrokError::config(
                "train.device",
                format!("`{}` is not auto, cpu or cuda", t.device),
            ));
        }
        Ok(())
    }
}
