//! The split of a composition graph's K-hop paths (K >= 2) by the paper's rule, hop by hop: a
//! chain of K ID atomic facts is ID (held out for the ID test with probability `test_id_prob`, else
//! a training candidate), a chain of K OOD facts is OOD (the OOD test), and a mixed chain is
//! dropped. Chains are visited in the order of their facts' indices with one draw per ID chain, so
//! at K = 2 the split is exactly [`two_hop_pools`](super::paths::two_hop_pools)'s.
//!
//! ```
//! use grokked_data::split::{chains::chain_pools, draw::rng};
//! // One relation per entity: e0 -> e1 -> e2 -> e0 (facts 0, 1, 2); fact 2 is OOD.
//! let pools = chain_pools(&[1, 2, 0], 1, &[false, false, true], 3, 0.0, &mut rng(0));
//! assert!(pools.candidates.is_empty()); // every 3-hop chain here uses fact 2
//! let pools = chain_pools(&[1, 2, 0], 1, &[false; 3], 3, 0.0, &mut rng(0));
//! assert_eq!(pools.candidates, vec![vec![0, 1, 2], vec![1, 2, 0], vec![2, 0, 1]]);
//! ```

use super::draw::Rng;
use rand::Rng as _;

/// K-hop chains as the atomic-fact indices of their hops, by split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainPools {
    /// ID chains that may be trained on.
    pub candidates: Vec<Vec<u32>>,
    /// ID chains held out for `test_inferred_id`.
    pub test_id: Vec<Vec<u32>>,
    /// OOD chains, for `test_inferred_ood`.
    pub test_ood: Vec<Vec<u32>>,
}

/// Classifies every `hops`-hop chain of a graph whose atomic fact `i` leads to `tails[i]` and
/// whose facts of head `h` sit at `h * out_degree .. (h + 1) * out_degree`.
pub fn chain_pools(
    tails: &[u32],
    out_degree: usize,
    ood: &[bool],
    hops: usize,
    test_id_prob: f64,
    rng: &mut Rng,
) -> ChainPools {
    let mut pools = ChainPools::default();
    let mut chain = Vec::with_capacity(hops);
    for a in 0..tails.len() {
        chain.push(a as u32);
        extend(
            tails,
            out_degree,
            ood,
            hops,
            test_id_prob,
            rng,
            &mut chain,
            &mut pools,
        );
        chain.pop();
    }
    pools
}

#[allow(clippy::too_many_arguments)]
fn extend(
    tails: &[u32],
    d: usize,
    ood: &[bool],
    hops: usize,
    test_id_prob: f64,
    rng: &mut Rng,
    chain: &mut Vec<u32>,
    pools: &mut ChainPools,
) {
    let first = ood[chain[0] as usize];
    // A chain that mixes ID and OOD facts is dropped whatever follows: no draw is made for it.
    if chain.iter().any(|&f| ood[f as usize] != first) {
        return;
    }
    if chain.len() == hops {
        if first {
            pools.test_ood.push(chain.clone());
        } else if rng.gen::<f64>() < test_id_prob {
            pools.test_id.push(chain.clone());
        } else {
            pools.candidates.push(chain.clone());
        }
        return;
    }
    let b = tails[*chain.last().expect("a chain has a first fact") as usize] as usize;
    for c in b * d..(b + 1) * d {
        chain.push(c as u32);
        extend(tails, d, ood, hops, test_id_prob, rng, chain, pools);
        chain.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::draw::{random_graph, rng};
    use crate::split::paths::two_hop_pools;

    #[test]
    fn at_two_hops_the_chains_are_the_two_hop_paths_with_the_same_draws() {
        let d = 4;
        let (tails, ood) = random_graph(5, 30, d, 0.3);
        let pairs = two_hop_pools(&tails, d, &ood, 0.2, &mut rng(9));
        let chains = chain_pools(&tails, d, &ood, 2, 0.2, &mut rng(9));
        let as_chains = |v: &[(u32, u32)]| v.iter().map(|&(a, c)| vec![a, c]).collect::<Vec<_>>();
        assert_eq!(chains.candidates, as_chains(&pairs.candidates));
        assert_eq!(chains.test_id, as_chains(&pairs.test_id));
        assert_eq!(chains.test_ood, as_chains(&pairs.test_ood));
        assert!(!chains.test_ood.is_empty() && !chains.test_id.is_empty());
    }
}
