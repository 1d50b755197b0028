//! Sweep specs: a base run config, overrides for every point, a grid over any keys that `--set`
//! accepts, named variants (bundles of overrides, such as the grokking methods), and seeds. The
//! points are the product of the grid, the variants and the seeds; each is an ordinary run.
//!
//! ```toml
//! name = "phi-size"
//! base = "../configs/composition-small.toml"   # relative to the spec's folder
//! set = ["max_steps=20000", "stop_at_id_accuracy=0.95"]
//! seeds = [0, 1, 2]
//! seed_keys = ["train.seed", "data.seed"]       # what a seed sets (default: train.seed)
//!
//! [grid]
//! "data.phi" = [3.6, 5.4, 7.2, 8.4]
//! "data.entities" = [100, 200, 400]
//!
//! [[variants]]                                  # optional
//! name = "grokfast"
//! set = ["train.grokfast={ alpha = 0.95, lambda = 2.0 }"]
//! seeds = [0]                                   # optional: in place of the spec's seeds
//! ```
//!
//! ```
//! use grokked_experiments::sweep::spec::SweepSpec;
//! let spec = SweepSpec::from_toml_str(r#"
//!     name = "demo"
//!     base = "../configs/composition-small.toml"
//!     seeds = [0, 1]
//!     [grid]
//!     "data.phi" = [3.6, 7.2]
//!     [[variants]]
//!     name = "plain"
//!     [[variants]]
//!     name = "orthograd"
//!     set = ["orthograd=true"]
//!     seeds = [1]
//! "#).unwrap();
//! let points = spec.points();
//! assert_eq!(points.len(), 2 * 2 + 2 * 1);
//! assert_eq!(points[0].name, "variant-plain_phi-3.6_seed-0");
//! assert_eq!(points[5].sets, ["data.phi=7.2", "orthograd=true", "train.seed=1"]);
//! let no_seeds = "name = \"d\"\nbase = \"b.toml\"\n[[variants]]\nname = \"v\"\nseeds = []";
//! let err = SweepSpec::from_toml_str(no_seeds).unwrap_err().to_string();
//! assert!(err.contains("variants.v.seeds"), "{err}");
//! ```

use grokked_model::error::{GrokError, Result};
use grokked_train::RunConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A named bundle of overrides, optionally on its own base config: one value of the `variant`
/// axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The variant's name (its value in the `variant` column).
    pub name: String,
    /// A base run config in place of the spec's (e.g. another task), relative to the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<PathBuf>,
    /// Its `key=value` overrides.
    #[serde(default)]
    pub set: Vec<String>,
    /// Seeds in place of the spec's (e.g. one seed to screen a costly variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Vec<u64>>,
}

/// A sweep: the base config, the axes and the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The sweep's name.
    pub name: String,
    /// The base run config, relative to the spec's folder (or absolute).
    pub base: PathBuf,
    /// Overrides applied to every point, before the point's own.
    #[serde(default)]
    pub set: Vec<String>,
    /// Values of each key (any key `--set` accepts); the points take every combination.
    #[serde(default)]
    pub grid: BTreeMap<String, Vec<toml::Value>>,
    /// Named bundles of overrides; when given, every combination runs with each.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// The seeds; every combination runs with each.
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    /// The keys a seed sets.
    #[serde(default = "default_seed_keys")]
    pub seed_keys: Vec<String>,
}

fn default_seeds() -> Vec<u64> {
    vec![0]
}

fn default_seed_keys() -> Vec<String> {
    vec!["train.seed".into()]
}

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Its index (the Slurm array index).
    pub index: usize,
    /// Its folder name, from its axis values.
    pub name: String,
    /// `(axis, value)`: `variant` (when the spec has variants), each grid key, `seed`.
    pub keys: Vec<(String, String)>,
    /// The point's overrides, applied after the spec's `set`.
    pub sets: Vec<String>,
}

/// A TOML value as `--set` takes it and as a column shows it.
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Keeps a folder name to letters, digits, `.`, `-` and `+`.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl SweepSpec {
    /// Parses a spec.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let spec: SweepSpec =
            toml::from_str(text).map_err(|e| GrokError::Invalid(format!("sweep spec: {e}")))?;
        if spec.seeds.is_empty() {
            return Err(GrokError::config(
                "seeds",
                "a sweep needs at least one seed",
            ));
        }
        if let Some(v) = spec
            .variants
            .iter()
            .find(|v| v.seeds.as_ref().is_some_and(Vec::is_empty))
        {
            return Err(GrokError::config(
                format!("variants.{}.seeds", v.name),
                "a variant needs at least one seed",
            ));
        }
        if let Some((key, _)) = spec.grid.iter().find(|(_, v)| v.is_empty()) {
            return Err(GrokError::config(format!("grid.{key}"), "no values"));
        }
        let mut names: Vec<&str> = spec.variants.iter().map(|v| v.name.as_str()).collect();
        names.sort();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(GrokError::config("variants", "two variants share a name"));
        }
        Ok(spec)
    }

    /// Reads a spec file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = grokked_model::fsutil::read_to_string(path)?;
        Self::from_toml_str(&text).map_err(|e| GrokError::format(path, e.to_string()))
    }

    /// Every point, variants outermost, then the grid (keys in name order), then the seeds.
    pub fn points(&self) -> Vec<Point> {
        let variants: Vec<Option<&Variant>> = if self.variants.is_empty() {
            vec![None]
        } else {
            self.variants.iter().map(Some).collect()
        };
        let mut combos: Vec<Vec<(&String, &toml::Value)>> = vec![Vec::new()];
        for (key, values) in &self.grid {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push((key, v));
                        c
                    })
                })
                .collect();
        }
        let mut points = Vec::new();
        for variant in &variants {
            let seeds = variant
                .and_then(|v| v.seeds.as_ref())
                .unwrap_or(&self.seeds);
            for combo in &combos {
                for &seed in seeds {
                    let mut keys = Vec::new();
                    let mut sets = Vec::new();
                    if let Some(v) = variant {
                        keys.push(("variant".to_string(), v.name.clone()));
                    }
                    for (key, value) in combo {
                        keys.push(((*key).clone(), value_text(value)));
                        sets.push(format!("{key}={value}"));
                    }
                    if let Some(v) = variant {
                        sets.extend(v.set.iter().cloned());
                    }
                    sets.extend(self.seed_keys.iter().map(|k| format!("{k}={seed}")));
                    keys.push(("seed".to_string(), seed.to_string()));
                    let name = keys
                        .iter()
                        .map(|(k, v)| {
                            let short = k.rsplit('.').next().unwrap_or(k);
                            format!("{}-{}", slug(short), slug(v))
                        })
                        .collect::<Vec<_>>()
                        .join("_");
                    points.push(Point {
                        index: points.len(),
                        name,
                        keys,
                        sets,
                    });
                }
            }
        }
        points
    }

    /// The base config file of `point` (its variant's, else the spec's), resolved against the
    /// spec's folder.
    pub fn base_path(&self, point: &Point, spec_dir: &Path) -> PathBuf {
        let variant = point
            .keys
            .iter()
            .find(|(k, _)| k == "variant")
            .and_then(|(_, name)| self.variants.iter().find(|v| &v.name == name));
        spec_dir.join(variant.and_then(|v| v.base.as_ref()).unwrap_or(&self.base))
    }

    /// The run config of `point`: its base config with the spec's and the point's overrides,
    /// named `SWEEP/POINT`.
    pub fn config(&self, point: &Point, spec_dir: &Path) -> Result<RunConfig> {
        self.apply(
            point,
            RunConfig::from_file(&self.base_path(point, spec_dir))?,
        )
    }

    /// `base` (the point's base config) with the spec's and the point's overrides, named
    /// `SWEEP/POINT`.
    pub fn apply(&self, point: &Point, mut cfg: RunConfig) -> Result<RunConfig> {
        for s in self.set.iter().chain(&point.sets) {
            cfg.set(s)
                .map_err(|e| GrokError::Invalid(format!("point {}: --set {s}: {e}", point.name)))?;
        }
        cfg.name = format!("{}/{}", self.name, point.name);
        Ok(cfg)
    }
}
