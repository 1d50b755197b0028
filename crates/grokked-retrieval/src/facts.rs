//! Facts of the comparison tasks as data: a value (`e` has value `v` for `attr`) or a comparison
//! (`e1` vs `e2` under `attr`), read from a task's training rows, rendered as search text and as
//! task tokens.
//!
//! ```
//! use grokked_retrieval::facts::Fact;
//! let f = Fact::Compare { attr: 3, e1: 12, e2: 40, label: 2 };
//! assert_eq!(f.text(), "attr3 e12 greater e40");
//! assert_eq!(f.tokens(), "<attr_3><e_12><e_40><attr_3_2>");
//! assert!(f.mentions(40));
//! ```

use grokked_data::{tokens::vocab, FactKind, Split, TaskData, TaskKind};

/// One known fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fact {
    /// Entity `e` has value `v` for attribute `attr`.
    Value {
        /// Attribute.
        attr: usize,
        /// Entity.
        e: usize,
        /// Value.
        v: usize,
    },
    /// `e1` compared with `e2` under `attr`: label 0 (<), 1 (=), 2 (>).
    Compare {
        /// Attribute.
        attr: usize,
        /// First entity.
        e1: usize,
        /// Second entity.
        e2: usize,
        /// Comparison class.
        label: usize,
    },
}

const WORDS: [&str; 3] = ["less", "equal", "greater"];

impl Fact {
    /// The fact as search text (alphanumeric words, so the default analyser keeps entities whole).
    pub fn text(&self) -> String {
        match *self {
            Fact::Value { attr, e, v } => format!("attr{attr} e{e} value v{v}"),
            Fact::Compare {
                attr,
                e1,
                e2,
                label,
            } => format!("attr{attr} e{e1} {} e{e2}", WORDS[label]),
        }
    }

    /// The fact in task tokens, for an in-context layout.
    pub fn tokens(&self) -> String {
        match *self {
            Fact::Value { attr, e, v } => format!(
                "{}{}{}",
                vocab::entity(e),
                vocab::attribute(attr),
                vocab::value(v)
            ),
            Fact::Compare {
                attr,
                e1,
                e2,
                label,
            } => {
                format!(
                    "{}{}{}{}",
                    vocab::attribute(attr),
                    vocab::entity(e1),
                    vocab::entity(e2),
                    vocab::label(attr, label)
                )
            }
        }
    }

    /// Whether the fact is about entity `e`.
    pub fn mentions(&self, e: usize) -> bool {
        match *self {
            Fact::Value { e: x, .. } => x == e,
            Fact::Compare { e1, e2, .. } => e1 == e || e2 == e,
        }
    }

    /// The attribute.
    pub fn attr(&self) -> usize {
        match *self {
            Fact::Value { attr, .. } | Fact::Compare { attr, .. } => attr,
        }
    }
}

/// The training facts of a comparison or complex task (structure columns attr, e1, e2, v1, v2).
pub fn training_facts(data: &TaskData) -> Vec<Fact> {
    if !matches!(data.task, TaskKind::Comparison | TaskKind::Complex) {
        return Vec::new();
    }
    data.split(Split::Train)
        .filter_map(|ex| {
            let f = |i: usize| ex.fields[i].map(|v| v as usize);
            match ex.kind {
                FactKind::Atomic => Some(Fact::Value {
                    attr: f(0)?,
                    e: f(1)?,
                    v: f(3)?,
                }),
                FactKind::Inferred => Some(Fact::Compare {
                    attr: f(0)?,
                    e1: f(1)?,
                    e2: f(2)?,
                    label: vocab::compare(f(3)?, f(4)?),
                }),
            }
        })
        .collect()
}
