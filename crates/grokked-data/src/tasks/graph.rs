//! A small directed graph with breadth-first search, for reachability proofs ("u >= v" edges).
//!
//! ```
//! use grokked_data::tasks::graph::Graph;
//! let mut g = Graph::new(4);
//! g.add_edge(0, 1);
//! g.add_edge(1, 2);
//! assert_eq!(g.path(0, 2), Some(vec![0, 1, 2]));
//! assert_eq!(g.path(2, 0), None);
//! assert!(g.reachable_from(0)[2]);
//! ```

use std::collections::VecDeque;

/// Adjacency lists over nodes `0..n`.
#[derive(Debug, Clone)]
pub struct Graph {
    adj: Vec<Vec<u32>>,
}

impl Graph {
    /// A graph with `n` nodes and no edges.
    pub fn new(n: usize) -> Self {
        Graph {
            adj: vec![Vec::new(); n],
        }
    }

    /// Adds the edge `u -> v`.
    pub fn add_edge(&mut self, u: usize, v: usize) {
        self.adj[u].push(v as u32);
    }

    /// BFS parents from `from` (`u32::MAX` for unreached nodes; `from` is its own parent).
    fn parents(&self, from: usize) -> Vec<u32> {
        let mut parent = vec![u32::MAX; self.adj.len()];
        parent[from] = from as u32;
        let mut queue = VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            for &v in &self.adj[u] {
                if parent[v as usize] == u32::MAX {
                    parent[v as usize] = u as u32;
                    queue.push_back(v as usize);
                }
            }
        }
        parent
    }

    /// Which nodes a path from `from` reaches.
    pub fn reachable_from(&self, from: usize) -> Vec<bool> {
        self.parents(from)
            .into_iter()
            .map(|p| p != u32::MAX)
            .collect()
    }

    /// A shortest path from `from` to `to`, both included.
    pub fn path(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        let parent = self.parents(from);
        if parent[to] == u32::MAX {
            return None;
        }
        let mut path = vec![to];
        let mut at = to;
        while at != from {
            at = parent[at] as usize;
            path.push(at);
        }
        path.reverse();
        Some(path)
    }
}
