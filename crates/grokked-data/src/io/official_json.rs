//! The official repository's JSON files (`train.json`, `valid.json`, `test.json`, `vocab.json`):
//! written with the same field names and token strings, and read back with the structure columns
//! rebuilt from the tokens (bridge entities and values are looked up in the atomic facts).
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, io::official_json};
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! let dir = tempfile::tempdir().unwrap();
//! official_json::write(&data, dir.path()).unwrap();
//! let back = official_json::read(dir.path()).unwrap();
//! assert_eq!(back.examples, data.examples);
//! ```

use crate::error::{clip, DataError, Result};
use crate::example::{Example, TaskData, TaskKind, COMPARISON_FIELDS, COMPOSITION_FIELDS};
use crate::split::{FactKind, Split};
use crate::tokens::vocab::split_tokens;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// One item of the official files.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    input_text: String,
    target_text: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    proof: Option<String>,
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string(value).map_err(|e| DataError::Invalid(e.to_string()))?;
    crate::io::atomic_file::write(path, text.as_bytes()).map_err(|e| DataError::io(path, e))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| DataError::parse(path, e.line(), e.column(), e.to_string()))
}

fn item(ex: &Example, with_type: bool) -> Item {
    Item {
        input_text: ex.input_text.clone(),
        target_text: ex.target_text.clone(),
        kind: with_type.then(|| ex.split.official_name().to_string()),
        proof: ex.proof.clone(),
    }
}

/// Writes the four official files into `dir`.
pub fn write(data: &TaskData, dir: &Path) -> Result<()> {
    let train: Vec<Item> = data.split(Split::Train).map(|e| item(e, false)).collect();
    let valid: Vec<Item> = data
        .split(Split::TestInferredOod)
        .map(|e| item(e, false))
        .collect();
    let test: Vec<Item> = data
        .examples
        .iter()
        .filter(|e| e.split != Split::Train)
        .map(|e| item(e, true))
        .collect();
    write_json(&dir.join("train.json"), &train)?;
    write_json(&dir.join("valid.json"), &valid)?;
    write_json(&dir.join("test.json"), &test)?;
    write_json(&dir.join("vocab.json"), &data.vocab)
}

/// The integer inside a token such as `<e_12>`, `<r_3>`, `<attr_4>` or `<7>`.
fn number(token: &str) -> Option<i64> {
    let inner = token.strip_prefix('<')?.strip_suffix('>')?;
    inner.rsplit('_').next()?.parse().ok()
}

/// An item's tokens, checked against the vocabulary.
struct Parsed<'a> {
    input: Vec<&'a str>,
    answer: Vec<&'a str>,
}

fn parse_item<'a>(
    it: &'a Item,
    place: &dyn Fn() -> String,
    vocab: &HashSet<&str>,
) -> Result<Parsed<'a>> {
    let answer = it
        .target_text
        .strip_prefix(it.input_text.as_str())
        .ok_or_else(|| {
            DataError::field(place(), "target_text", "does not start with input_text")
        })?;
    let parsed = Parsed {
        input: split_tokens(&it.input_text),
        answer: split_tokens(answer),
    };
    for (field, tokens) in [
        ("input_text", &parsed.input),
        ("target_text", &parsed.answer),
    ] {
        if let Some(t) = tokens.iter().find(|t| !vocab.contains(*t)) {
            return Err(DataError::field(
                place(),
                field,
                format!("token `{}` is not in vocab.json", clip(t)),
            ));
        }
    }
    Ok(parsed)
}

fn detect(vocab: &[String], train: &[Item]) -> TaskKind {
    if vocab.iter().any(|t| t.starts_with("<r_")) {
        TaskKind::Composition
    } else if train.iter().any(|i| i.input_text.starts_with("<q>")) {
        TaskKind::Complex
    } else {
        TaskKind::Comparison
    }
}

/// Reads the official files of `dir` (`train.json`, `test.json`, `vocab.json`; `valid.json` is
/// the OOD sample that `test.json` already holds).
pub fn read(dir: &Path) -> Result<TaskData> {
    let train: Vec<Item> = read_json(&dir.join("train.json"))?;
    let test: Vec<Item> = read_json(&dir.join("test.json"))?;
    let vocab: Vec<String> = read_json(&dir.join("vocab.json"))?;
    let task = detect(&vocab, &train);
    let mut rows: Vec<(Split, &Item, String)> = train
        .iter()
        .enumerate()
        .map(|(i, it)| (Split::Train, it, format!("train.json item {i}")))
        .collect();
    for (i, it) in test.iter().enumerate() {
        let place = format!("test.json item {i}");
        let ty = it
            .kind
            .as_deref()
            .ok_or_else(|| DataError::field(&place, "type", "missing"))?;
        let split = if ty.starts_with("train_inferred") {
            Split::TrainInferred
        } else {
            Split::from_official(ty).ok_or_else(|| {
                DataError::field(&place, "type", format!("unknown type `{}`", clip(ty)))
            })?
        };
        rows.push((split, it, place));
    }
    let known: HashSet<&str> = vocab.iter().map(String::as_str).collect();
    let parsed = rows
        .iter()
        .map(|(_, it, place)| parse_item(it, &|| place.clone(), &known))
        .collect::<Result<Vec<_>>>()?;
    // Atomic facts give the bridge entity (composition) and the values (comparison).
    let mut atomic: HashMap<(i64, i64), i64> = HashMap::new();
    for p in &parsed {
        let toks: Vec<&str> = p
            .input
            .iter()
            .copied()
            .filter(|t| !matches!(*t, "<q>" | "<mask>" | "</q>"))
            .collect();
        let ans = p
            .answer
            .iter()
            .copied()
            .find(|t| *t != "<a>" && *t != "</a>");
        if toks.len() == 2 {
            if let (Some(a), Some(b), Some(v)) =
                (number(toks[0]), number(toks[1]), ans.and_then(number))
            {
                // composition: (h, r) -> t; comparison: (attr, e) -> value
                let key = if task == TaskKind::Composition {
                    (a, b)
                } else {
                    (b, a)
                };
                atomic.insert(key, v);
            }
        }
    }
    let mut examples = Vec::with_capacity(rows.len());
    for ((split, it, place), p) in rows.iter().zip(&parsed) {
        let nums: Vec<Option<i64>> = p.input.iter().map(|t| number(t)).collect();
        let ans = p
            .answer
            .iter()
            .copied()
            .find(|t| *t != "<a>" && *t != "</a>")
            .and_then(number);
        let bad = || {
            DataError::field(
                place.clone(),
                "input_text",
                format!("unexpected token layout `{}`", clip(&it.input_text)),
            )
        };
        let (kind, fields) = match (task, p.input.len()) {
            (TaskKind::Composition, 2) => (FactKind::Atomic, [nums[0], nums[1], None, None, ans]),
            (TaskKind::Composition, 3) => {
                let b = atomic
                    .get(&(nums[0].ok_or_else(bad)?, nums[1].ok_or_else(bad)?))
                    .copied();
                (FactKind::Inferred, [nums[0], nums[1], b, nums[2], ans])
            }
            (TaskKind::Comparison, 2) => (FactKind::Atomic, [nums[1], nums[0], None, ans, None]),
            (TaskKind::Complex, 5) => (FactKind::Atomic, [nums[2], nums[1], None, ans, None]),
            (TaskKind::Comparison | TaskKind::Complex, 5 | 6) => {
                let (a, e1, e2) = (
                    nums[0].ok_or_else(bad)?,
                    nums[2].ok_or_else(bad)?,
                    nums[4].ok_or_else(bad)?,
                );
                let v = |e| atomic.get(&(a, e)).copied();
                (
                    FactKind::Inferred,
                    [Some(a), Some(e1), Some(e2), v(e1), v(e2)],
                )
            }
            _ => return Err(bad()),
        };
        examples.push(Example {
            split: *split,
            kind,
            input_text: it.input_text.clone(),
            target_text: it.target_text.clone(),
            fields,
            proof: it.proof.clone(),
        });
    }
    let fields = if task == TaskKind::Composition {
        COMPOSITION_FIELDS
    } else {
        COMPARISON_FIELDS
    };
    Ok(TaskData {
        task,
        vocab,
        fields,
        examples,
        params: serde_json::Value::Null,
    })
}
