//! Where every example's split is decided, in one place: the split names ([`names`]), the
//! seeded draws every generator makes ([`draw`]), the two-hop paths of a composition graph
//! ([`paths`]), its K-hop chains ([`chains`], [`walks`]) with their per-hop metric names
//! ([`hop_columns`]), and the fact pairs of an attribute knowledge base ([`pairs`]).
//!
//! ```
//! use grokked_data::split::{Split, ALL_SPLITS};
//! assert_eq!(ALL_SPLITS[0], Split::Train);
//! ```

pub mod chains;
pub mod draw;
pub mod hop_columns;
pub mod names;
pub mod pairs;
pub mod paths;
pub mod walks;

pub use names::{FactKind, Split, ALL_SPLITS, EVAL_SPLITS};
