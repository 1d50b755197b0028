//! The task generators: the paper's knowledge-graph tasks (two-hop composition, attribute
//! comparison, complex reasoning over comparisons), the tutorial's English rules with exceptions
//! and question tasks from them, and what they share (attribute knowledge bases, the comparison
//! graph, proofs).
//!
//! ```
//! use grokked_data::tasks::composition::CompositionSpec;
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! assert_eq!(data.train_atomic(), 40);
//! ```

pub mod attributes;
pub mod comparison;
pub mod complex;
pub mod composition;
pub mod graph;
pub mod proof;
pub mod question_task;
pub mod rules;
