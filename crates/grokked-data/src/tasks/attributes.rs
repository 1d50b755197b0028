//! The attribute knowledge base shared by the comparison and complex-reasoning tasks: a value per
//! (entity, attribute), a per-attribute ID/OOD split of the entities, and the classification of
//! every ordered entity pair.
//!
//! ```
//! use grokked_data::tasks::attributes::{AttributeKb, PairClass};
//! let kb = AttributeKb::generate(10, 2, 5, 0.9, &mut grokked_data::split::draw::rng(0));
//! assert_eq!(kb.id_entities(0).len(), 9);
//! let ood = kb.ood_entities(0)[0];
//! assert_eq!(kb.pair_class(0, ood, ood), PairClass::OodOod);
//! ```

use crate::split::draw::{ratio_count, subset_mask, Rng};
use crate::tokens::vocab;
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
