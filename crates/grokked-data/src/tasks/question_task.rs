//! Natural-language questions (premises, question, answer rows as in `reasoning_dataset.csv`) as a
//! trainable task: every lower-cased word and punctuation mark becomes a `<word>` token, the input
//! is `<q>` premises question `</q>` and the answer is the answer's words, so the same trainer,
//! evaluation and analyses that run the knowledge-graph tasks run question answering.
//!
//! Rows keep their split (`train`, `test_inferred_id`, `test_inferred_ood`; rows without one are
//! training rows); a sample of the training rows is also evaluated as `train_inferred`.
//!
//! ```
//! use grokked_data::{tasks::question_task::{to_task, words}, tasks::rules::RulesSpec, Split};
//! assert_eq!(words("Tweety is a bird."), ["<tweety>", "<is>", "<a>", "<bird>", "<.>"]);
//! let rows = RulesSpec { rows: 60, seed: 3, ..Default::default() }.generate().unwrap();
//! let task = to_task(&rows, 0).unwrap();
//! assert_eq!(task.count(Split::Train), rows.iter().filter(|r| r.split.as_deref() == Some("train")).count());
//! assert!(task.vocab.contains(&"<penguin>".to_string()) || task.vocab.contains(&"<penguins>".to_string()));
//! ```

use crate::error::{DataError, Result};
use crate::example::{Example, TaskData, TaskKind, QUESTION_FIELDS};
use crate::io::reasoning_csv::ReasoningRow;
use crate::split::draw::rng;
use crate::split::{FactKind, Split};
use crate::tokens::vocab::SPECIALS;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;

/// Training rows also evaluated as `train_inferred` (at most).
pub const TRAIN_EVAL_ROWS: usize = 300;

/// The `<word>` tokens of a text: lower-cased words and single punctuation marks.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '\'' || c == '-' {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(format!("<{word}>"));
            word.clear();
        }
        if !c.is_whitespace() {
            out.push(format!("<{c}>"));
        }
    }
    if !word.is_empty() {
        out.push(format!("<{word}>"));
    }
    out
}

/// The case name as a structure id (`one_hop` 0, `two_hop` 1, `exception` 2, other 3).
fn case_id(case: Option<&str>) -> Option<i64> {
    case.map(|c| match c {
        "one_hop" => 0,
        "two_hop" => 1,
        "exception" => 2,
        _ => 3,
    })
}

fn example(row: &ReasoningRow, split: Split) -> Example {
    let input: Vec<String> = std::iter::once("<q>".to_string())
        .chain(words(&row.premises))
        .chain(words(&row.question))
        .chain(std::iter::once("</q>".to_string()))
        .collect();
    let answer = words(&row.answer);
    let refs = |v: &[String]| v.iter().map(String::as_str).collect::<Vec<_>>().concat();
    let premises = row.premises.matches(['.', '!']).count() as i64;
    Example::new(
        split,
        FactKind::Inferred,
        &[refs(&input).as_str()],
        &[refs(&answer).as_str()],
        [
            case_id(row.case.as_deref()),
            Some(i64::from(row.answer.eq_ignore_ascii_case("yes"))),
            Some(premises),
            Some(input.len() as i64),
            None,
        ],
    )
}

/// The rows as a task; `seed` picks the training rows evaluated as `train_inferred`.
pub fn to_task(rows: &[ReasoningRow], seed: u64) -> Result<TaskData> {
    let mut examples = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let split = match row.split.as_deref() {
            None | Some("") | Some("train") => Split::Train,
            Some(s) => s
                .parse::<Split>()
                .map_err(|e| DataError::field(format!("row {}", i + 1), "split", e.to_string()))?,
        };
        if row.answer.trim().is_empty() {
            return Err(DataError::field(
                format!("row {}", i + 1),
                "answer",
                "empty answer",
            ));
        }
        examples.push(example(row, split));
    }
    let mut train: Vec<usize> = (0..examples.len())
        .filter(|&i| examples[i].split == Split::Train)
        .collect();
    train.shuffle(&mut rng(seed));
    let sampled: Vec<Example> = train
        .iter()
        .take(TRAIN_EVAL_ROWS)
        .map(|&i| examples[i].in_split(Split::TrainInferred))
        .collect();
    examples.sort_by_key(|e| e.split != Split::Train);
    examples.extend(sampled);
    let mut vocab: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
    let words: BTreeSet<String> = examples
        .iter()
        .flat_map(|e| crate::tokens::vocab::split_tokens(&e.target_text))
        .map(str::to_string)
        .filter(|t| !SPECIALS.contains(&t.as_str()))
        .collect();
    vocab.extend(words);
    Ok(TaskData {
        task: TaskKind::Questions,
        vocab,
        fields: QUESTION_FIELDS,
        examples,
        params: serde_json::json!({ "rows": rows.len(), "seed": seed }),
    })
}
