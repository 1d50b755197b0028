//! The attribute knowledge base shared by the comparison and complex-reasoning tasks: a value per
//! (entity, attribute), a per-attribute ID/OOD split of the entities, and the classification of
//! every ordered entity pair.
//!
//! ```
//! use grokked_data::attributes::{AttributeKb, PairClass};
//! let kb = AttributeKb::generate(10, 2, 5, 0.9, &mut grokked_data::sample::rng(0));
//! assert_eq!(kb.id_entities(0).len(), 9);
//! let ood = kb.ood_entities(0)[0];
//! assert_eq!(kb.pair_class(0, ood, ood), PairClass::OodOod);
//! ```

use crate::sample::{ratio_count, subset_mask, Rng};
use crate::vocab;
use rand::Rng as _;

/// How an entity pair relates to one attribute's ID/OOD split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairClass {
    /// Both entities in distribution.
    IdId,
    /// Both out of distribution.
    OodOod,
    /// One of each.
    Cross,
}

/// Values of every (entity, attribute) and the per-attribute ID/OOD split.
#[derive(Debug, Clone)]
pub struct AttributeKb {
    /// Number of entities.
    pub entities: usize,
    /// Number of attributes.
    pub attributes: usize,
    /// Number of ordinal values.
    pub values: usize,
    /// `value[e * attributes + a]`.
    value: Vec<u16>,
    /// `is_id[a * entities + e]`.
    is_id: Vec<bool>,
}

impl AttributeKb {
    /// Draws values uniformly and, per attribute, `round(id_ratio * entities)` ID entities.
    pub fn generate(
        entities: usize,
        attributes: usize,
        values: usize,
        id_ratio: f64,
        rng: &mut Rng,
    ) -> Self {
        let value = (0..entities * attributes)
            .map(|_| rng.gen_range(0..values) as u16)
            .collect();
        let mut is_id = Vec::with_capacity(entities * attributes);
        for _ in 0..attributes {
            is_id.extend(subset_mask(entities, ratio_count(id_ratio, entities), rng));
        }
        AttributeKb {
            entities,
            attributes,
            values,
            value,
            is_id,
        }
    }

    /// The value of entity `e` for attribute `a`.
    pub fn value(&self, e: usize, a: usize) -> usize {
        self.value[e * self.attributes + a] as usize
    }

    /// Whether entity `e` is in distribution for attribute `a`.
    pub fn is_id(&self, a: usize, e: usize) -> bool {
        self.is_id[a * self.entities + e]
    }

    /// The ID entities of attribute `a`, ascending.
    pub fn id_entities(&self, a: usize) -> Vec<usize> {
        (0..self.entities).filter(|&e| self.is_id(a, e)).collect()
    }

    /// The OOD entities of attribute `a`, ascending.
    pub fn ood_entities(&self, a: usize) -> Vec<usize> {
        (0..self.entities).filter(|&e| !self.is_id(a, e)).collect()
    }

    /// The class of the pair (e1, e2) under attribute `a`.
    pub fn pair_class(&self, a: usize, e1: usize, e2: usize) -> PairClass {
        match (self.is_id(a, e1), self.is_id(a, e2)) {
            (true, true) => PairClass::IdId,
            (false, false) => PairClass::OodOod,
            _ => PairClass::Cross,
        }
    }

    /// The comparison class (0 <, 1 =, 2 >) of e1 against e2 under attribute `a`.
    pub fn compare(&self, a: usize, e1: usize, e2: usize) -> usize {
        vocab::compare(self.value(e1, a), self.value(e2, a))
    }
}

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
