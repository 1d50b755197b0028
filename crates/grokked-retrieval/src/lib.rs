//! grokked-retrieval: external knowledge for the complex-reasoning comparison: a fact store with
//! BM25 retrieval (tantivy) and exact entity lookup, in-context layouts for a non-parametric
//! reasoner, and a symbolic oracle.
//!
//! ```
//! use grokked_data::tasks::complex::ComplexSpec;
//! use grokked_retrieval::{facts::training_facts, store::FactStore};
//! let data = ComplexSpec { entities: 60, attributes: 2, queries_per_label: 2, ..Default::default() }.generate().unwrap();
//! let store = FactStore::new(training_facts(&data)).unwrap();
//! assert_eq!(store.facts().len(), data.count(grokked_data::Split::Train));
//! ```

pub mod context;
pub mod facts;
pub mod oracle;
pub mod store;

/// What can go wrong in retrieval.
#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    /// The search index failed.
    #[error("fact index: {0}")]
    Index(String),
}
