//! Longer chains by random walks, for held-out hop counts (`test_hops`): enumerating every K-hop
//! chain costs `entities * out_degree^K`, so a walk starts at a random atomic fact of the wanted
//! kind (ID or OOD) and takes, at every bridge, a random fact of the same kind, until it has K
//! hops; a walk that reaches an entity with no fact of that kind is dropped. Distinct chains are
//! kept, in the order they are found, until `n` are found or `attempts_per_chain * n` walks have
//! been made.
//!
//! ```
//! use grokked_data::split::{draw::rng, walks::sample_chains};
//! // e0 -> e1 -> e2 -> e0, one relation each; fact 2 is OOD.
//! let tails = [1, 2, 0];
//! let ood = [false, false, true];
//! let id = sample_chains(&tails, 1, &ood, 2, false, 10, &mut rng(0));
//! assert_eq!(id, vec![vec![0, 1]]); // the only all-ID two-hop chain
//! assert!(sample_chains(&tails, 1, &ood, 2, true, 10, &mut rng(0)).is_empty());
//! ```

use super::draw::Rng;
use rand::Rng as _;
use std::collections::HashSet;

/// Walks made per wanted chain before giving up.
pub const ATTEMPTS_PER_CHAIN: usize = 20;

/// Up to `n` distinct `hops`-hop chains (atomic-fact indices) whose every fact is OOD (`want_ood`)
/// or every fact ID, in a graph whose fact `i` leads to `tails[i]` and whose facts of head `h` sit
/// at `h * out_degree .. (h + 1) * out_degree`.
pub fn sample_chains(
    tails: &[u32],
    out_degree: usize,
    ood: &[bool],
    hops: usize,
    want_ood: bool,
    n: usize,
    rng: &mut Rng,
) -> Vec<Vec<u32>> {
    let starts: Vec<u32> = (0..tails.len() as u32)
        .filter(|&i| ood[i as usize] == want_ood)
        .collect();
    let (mut seen, mut out) = (HashSet::new(), Vec::new());
    if starts.is_empty() || hops == 0 {
        return out;
    }
    for _ in 0..n.saturating_mul(ATTEMPTS_PER_CHAIN) {
        if out.len() == n {
            break;
        }
        let mut chain = vec![starts[rng.gen_range(0..starts.len())]];
        while chain.len() < hops {
            let b = tails[*chain.last().expect("a walk has a first fact") as usize] as usize;
            let next: Vec<u32> = (b * out_degree..(b + 1) * out_degree)
                .filter(|&c| ood[c] == want_ood)
                .map(|c| c as u32)
                .collect();
            if next.is_empty() {
                break;
            }
            chain.push(next[rng.gen_range(0..next.len())]);
        }
        if chain.len() == hops && seen.insert(chain.clone()) {
            out.push(chain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::draw::{random_graph, rng};

    #[test]
    fn every_chain_is_connected_of_one_kind_and_distinct() {
        let d = 5;
        let (tails, ood) = random_graph(3, 40, d, 0.3);
        for want_ood in [false, true] {
            let chains = sample_chains(&tails, d, &ood, 4, want_ood, 200, &mut rng(1));
            assert!(chains.len() > 50, "{want_ood}: {}", chains.len());
            let distinct: HashSet<_> = chains.iter().collect();
            assert_eq!(distinct.len(), chains.len());
            for c in &chains {
                assert_eq!(c.len(), 4);
                assert!(c.iter().all(|&f| ood[f as usize] == want_ood));
                for w in c.windows(2) {
                    // The next fact's head is the previous fact's tail.
                    assert_eq!(w[1] as usize / d, tails[w[0] as usize] as usize);
                }
            }
            assert_eq!(
                chains,
                sample_chains(&tails, d, &ood, 4, want_ood, 200, &mut rng(1))
            );
        }
    }
}
