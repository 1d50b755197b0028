//! grokked-data: the paper's knowledge-graph reasoning tasks as polars tables, their word-level
//! tokenizers and their encoding into token ids with loss masks. No tch here.
//!
//! - [`tasks`]: the generators; [`spec::TaskSpec`] names one with its parameters;
//! - [`split`]: where every example's split is decided (names, seeded draws, ID/OOD pools);
//! - [`io`]: task folders, the paper's released format, the reasoning CSV, Parquet;
//! - [`tokens`]: vocabularies, tokenizers, encoding.
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, Split};
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
pub mod spec;
pub mod split;
pub mod tasks;
pub mod tokens;

pub use error::{DataError, Result};
pub use example::{Example, TaskData, TaskKind};
pub use io::source::DataSource;
pub use spec::TaskSpec;
pub use split::{FactKind, Split, ALL_SPLITS, EVAL_SPLITS};
