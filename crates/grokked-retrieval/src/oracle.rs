//! The symbolic oracle: graph search over facts proves a comparison query or says it cannot.
//! The upper bound of any reasoner given the same facts, and a check of the generated data.
//!
//! ```
//! use grokked_retrieval::{facts::Fact, oracle::prove};
//! let facts = [Fact::Value { attr: 0, e: 1, v: 4 }, Fact::Value { attr: 0, e: 2, v: 7 }, Fact::Compare { attr: 0, e1: 0, e2: 1, label: 0 }];
//! // e0 < e1 (value 4) < e2 (value 7): the oracle proves e0 < e2.
//! assert_eq!(prove(&facts, 0, 0, 2, 3, 10).unwrap().0, 0);
//! assert!(prove(&facts, 0, 0, 3, 4, 10).is_none());
//! ```

use crate::facts::Fact;
use grokked_data::tasks::proof::ComparisonGraph;

/// Proves (e1 ? e2) under `attr` from `facts` (entities `< entities`, values `< values`):
/// the label and a proof chain, or `None` when no chain exists.
pub fn prove(
    facts: &[Fact],
    attr: usize,
    e1: usize,
    e2: usize,
    entities: usize,
    values: usize,
) -> Option<(usize, String)> {
    if e1 >= entities || e2 >= entities {
        return None;
    }
    let mut g = ComparisonGraph::new(entities, values);
    for f in facts.iter().filter(|f| f.attr() == attr) {
        match *f {
            Fact::Value { e, v, .. } if e < entities && v < values => g.add_value(e, v),
            Fact::Compare { e1, e2, label, .. } if e1 < entities && e2 < entities => {
                g.add_comparison(e1, e2, label)
            }
            _ => {}
        }
    }
    g.prove(e1, e2)
}
