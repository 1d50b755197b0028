//! Proofs over comparison facts: a ">=" graph of entities, where known values order entities
//! through one node per value and comparison facts add edges; a query is proved by reachability
//! and answered with one chain `<e_a> >= <e_b> >= ...` per direction needed.
//!
//! ```
//! use grokked_data::tasks::proof::ComparisonGraph;
//! let mut g = ComparisonGraph::new(4, 10);
//! g.add_value(1, 5); // e1 has value 5
//! g.add_value(2, 3); // e2 has value 3
//! g.add_comparison(0, 1, 2); // e0 > e1
//! g.add_comparison(2, 3, 1); // e2 = e3
//! let (label, proof) = g.prove(0, 3).unwrap();
//! assert_eq!(label, 2);
//! assert_eq!(proof, "<e_0> >= <e_1> >= <e_2> >= <e_3>");
//! assert!(g.prove(0, 0).is_some());
//! ```

use crate::tasks::graph::Graph;
use crate::tokens::vocab;

/// Entities `0..entities` plus one node per value.
#[derive(Debug, Clone)]
pub struct ComparisonGraph {
    entities: usize,
    graph: Graph,
}

impl ComparisonGraph {
    /// An empty graph over `entities` entities and `values` ordinal values.
    pub fn new(entities: usize, values: usize) -> Self {
        let mut graph = Graph::new(entities + values);
        for v in 1..values {
            graph.add_edge(entities + v, entities + v - 1);
        }
        ComparisonGraph { entities, graph }
    }

    /// A known value: the entity is equal to its value's node.
    pub fn add_value(&mut self, e: usize, value: usize) {
        self.graph.add_edge(e, self.entities + value);
        self.graph.add_edge(self.entities + value, e);
    }

    /// A comparison fact: `label` 0 (e1 < e2), 1 (=) or 2 (>).
    pub fn add_comparison(&mut self, e1: usize, e2: usize, label: usize) {
        if label >= 1 {
            self.graph.add_edge(e1, e2);
        }
        if label <= 1 {
            self.graph.add_edge(e2, e1);
        }
    }

    /// Which entities (and value nodes) `e` is provably >= to.
    pub fn at_least(&self, e: usize) -> Vec<bool> {
        self.graph.reachable_from(e)
    }

    fn chain(&self, from: usize, to: usize) -> Option<String> {
        let path = self.graph.path(from, to)?;
        Some(
            path.into_iter()
                .filter(|&u| u < self.entities)
                .map(vocab::entity)
                .collect::<Vec<_>>()
                .join(" >= "),
        )
    }

    /// The provable label of (e1, e2) and its proof (two chains joined by ` | ` for `=`).
    pub fn prove(&self, e1: usize, e2: usize) -> Option<(usize, String)> {
        match (self.chain(e1, e2), self.chain(e2, e1)) {
            (Some(a), Some(b)) => Some((1, format!("{a} | {b}"))),
            (Some(a), None) => Some((2, a)),
            (None, Some(b)) => Some((0, b)),
            (None, None) => None,
        }
    }
}

/// The label that reachability in both directions proves, if any.
pub fn proved_label(ge: bool, le: bool) -> Option<usize> {
    match (ge, le) {
        (true, true) => Some(1),
        (true, false) => Some(2),
        (false, true) => Some(0),
        (false, false) => None,
    }
}
