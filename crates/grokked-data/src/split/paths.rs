//! The split of a composition graph's two-hop paths, by the paper's rule: a path over two ID
//! atomic facts is ID (held out for the ID test with probability `test_id_prob`, else a training
//! candidate), a path over two OOD facts is OOD (the OOD test), and a mixed path is dropped.
//!
//! ```
//! use grokked_data::split::{draw::rng, paths::two_hop_pools};
//! // Two heads with one fact each: fact 0 is (e0, r, e1), fact 1 is (e1, r, e0); fact 1 is OOD.
//! let pools = two_hop_pools(&[1, 0], 1, &[false, true], 0.0, &mut rng(0));
//! assert!(pools.candidates.is_empty() && pools.test_ood.is_empty()); // both paths are mixed
//! let pools = two_hop_pools(&[1, 0], 1, &[true, true], 0.0, &mut rng(0));
//! assert_eq!(pools.test_ood, vec![(0, 1), (1, 0)]);
//! ```

use super::draw::Rng;
use rand::Rng as _;

/// Two-hop paths as pairs of atomic-fact indices (first hop, second hop), by split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TwoHopPools {
    /// ID paths that may be trained on (phi picks among them).
    pub candidates: Vec<(u32, u32)>,
    /// ID paths held out for `test_inferred_id`.
    pub test_id: Vec<(u32, u32)>,
    /// OOD paths, for `test_inferred_ood`.
    pub test_ood: Vec<(u32, u32)>,
}

/// Classifies every two-hop path of a graph whose atomic fact `i` leads to entity `tails[i]`
/// and whose facts of head `h` sit at `h * out_degree .. (h + 1) * out_degree`. One draw per ID
/// path decides whether it is held out, in path order (so a seed gives the same split).
pub fn two_hop_pools(
    tails: &[u32],
    out_degree: usize,
    ood: &[bool],
    test_id_prob: f64,
    rng: &mut Rng,
) -> TwoHopPools {
    let mut pools = TwoHopPools::default();
    for a in 0..tails.len() {
        let b = tails[a] as usize;
        for c in b * out_degree..(b + 1) * out_degree {
            match (ood[a], ood[c]) {
                (true, true) => pools.test_ood.push((a as u32, c as u32)),
                (false, false) => {
                    if rng.gen::<f64>() < test_id_prob {
                        pools.test_id.push((a as u32, c as u32));
                    } else {
                        pools.candidates.push((a as u32, c as u32));
                    }
                }
                _ => {}
            }
        }
    }
    pools
}
