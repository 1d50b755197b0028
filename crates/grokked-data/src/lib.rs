//! grokked-data: the paper's knowledge-graph reasoning tasks as polars tables, their word-level
//! tokenizers and their encoding into token ids with loss masks. No tch here.
//!
//! - [`tasks`]: the generators; [`spec::TaskSpec`] names one with its parameters;
//! - [`io`]: task folders, the paper's released format, the reasoning CSV, Parquet;
//! - [`tokens`]: vocabularies, tokenizers, encoding.
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

pub mod error;
pub mod example;
pub mod io;
pub mod limits;
pub mod sample;
pub mod spec;
pub mod split;
pub mod tasks;
pub mod tokens;

// The modules under their short paths (`grokked_data::composition`, `grokked_data::folder`, ...).
pub use io::{atomic_file, folder, official_json, reasoning_csv, source, table};
pub use tasks::{attributes, comparison, complex, composition, graph, proof, question_task, rules};
pub use tokens::{encode, tokenizer, vocab};

pub use error::{DataError, Result};
pub use example::{Example, TaskData, TaskKind};
pub use source::DataSource;
pub use spec::TaskSpec;
pub use split::{FactKind, Split, ALL_SPLITS, EVAL_SPLITS};
