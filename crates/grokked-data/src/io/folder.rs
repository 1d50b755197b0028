//! A generated task on disk: `examples.parquet`, `vocab.json`, `tokenizer.json` and `task.json`
//! (generator, parameters, counts), plus summary statistics.
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, io::folder};
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! let dir = tempfile::tempdir().unwrap();
//! folder::save(&data, dir.path()).unwrap();
//! let back = folder::load(dir.path()).unwrap();
//! assert_eq!(back, data);
//! let stats = folder::Stats::of(&back);
//! assert_eq!(stats.train_atomic, 40);
//! assert_eq!(folder::read_stats(dir.path()).unwrap(), stats);
//! ```

use crate::error::{DataError, Result};
use crate::example::{TaskData, TaskKind, COMPARISON_FIELDS, COMPOSITION_FIELDS, QUESTION_FIELDS};
use crate::io::table;
use crate::split::hop_columns::{hop_column, parse_hop_column};
use crate::split::{Split, ALL_SPLITS};
use crate::tokens::tokenizer::TaskTokenizer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// File names inside a task folder.
pub const EXAMPLES_FILE: &str = "examples.parquet";
/// The task description.
pub const TASK_FILE: &str = "task.json";
/// The tokenizer.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The vocabulary (a JSON list, as the official repository writes it).
pub const VOCAB_FILE: &str = "vocab.json";

/// Counts that describe a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// The generator.
    pub task: TaskKind,
    /// Rows per split (and, for a task of several hop counts, per `<split>_<K>hop`).
    pub splits: BTreeMap<String, usize>,
    /// Atomic facts in training.
    pub train_atomic: usize,
    /// Inferred facts in training.
    pub train_inferred: usize,
    /// Inferred training facts per atomic training fact.
    pub inferred_per_atomic: f64,
    /// Number of tokens.
    pub vocab_size: usize,
}

impl Stats {
    /// The statistics of `data`.
    pub fn of(data: &TaskData) -> Self {
        let mut splits: BTreeMap<String, usize> = ALL_SPLITS
            .iter()
            .map(|&s| (s.name().to_string(), data.count(s)))
            .filter(|(_, n)| *n > 0)
            .collect();
        // A task of several hop counts also counts each evaluated split per hop count.
        if !data.hop_counts().is_empty() {
            for e in data.examples.iter().filter(|e| e.split != Split::Train) {
                if let Some(k) = data.hops_of(e) {
                    *splits.entry(hop_column(e.split, k)).or_default() += 1;
                }
            }
        }
        let (atomic, inferred) = (data.train_atomic(), data.train_inferred());
        Stats {
            task: data.task,
            splits,
            train_atomic: atomic,
            train_inferred: inferred,
            inferred_per_atomic: if atomic == 0 {
                0.0
            } else {
                inferred as f64 / atomic as f64
            },
            vocab_size: data.vocab.len(),
        }
    }

    /// The rows that the metric `name` scores: a per-hop column's count, or a split's, except
    /// that a split of a task of several hop counts scores only the hop counts trained on (those
    /// with a `train_inferred_<K>hop` count); `None` for a metric the task does not have.
    pub fn evaluated(&self, name: &str) -> Option<usize> {
        let trained: Vec<usize> = self
            .splits
            .keys()
            .filter_map(|k| parse_hop_column(k))
            .filter(|(split, _)| *split == Split::TrainInferred)
            .map(|(_, k)| k)
            .collect();
        let split = name.parse::<Split>().ok();
        match split {
            Some(split)
                if self
                    .splits
                    .keys()
                    .any(|k| parse_hop_column(k).is_some_and(|(s, _)| s == split)) =>
            {
                Some(
                    trained
                        .iter()
                        .filter_map(|&k| self.splits.get(&hop_column(split, k)))
                        .sum(),
                )
            }
            _ => self.splits.get(name).copied(),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "task: {:?}", self.task)?;
        for (split, n) in &self.splits {
            writeln!(f, "  {split:<24} {n:>9}")?;
        }
        writeln!(f, "train atomic facts: {}", self.train_atomic)?;
        writeln!(
            f,
            "train inferred facts: {} ({:.2} per atomic fact)",
            self.train_inferred, self.inferred_per_atomic
        )?;
        write!(f, "vocabulary: {}", self.vocab_size)
    }
}

#[derive(Serialize, Deserialize)]
struct TaskFile {
    task: TaskKind,
    params: serde_json::Value,
    stats: Stats,
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| DataError::Invalid(e.to_string()))?;
    crate::io::atomic_file::write(path, text.as_bytes()).map_err(|e| DataError::io(path, e))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| DataError::parse(path, e.line(), e.column(), e.to_string()))
}

/// Writes a task folder.
pub fn save(data: &TaskData, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    table::write_parquet(&mut table::to_dataframe(data)?, &dir.join(EXAMPLES_FILE))?;
    write_json(&dir.join(VOCAB_FILE), &data.vocab)?;
    TaskTokenizer::new(&data.vocab)?.save(&dir.join(TOKENIZER_FILE))?;
    let file = TaskFile {
        task: data.task,
        params: data.params.clone(),
        stats: Stats::of(data),
    };
    write_json(&dir.join(TASK_FILE), &file)
}

/// The counts a task folder's `task.json` records, without reading its examples.
pub fn read_stats(dir: &Path) -> Result<Stats> {
    let file: TaskFile = read_json(&dir.join(TASK_FILE))?;
    Ok(file.stats)
}

/// Reads a task folder.
pub fn load(dir: &Path) -> Result<TaskData> {
    let file: TaskFile = read_json(&dir.join(TASK_FILE))?;
    let vocab: Vec<String> = read_json(&dir.join(VOCAB_FILE))?;
    if let Some((first, again)) = crate::tokens::vocab::first_duplicate(&vocab) {
        return Err(DataError::field(
            dir.join(VOCAB_FILE).display().to_string(),
            format!("[{again}]"),
            format!(
                "the token `{}` is already at [{first}]: a vocabulary lists each token once",
                crate::error::clip(&vocab[again])
            ),
        ));
    }
    let fields = match file.task {
        TaskKind::Composition => COMPOSITION_FIELDS,
        TaskKind::Comparison | TaskKind::Complex => COMPARISON_FIELDS,
        TaskKind::Questions => QUESTION_FIELDS,
    };
    let path = dir.join(EXAMPLES_FILE);
    let examples = table::examples_from_dataframe(&table::read_parquet(&path)?, fields)
        .map_err(|e| DataError::field(path.display().to_string(), "rows", e.to_string()))?;
    Ok(TaskData {
        task: file.task,
        vocab,
        fields,
        examples,
        params: file.params,
    })
}
