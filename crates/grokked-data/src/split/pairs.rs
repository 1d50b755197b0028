//! The split of an attribute knowledge base's facts and entity pairs (comparison and complex
//! tasks): ID and OOD atomic facts, ID-ID pairs kept for training or held out, OOD-OOD pairs for
//! the OOD test, and ID-OOD pairs.
//!
//! ```
//! use grokked_data::split::{draw::rng, pairs::Pair};
//! use grokked_data::tasks::attributes::AttributeKb;
//! let kb = AttributeKb::generate(10, 2, 5, 0.8, &mut rng(0));
//! let pools = kb.pair_pools(0.1, true, &mut rng(1));
//! // Every ordered pair of distinct entities, per attribute, lands in exactly one pool.
//! let all = pools.id_id.len() + pools.test_id.len() + pools.test_ood.len() + pools.cross.len();
//! assert_eq!(all, 2 * 10 * 9 / 2 * 2);
//! assert!(pools.test_ood.contains(&Pair::new(0, kb.ood_entities(0)[0], kb.ood_entities(0)[1])));
//! ```

use super::draw::Rng;
use crate::tasks::attributes::{AttributeKb, PairClass};
use rand::Rng as _;

/// An ordered comparison (attribute, e1, e2), packed for compact pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pair {
    /// Attribute.
    pub attr: u32,
    /// First entity.
    pub e1: u32,
    /// Second entity.
    pub e2: u32,
}

impl Pair {
    /// A pair.
    pub fn new(attr: usize, e1: usize, e2: usize) -> Self {
        Pair {
            attr: attr as u32,
            e1: e1 as u32,
            e2: e2 as u32,
        }
    }

    /// The same comparison with the entities swapped.
    pub fn flipped(self) -> Self {
        Pair {
            e1: self.e2,
            e2: self.e1,
            ..self
        }
    }
}

/// The atomic facts and ordered comparison pairs of an [`AttributeKb`], sorted by class: both
/// orders of every unordered pair go to the same pool.
#[derive(Debug, Clone, Default)]
pub struct PairPools {
    /// (attribute, entity) of every ID atomic fact.
    pub id_atomic: Vec<(usize, usize)>,
    /// (attribute, entity) of every OOD atomic fact.
    pub ood_atomic: Vec<(usize, usize)>,
    /// ID-ID pairs not held out.
    pub id_id: Vec<Pair>,
    /// ID-OOD pairs (left empty unless asked for).
    pub cross: Vec<Pair>,
    /// ID-ID pairs held out with probability `test_id_prob`.
    pub test_id: Vec<Pair>,
    /// OOD-OOD pairs.
    pub test_ood: Vec<Pair>,
}

impl AttributeKb {
    /// Classifies every atomic fact and entity pair; one draw per ID-ID pair decides whether it
    /// is held out. Cross pairs are kept only when `keep_cross` (they are most of all pairs).
    pub fn pair_pools(&self, test_id_prob: f64, keep_cross: bool, rng: &mut Rng) -> PairPools {
        let mut pools = PairPools::default();
        for a in 0..self.attributes {
            pools
                .id_atomic
                .extend(self.id_entities(a).into_iter().map(|e| (a, e)));
            pools
                .ood_atomic
                .extend(self.ood_entities(a).into_iter().map(|e| (a, e)));
            for e1 in 0..self.entities {
                for e2 in e1 + 1..self.entities {
                    let p = Pair::new(a, e1, e2);
                    let pool = match self.pair_class(a, e1, e2) {
                        PairClass::OodOod => &mut pools.test_ood,
                        PairClass::IdId if rng.gen::<f64>() < test_id_prob => &mut pools.test_id,
                        PairClass::IdId => &mut pools.id_id,
                        PairClass::Cross if keep_cross => &mut pools.cross,
                        PairClass::Cross => continue,
                    };
                    pool.extend([p, p.flipped()]);
                }
            }
        }
        pools
    }
}
