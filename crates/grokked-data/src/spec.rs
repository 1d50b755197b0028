//! [`TaskSpec`]: any knowledge-graph task's parameters, tagged by `task`, as run configs and the
//! CLI write them.
//!
//! ```
//! use grokked_data::spec::TaskSpec;
//! let spec: TaskSpec = toml_like(r#"{"task": "composition", "entities": 100, "relations": 20, "out_degree": 10}"#);
//! # fn toml_like(s: &str) -> TaskSpec { serde_json::from_str(s).unwrap() }
//! assert_eq!(spec.name(), "composition");
//! let with = spec.with_overrides(&[("phi", "9.0".into())]).unwrap();
//! assert!(with.generate().unwrap().train_inferred() > 0);
//! assert!(spec.with_overrides(&[("attributes", "3".into())]).is_err());
//! ```

use crate::error::{DataError, Result};
use crate::example::TaskData;
use crate::tasks::comparison::ComparisonSpec;
use crate::tasks::complex::ComplexSpec;
use crate::tasks::composition::CompositionSpec;
use serde::{Deserialize, Serialize};

/// The parameters of one of the knowledge-graph tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum TaskSpec {
    /// Two-hop composition.
    Composition(CompositionSpec),
    /// Attribute comparison.
    Comparison(ComparisonSpec),
    /// Complex reasoning over comparisons.
    Complex(ComplexSpec),
}

impl TaskSpec {
    /// The paper's setting of the task named `name`.
    pub fn paper(name: &str) -> Result<Self> {
        Ok(match name {
            "composition" => TaskSpec::Composition(CompositionSpec::default()),
            "comparison" => TaskSpec::Comparison(ComparisonSpec::default()),
            "complex" => TaskSpec::Complex(ComplexSpec::default()),
            other => {
                return Err(DataError::field(
                    "task spec",
                    "task",
                    format!("unknown task `{other}` (composition, comparison, complex)"),
                ))
            }
        })
    }

    /// The task's name.
    pub fn name(&self) -> &'static str {
        match self {
            TaskSpec::Composition(_) => "composition",
            TaskSpec::Comparison(_) => "comparison",
            TaskSpec::Complex(_) => "complex",
        }
    }

    /// Checks the parameters without generating, naming the first one at fault.
    pub fn validate(&self) -> Result<()> {
        match self {
            TaskSpec::Composition(s) => s.validate(),
            TaskSpec::Comparison(s) => s.validate(),
            TaskSpec::Complex(s) => s.validate(),
        }
    }

    /// Generates the task.
    pub fn generate(&self) -> Result<TaskData> {
        match self {
            TaskSpec::Composition(s) => s.generate(),
            TaskSpec::Comparison(s) => s.generate(),
            TaskSpec::Complex(s) => s.generate(),
        }
    }

    /// The spec with fields replaced; each value is JSON (a bare word counts as a string). An
    /// unknown field is an error that names it.
    pub fn with_overrides(&self, overrides: &[(&str, String)]) -> Result<Self> {
        let mut value =
            serde_json::to_value(self).map_err(|e| DataError::Invalid(e.to_string()))?;
        let obj = value.as_object_mut().expect("specs serialise to objects");
        for (key, raw) in overrides {
            let parsed = serde_json::from_str(raw)
                .unwrap_or_else(|_| serde_json::Value::String(raw.clone()));
            // A parameter left out of the serialised spec (an unused option such as
            // `min_hops`) is known unless the spec's reader calls it unknown (a bad value of a
            // known one is then reported by the reader, below).
            let known = obj.contains_key(*key) || {
                let mut probe = obj.clone();
                probe.insert(key.to_string(), parsed.clone());
                serde_json::from_value::<Self>(serde_json::Value::Object(probe))
                    .map_or_else(|e| !e.to_string().contains("unknown field"), |_| true)
            };
            if *key == "task" || !known {
                return Err(DataError::field(
                    format!("{} task", self.name()),
                    *key,
                    "no such parameter",
                ));
            }
            obj.insert(key.to_string(), parsed);
        }
        serde_json::from_value(value).map_err(|e| {
            DataError::field(format!("{} task", self.name()), "parameters", e.to_string())
        })
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        match self {
            TaskSpec::Composition(s) => s.seed,
            TaskSpec::Comparison(s) => s.seed,
            TaskSpec::Complex(s) => s.seed,
        }
    }
}
