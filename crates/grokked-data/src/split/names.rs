//! Split names (the shared vocabulary) and the kind of each example.
//!
//! ```
//! use grokked_data::Split;
//! assert_eq!(Split::TestInferredId.name(), "test_inferred_id");
//! assert_eq!(Split::from_official("test_inferred_iid"), Some(Split::TestInferredId));
//! assert_eq!("ood_atomic".parse::<Split>().unwrap(), Split::OodAtomic);
//! ```

use serde::{Deserialize, Serialize};

/// Which part of a task an example belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Training examples (atomic and inferred facts).
    Train,
    /// A sample of the in-distribution atomic facts (evaluation).
    IdAtomic,
    /// A sample of the out-of-distribution atomic facts (evaluation).
    OodAtomic,
    /// A sample of the inferred facts that are in training (evaluation).
    TrainInferred,
    /// Held-out inferred facts over in-distribution atomic facts.
    TestInferredId,
    /// Held-out inferred facts over out-of-distribution atomic facts.
    TestInferredOod,
    /// The complex-reasoning task's queries provable only through transitive chains.
    TestHard,
}

/// Every split, in table order.
pub const ALL_SPLITS: [Split; 7] = [
    Split::Train,
    Split::IdAtomic,
    Split::OodAtomic,
    Split::TrainInferred,
    Split::TestInferredId,
    Split::TestInferredOod,
    Split::TestHard,
];

/// The splits scored during training, in the order metrics tables list them.
pub const EVAL_SPLITS: [Split; 6] = [
    Split::TrainInferred,
    Split::TestInferredId,
    Split::TestInferredOod,
    Split::IdAtomic,
    Split::OodAtomic,
    Split::TestHard,
];

impl Split {
    /// The shared-vocabulary name.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::IdAtomic => "id_atomic",
            Split::OodAtomic => "ood_atomic",
            Split::TrainInferred => "train_inferred",
            Split::TestInferredId => "test_inferred_id",
            Split::TestInferredOod => "test_inferred_ood",
            Split::TestHard => "test_hard",
        }
    }

    /// The `type` string of the official repository's `test.json`.
    pub fn official_name(self) -> &'static str {
        match self {
            Split::TestInferredId => "test_inferred_iid",
            s => s.name(),
        }
    }

    /// Parses an official `type` string.
    pub fn from_official(name: &str) -> Option<Split> {
        match name {
            "test_inferred_iid" => Some(Split::TestInferredId),
            n => n.parse().ok(),
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Split {
    type Err = crate::DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_SPLITS
            .into_iter()
            .find(|sp| sp.name() == s)
            .ok_or_else(|| crate::DataError::Invalid(format!("unknown split `{s}`")))
    }
}

/// Whether an example states a stored fact or one to be inferred from two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A fact given directly (h, r, t) or (e, attr, value).
    Atomic,
    /// A composed or compared fact.
    Inferred,
}

impl FactKind {
    /// `atomic` or `inferred`.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Atomic => "atomic",
            FactKind::Inferred => "inferred",
        }
    }
}
