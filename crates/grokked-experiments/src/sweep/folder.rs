//! [`SweepDir`]: the layout of a sweep folder, which holds everything needed to rerun, resume or
//! collect it.
//!
//! ```text
//! SWEEP/sweep.toml        the spec, with `base = "base.toml"`
//! SWEEP/base.toml         the base run config, copied when the sweep started (and
//!                         base-VARIANT.toml for variants with their own)
//! SWEEP/points/NAME/      one run folder per point (eval, analyze, --resume work on it)
//! SWEEP/points/NAME.log   what the point's process printed (local runs)
//! SWEEP/summary.parquet   one row per point (`grokked sweep collect`)
//! SWEEP/plots/            accuracy against step per setting, seeds as a band
//! SWEEP/slurm/            the job-array batch script and the tasks' output (Slurm runs)
//! ```
//!
//! ```
//! use grokked_experiments::sweep::folder::SweepDir;
//! let tmp = tempfile::tempdir().unwrap();
//! std::fs::write(tmp.path().join("base.toml"), "name = \"b\"\n[data]\ntask = \"composition\"\n").unwrap();
//! std::fs::write(tmp.path().join("s.toml"), "name = \"s\"\nbase = \"base.toml\"\nseeds = [0, 1]\n").unwrap();
//! let sweep = SweepDir::create(&tmp.path().join("s.toml"), &tmp.path().join("out")).unwrap();
//! assert_eq!(sweep.points().len(), 2);
//! assert_eq!(sweep.config(&sweep.points()[1]).unwrap().train.seed, 1);
//! assert_eq!(SweepDir::open(&tmp.path().join("out")).unwrap().spec(), sweep.spec());
//! ```

use super::rebase::rebase_plugin_path;
use super::spec::{Point, SweepSpec};
use super::status::{current_status, Status};
use grokked_model::error::{GrokError, Result};
use grokked_model::fsutil::{read_to_string, write_atomic};
use grokked_train::RunConfig;
use std::path::{Path, PathBuf};

/// A sweep folder and its spec.
#[derive(Debug, Clone)]
pub struct SweepDir {
    root: PathBuf,
    spec: SweepSpec,
}

const SPEC_FILE: &str = "sweep.toml";
const BASE_FILE: &str = "base.toml";

impl SweepDir {
    /// Starts (or reopens) the sweep of the spec file `spec_path` in `root`: copies the spec and
    /// its base configs there. A spec that only adds points (seeds, grid values, variants) to the
    /// one in `root` replaces it; a folder that holds another sweep is an error.
    pub fn create(spec_path: &Path, root: &Path) -> Result<Self> {
        Self::create_with(spec_path, root, &[])
    }

    /// [`SweepDir::create`] with `extra` overrides appended to the spec's `set` (for what
    /// differs between machines, such as a plugin's path).
    pub fn create_with(spec_path: &Path, root: &Path, extra: &[String]) -> Result<Self> {
        let mut spec = SweepSpec::from_file(spec_path)?;
        spec.set.extend(extra.iter().cloned());
        let spec_dir = spec_path.parent().unwrap_or(Path::new("."));
        // Every base config is copied into the folder: (file name there, text).
        // A relative plugin path is rebased to reach the same library from the sweep folder.
        let read_base = |path: &Path| -> Result<String> {
            let path = spec_dir.join(path);
            let text = read_to_string(&path)?;
            RunConfig::from_toml_str(&text).map_err(|e| GrokError::format(&path, e.to_string()))?;
            let folder = path.parent().unwrap_or(Path::new("."));
            rebase_plugin_path(&text, folder, root)
                .map_err(|e| GrokError::format(&path, e.to_string()))
        };
        let mut bases = vec![(PathBuf::from(BASE_FILE), read_base(&spec.base)?)];
        spec.base = PathBuf::from(BASE_FILE);
        for v in &mut spec.variants {
            if let Some(base) = v.base.take() {
                let copy = PathBuf::from(format!("base-{}.toml", v.name));
                bases.push((copy.clone(), read_base(&base)?));
                v.base = Some(copy);
            }
        }
        let sweep = SweepDir {
            root: root.to_path_buf(),
            spec,
        };
        // Nothing is written until the whole spec is known good and no point is training.
        sweep.validate(&bases)?;
        if sweep.root.join(SPEC_FILE).is_file() {
            let existing = Self::open(root)?;
            existing.refuse_if_running()?;
            return existing.grow(sweep, &bases, spec_path);
        }
        std::fs::create_dir_all(root).map_err(|e| GrokError::io(root, e))?;
        for (file, text) in &bases {
            write_atomic(&root.join(file), text.as_bytes())?;
        }
        sweep.write_spec()?;
        Ok(sweep)
    }

    /// Checks every point before any starts: each point's config builds from its base (every
    /// key exists, every value is valid) and no two points share a name (after values are
    /// normalised: `0.10` is `0.1`, `1e-3` is `0.001`). Reports every bad point at once.
    fn validate(&self, bases: &[(PathBuf, String)]) -> Result<()> {
        let mut problems = Vec::new();
        let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
        let points = self.points();
        for point in &points {
            if let Some(first) = seen.insert(&point.name, point.index) {
                problems.push(format!(
                    "points {first} and {} are the same point `{}` (repeated seeds or grid \
                     values that are equal once parsed)",
                    point.index, point.name
                ));
            }
            let file = self.spec.base_path(point, Path::new(""));
            let Some((_, text)) = bases.iter().find(|(f, _)| *f == file) else {
                problems.push(format!(
                    "point {}: no base config {}",
                    point.name,
                    file.display()
                ));
                continue;
            };
            let built = RunConfig::from_toml_str(text).and_then(|c| self.spec.apply(point, c));
            match built {
                Err(GrokError::Invalid(msg)) => problems.push(msg),
                Err(e) => problems.push(e.to_string()),
                Ok(_) => {}
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(GrokError::Invalid(format!(
            "sweep {}: {} problem(s) among its {} points; none was started:\n  {}",
            self.spec.name,
            problems.len(),
            points.len(),
            problems.join("\n  ")
        )))
    }

    /// Refuses while a process trains one of the folder's points (a status read: no lock taken).
    fn refuse_if_running(&self) -> Result<()> {
        for point in self.points() {
            if current_status(&self.point_dir(&point))? == Status::Running {
                return Err(GrokError::Invalid(format!(
                    "{}: point {} is being trained by another process; let that sweep finish \
                     (or stop it) first",
                    self.root.display(),
                    point.name
                )));
            }
        }
        Ok(())
    }

    /// Reopens this sweep under `new`, a spec that may have grown (more seeds, grid values or
    /// variants): the points already there stay and only the new ones will run. Every base file
    /// in the folder must be unchanged and every point of the old spec must be in the new one
    /// with the same config; otherwise the folder holds another sweep and nothing is written.
    fn grow(self, new: SweepDir, bases: &[(PathBuf, String)], spec_path: &Path) -> Result<Self> {
        let other = |why: String| {
            GrokError::Invalid(format!(
                "{} holds another sweep ({why}) than {}: choose another --out",
                self.root.display(),
                spec_path.display()
            ))
        };
        if self.spec.name != new.spec.name {
            return Err(other(format!("it is named {}", self.spec.name)));
        }
        for (file, text) in bases {
            let path = self.root.join(file);
            if path.is_file() && &read_to_string(&path)? != text {
                return Err(other(format!("its {} differs", file.display())));
            }
        }
        if self.spec == new.spec {
            return Ok(self);
        }
        // Runners name the points they start, so growth cannot swap a queued point for another;
        // and the caller refused a folder with a point in training.
        let old_points = self.points();
        let new_points = new.points();
        for old in old_points {
            let Some(point) = new_points.iter().find(|p| p.name == old.name) else {
                return Err(other(format!(
                    "it holds point {}, which the spec drops",
                    old.name
                )));
            };
            // The new spec's config of the point, from the base text it brings.
            let file = new.spec.base_path(point, Path::new(""));
            let (_, text) = bases
                .iter()
                .find(|(f, _)| *f == file)
                .expect("every base is read");
            let base = RunConfig::from_toml_str(text)
                .map_err(|e| GrokError::format(&self.root.join(&file), e.to_string()))?;
            if self.config(&old)? != new.spec.apply(point, base)? {
                return Err(other(format!("point {} would change its config", old.name)));
            }
        }
        for (file, text) in bases {
            let path = self.root.join(file);
            if !path.is_file() {
                write_atomic(&path, text.as_bytes())?;
            }
        }
        new.write_spec()?;
        Ok(new)
    }

    fn write_spec(&self) -> Result<()> {
        let text =
            toml::to_string_pretty(&self.spec).map_err(|e| GrokError::Invalid(e.to_string()))?;
        write_atomic(&self.root.join(SPEC_FILE), text.as_bytes())
    }

    /// Opens a sweep folder written by [`SweepDir::create`].
    pub fn open(root: &Path) -> Result<Self> {
        let spec = SweepSpec::from_file(&root.join(SPEC_FILE))?;
        Ok(SweepDir {
            root: root.to_path_buf(),
            spec,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The spec (its base is `base.toml` in the folder).
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// The copied spec file.
    pub fn spec_file(&self) -> PathBuf {
        self.root.join(SPEC_FILE)
    }

    /// Every point.
    pub fn points(&self) -> Vec<Point> {
        self.spec.points()
    }

    /// The point at `index`.
    pub fn point(&self, index: usize) -> Result<Point> {
        let points = self.points();
        let n = points.len();
        points.into_iter().nth(index).ok_or_else(|| {
            GrokError::Invalid(format!(
                "the sweep has {n} points (0..{n}); no point {index}"
            ))
        })
    }

    /// The point named `name`. Runners name the points they start, not their index, so that a
    /// spec grown meanwhile cannot make a queued task train another point.
    pub fn point_named(&self, name: &str) -> Result<Point> {
        self.points()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| GrokError::Invalid(format!("the sweep has no point named {name}")))
    }

    /// A point's run folder.
    pub fn point_dir(&self, point: &Point) -> PathBuf {
        self.root.join("points").join(&point.name)
    }

    /// What a point's process printed (local runs).
    pub fn point_log(&self, point: &Point) -> PathBuf {
        self.root.join("points").join(format!("{}.log", point.name))
    }

    /// A point's run config.
    pub fn config(&self, point: &Point) -> Result<RunConfig> {
        self.spec.config(point, &self.root)
    }

    /// `summary.parquet`.
    pub fn summary_file(&self) -> PathBuf {
        self.root.join("summary.parquet")
    }

    /// `plots/`.
    pub fn plots_dir(&self) -> PathBuf {
        self.root.join("plots")
    }

    /// `slurm/`.
    pub fn slurm_dir(&self) -> PathBuf {
        self.root.join("slurm")
    }
}
