//! [`DataSource`]: where a run's task comes from, the `[data]` table of a run config. Either a
//! generator's parameters (`task = "composition"`, ...) or `path = "..."`: an existing folder,
//! written by `grokked data gen` (`task.json`, `examples.parquet`, ...) or in the paper's released
//! format (`train.json`, `valid.json`, `test.json` with a `type` per probe, `vocab.json`). A
//! relative path is taken from the current folder.
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, io::folder, io::source::DataSource};
//! let dir = tempfile::tempdir().unwrap();
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! folder::save(&data, dir.path()).unwrap();
//! let toml = format!("path = {:?}", dir.path().to_str().unwrap());
//! let source: DataSource = toml::from_str(&toml).unwrap();
//! assert_eq!(source.load().unwrap(), data);
//! let spec: DataSource = toml::from_str("task = \"comparison\"\nentities = 30").unwrap();
//! assert_eq!(spec.name(), "comparison");
//! ```

use crate::error::{DataError, Result};
use crate::example::TaskData;
use crate::spec::TaskSpec;
use crate::{io::folder, io::official_json};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// A generated task or an existing task folder.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// Generate the task from these parameters.
    Generate(TaskSpec),
    /// Read the task folder at this path (a grokked folder or the paper's released format).
    Folder(PathBuf),
}

impl DataSource {
    /// The task: generated, or read from the folder.
    pub fn load(&self) -> Result<TaskData> {
        match self {
            DataSource::Generate(spec) => spec.generate(),
            DataSource::Folder(path) => load_folder(path),
        }
    }

    /// Checks a generator's parameters (a folder is checked when it is read).
    pub fn validate(&self) -> Result<()> {
        match self {
            DataSource::Generate(spec) => spec.validate(),
            DataSource::Folder(_) => Ok(()),
        }
    }

    /// The generator's name, or `folder`.
    pub fn name(&self) -> &'static str {
        match self {
            DataSource::Generate(spec) => spec.name(),
            DataSource::Folder(_) => "folder",
        }
    }
}

/// Reads a grokked task folder (it has `task.json`) or one in the paper's released format (it has
/// `train.json`); anything else is an error naming the path.
pub fn load_folder(path: &Path) -> Result<TaskData> {
    if path.join(folder::TASK_FILE).is_file() {
        folder::load(path)
    } else if path.join("train.json").is_file() {
        official_json::read(path)
    } else {
        Err(DataError::field(
            path.display().to_string(),
            "path",
            "not a task folder: it holds neither task.json (written by `grokked data gen`) nor \
             train.json (the paper's released format)",
        ))
    }
}

impl Serialize for DataSource {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Folder<'a> {
            path: &'a Path,
        }
        match self {
            DataSource::Generate(spec) => spec.serialize(s),
            DataSource::Folder(path) => Folder { path }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for DataSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(d)?;
        match table.remove("path") {
            Some(path) => {
                if let Some(other) = table.keys().next() {
                    return Err(D::Error::custom(format!(
                        "unknown field `{other}`: a [data] table with `path` takes nothing else"
                    )));
                }
                let path = path
                    .as_str()
                    .ok_or_else(|| D::Error::custom("invalid type: `path` must be a string"))?;
                Ok(DataSource::Folder(PathBuf::from(path)))
            }
            None => toml::Value::Table(table)
                .try_into::<TaskSpec>()
                .map(DataSource::Generate)
                .map_err(|e| D::Error::custom(e.message())),
        }
    }
}
