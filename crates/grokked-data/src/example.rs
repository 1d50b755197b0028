//! [`Example`] and [`TaskData`]: a generated task as rows, before it becomes a polars table.
//!
//! ```
//! use grokked_data::{Example, FactKind, Split};
//! let ex = Example::new(Split::Train, FactKind::Atomic, &["<e_1>", "<r_2>"], &["<e_3>"], [Some(1), Some(2), None, None, Some(3)]);
//! assert_eq!(ex.input_text, "<e_1><r_2>");
//! assert_eq!(ex.target_text, "<e_1><r_2><e_3></a>");
//! assert_eq!(ex.answer_text(), "<e_3></a>");
//! ```

use crate::split::{FactKind, Split};
use crate::tokens::vocab::END_ANSWER;
use serde::{Deserialize, Serialize};

/// One example: the input tokens and the full target (input + answer + `</a>`), as the official
/// data spells them, with the structure it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The split it belongs to.
    pub split: Split,
    /// Atomic or inferred.
    pub kind: FactKind,
    /// Input tokens, concatenated.
    pub input_text: String,
    /// Input, answer and `</a>`, concatenated.
    pub target_text: String,
    /// Structure ids named by the task's [`TaskData::fields`] (e.g. h, r1, b, r2, t).
    pub fields: [Option<i64>; 5],
    /// For complex-reasoning queries: one proof chain (see [`crate::tasks::complex`]).
    pub proof: Option<String>,
}

impl Example {
    /// Builds an example from input and answer tokens (`</a>` is appended).
    pub fn new(
        split: Split,
        kind: FactKind,
        input: &[&str],
        answer: &[&str],
        fields: [Option<i64>; 5],
    ) -> Self {
        let input_text: String = input.concat();
        let target_text = format!("{input_text}{}{END_ANSWER}", answer.concat());
        Example {
            split,
            kind,
            input_text,
            target_text,
            fields,
            proof: None,
        }
    }

    /// The answer tokens and `</a>`: the part of the target after the input.
    pub fn answer_text(&self) -> &str {
        &self.target_text[self.input_text.len()..]
    }

    /// The same example in another split.
    pub fn in_split(&self, split: Split) -> Self {
        Example {
            split,
            ..self.clone()
        }
    }
}

/// Which generator made a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Two-hop composition.
    Composition,
    /// Attribute comparison.
    Comparison,
    /// Comparison with queries provable only through transitive chains (paper section 5).
    Complex,
    /// Natural-language questions with premises (see [`crate::tasks::question_task`]).
    Questions,
}

/// A generated task: vocabulary, rows and the names of the structure columns.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskData {
    /// The generator.
    pub task: TaskKind,
    /// Every token, in id order.
    pub vocab: Vec<String>,
    /// Names of the five structure columns.
    pub fields: [&'static str; 5],
    /// The rows: the training split first, then the evaluation splits.
    pub examples: Vec<Example>,
    /// The generator's parameters, as JSON.
    pub params: serde_json::Value,
}

/// Structure columns of the composition task (the shared hop names).
pub const COMPOSITION_FIELDS: [&str; 5] = ["h", "r1", "b", "r2", "t"];
/// Structure columns of the comparison tasks.
pub const COMPARISON_FIELDS: [&str; 5] = ["attr", "e1", "e2", "v1", "v2"];
/// Structure columns of question tasks: case (0 one-hop, 1 two-hop, 2 exception), answer is
/// yes (1/0), number of premises, number of input tokens.
pub const QUESTION_FIELDS: [&str; 5] = ["case", "yes", "premises", "tokens", "unused"];

impl TaskData {
    /// The examples of one split.
    pub fn split(&self, split: Split) -> impl Iterator<Item = &Example> {
        self.examples.iter().filter(move |e| e.split == split)
    }

    /// The number of examples of one split.
    pub fn count(&self, split: Split) -> usize {
        self.split(split).count()
    }

    /// The number of atomic facts in training.
    pub fn train_atomic(&self) -> usize {
        self.split(Split::Train)
            .filter(|e| e.kind == FactKind::Atomic)
            .count()
    }

    /// The number of inferred facts in training.
    pub fn train_inferred(&self) -> usize {
        self.split(Split::Train)
            .filter(|e| e.kind == FactKind::Inferred)
            .count()
    }

    /// The hop count of `example`: the relations a composition task's inferred fact chains
    /// (`None` for atomic facts and for other tasks).
    pub fn hops_of(&self, example: &Example) -> Option<usize> {
        (self.task == TaskKind::Composition && example.kind == FactKind::Inferred)
            .then(|| example.input_text.matches("<r_").count())
    }

    /// The hop counts of the inferred facts, ascending, when there are several (a task of one
    /// hop count gives none: its split columns already are that count's).
    pub fn hop_counts(&self) -> Vec<usize> {
        let counts: std::collections::BTreeSet<usize> = self
            .examples
            .iter()
            .filter_map(|e| self.hops_of(e))
            .collect();
        if counts.len() > 1 {
            counts.into_iter().collect()
        } else {
            Vec::new()
        }
    }
}
