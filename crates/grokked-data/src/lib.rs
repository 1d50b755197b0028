//! grokked-data: the paper's knowledge-graph reasoning tasks as polars tables, their word-level
//! tokenizers and their encoding into token ids with loss masks. No tch here.
//!
//! ```
//! use grokked_data::{composition::CompositionSpec, Split};
//! let data = CompositionSpec { entities: 30, relations: 6, out_degree: 3, phi: 2.0, ..Default::default() }
//!     .generate()
//!     .unwrap();
//! assert_eq!(data.train_atomic(), 90);
//! // 5% of the 90 atomic facts (rounded: 5) are OOD; phi counts inferred facts per ID atomic fact.
//! assert_eq!(data.train_inferred(), 2 * (90 - 5));
//! ```

pub mod atomic_file;
pub mod attributes;
pub mod comparison;
pub mod complex;
pub mod composition;
pub mod encode;
pub mod error;
pub mod example;
pub mod folder;
pub mod graph;
pub mod official_json;
pub mod proof;
pub mod question_task;
pub mod reasoning_csv;
pub mod rules;
pub mod sample;
pub mod spec;
pub mod split;
pub mod table;
pub mod tokenizer;
pub mod vocab;

pub use error::{DataError, Result};
pub use example::{Example, TaskData, TaskKind};
pub use spec::TaskSpec;
pub use split::{FactKind, Split, ALL_SPLITS, EVAL_SPLITS};
