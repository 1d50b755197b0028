//! The attribute-comparison task (paper section 4; the official `comparison.ipynb`), seeded.
//!
//! Each entity has a value in `0..values` for every attribute. Per attribute the entities split
//! into ID and OOD (`id_ratio`). Over unordered pairs (both orders kept): OOD-OOD ->
//! `test_inferred_ood`; ID-ID -> `test_inferred_id` with probability `test_id_prob`, else a
//! training candidate; mixed pairs are dropped. Training holds every atomic fact (ID and OOD)
//! plus `round(phi * |ID atomic|)` sampled candidates.
//!
//! ```
//! use grokked_data::{tasks::comparison::ComparisonSpec, Split};
//! let spec = ComparisonSpec { entities: 40, attributes: 3, phi: 2.0, seed: 1, ..Default::default() };
//! let data = spec.generate().unwrap();
//! assert_eq!(data.train_atomic(), 40 * 3);
//! assert_eq!(data.vocab.len(), 40 + 3 + 20 + 6 + 3 * 3);
//! assert!(data.count(Split::TestInferredOod) > 0);
//! ```

use crate::error::{DataError, Result};
use crate::example::{Example, TaskData, TaskKind, COMPARISON_FIELDS};
use crate::limits;
use crate::split::draw::{choose_phi, eval_examples, rng, Rng};
use crate::split::pairs::{Pair, PairPools};
use crate::split::{FactKind, Split};
use crate::tasks::attributes::AttributeKb;
use crate::tokens::vocab;
use serde::{Deserialize, Serialize};

/// Parameters of the comparison task; defaults are the paper's setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Number of entities.
    pub entities: usize,
    /// Number of attributes.
    pub attributes: usize,
    /// Number of ordinal values per attribute.
    pub values: usize,
    /// Share of entities in distribution, per attribute.
    pub id_ratio: f64,
    /// Inferred training facts per ID atomic fact.
    pub phi: f64,
    /// Probability that an ID-ID pair is held out for testing.
    pub test_id_prob: f64,
    /// Cap on the size of each evaluation split.
    pub max_test: usize,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for ComparisonSpec {
    fn default() -> Self {
        ComparisonSpec {
            entities: 1000,
            attributes: 20,
            values: 20,
            id_ratio: 0.9,
            phi: 7.2,
            test_id_prob: 0.1,
            max_test: 3000,
            seed: 0,
        }
    }
}

/// The parameters the comparison and complex tasks share.
pub(crate) struct KbParams {
    pub entities: usize,
    pub attributes: usize,
    pub values: usize,
    pub id_ratio: f64,
    pub max_test: usize,
    pub seed: u64,
}

impl KbParams {
    /// Checks the parameters shared by the comparison and complex tasks, naming the first one at
    /// fault.
    pub(crate) fn validate(&self, task: &str) -> Result<()> {
        validate_kb(task, self)
    }
}

/// Draws the knowledge base of validated parameters with the task's seeded generator, which it
/// returns for the rest of the task's sampling.
pub(crate) fn draw_kb(p: &KbParams) -> (AttributeKb, Rng, CmpNames) {
    let mut rng = rng(p.seed);
    let kb = AttributeKb::generate(p.entities, p.attributes, p.values, p.id_ratio, &mut rng);
    let names = CmpNames::new(&kb);
    (kb, rng, names)
}

fn validate_kb(task: &str, p: &KbParams) -> Result<()> {
    let place = format!("{task} task");
    let bad = |f: &str, m: String| Err(DataError::field(&place, f, m));
    if p.entities < 2 || p.entities > u32::MAX as usize {
        return bad(
            "entities",
            format!("must be from 2 to {}, got {}", u32::MAX, p.entities),
        );
    }
    if p.attributes == 0 || p.attributes > u32::MAX as usize {
        return bad(
            "attributes",
            format!("must be from 1 to {}, got {}", u32::MAX, p.attributes),
        );
    }
    if p.values < 2 || p.values > u32::MAX as usize {
        return bad(
            "values",
            format!(
                "must be from 2 to {} (with one value every comparison is a tie), got {}",
                u32::MAX,
                p.values
            ),
        );
    }
    if !(p.id_ratio > 0.0 && p.id_ratio <= 1.0) {
        return bad(
            "id_ratio",
            format!(
                "must be in (0, 1] (0 leaves nothing to train on), got {}",
                p.id_ratio
            ),
        );
    }
    if p.max_test == 0 {
        return bad("max_test", "must be at least 1".into());
    }
    // Values per entity and attribute, and the ordered pairs of each attribute.
    let (e, a) = (p.entities as u128, p.attributes as u128);
    limits::fits(&place, "entities", e * a * 16 + e * e * a * 8)?;
    limits::fits(&place, "values", p.values as u128 * 32)
}

/// Refuses a probability outside [0, 1] or a negative (or non-finite) phi.
pub(crate) fn check_shares(
    place: &str,
    probabilities: &[(&str, f64)],
    phi: Option<f64>,
) -> Result<()> {
    for (field, v) in probabilities {
        if !(0.0..=1.0).contains(v) {
            return Err(DataError::field(
                place,
                *field,
                format!("must be in [0, 1], got {v}"),
            ));
        }
    }
    if let Some(phi) = phi.filter(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(DataError::field(
            place,
            "phi",
            format!("must be non-negative, got {phi}"),
        ));
    }
    Ok(())
}

/// Token strings of the comparison vocabulary.
pub(crate) struct CmpNames {
    pub entities: Vec<String>,
    pub attributes: Vec<String>,
    pub values: Vec<String>,
}

impl CmpNames {
    pub fn new(kb: &AttributeKb) -> Self {
        CmpNames {
            entities: (0..kb.entities).map(vocab::entity).collect(),
            attributes: (0..kb.attributes).map(vocab::attribute).collect(),
            values: (0..kb.values).map(vocab::value).collect(),
        }
    }

    /// Structure columns (attr, e1, e2, v1, v2) of a fact.
    pub fn fields(kb: &AttributeKb, a: usize, e1: usize, e2: Option<usize>) -> [Option<i64>; 5] {
        let v = |e: usize| Some(kb.value(e, a) as i64);
        [
            Some(a as i64),
            Some(e1 as i64),
            e2.map(|e| e as i64),
            v(e1),
            e2.and_then(v),
        ]
    }
}

impl ComparisonSpec {
    fn kb_params(&self) -> KbParams {
        KbParams {
            entities: self.entities,
            attributes: self.attributes,
            values: self.values,
            id_ratio: self.id_ratio,
            max_test: self.max_test,
            seed: self.seed,
        }
    }

    /// Checks the parameters, naming the first one at fault.
    pub fn validate(&self) -> Result<()> {
        check_shares(
            "comparison task",
            &[("test_id_prob", self.test_id_prob)],
            Some(self.phi),
        )?;
        self.kb_params().validate("comparison")
    }

    /// Generates the task.
    pub fn generate(&self) -> Result<TaskData> {
        self.validate()?;
        let (kb, mut rng, names) = draw_kb(&self.kb_params());
        let atomic = |split, a: usize, e: usize| {
            Example::new(
                split,
                FactKind::Atomic,
                &[&names.entities[e], &names.attributes[a]],
                &[&names.values[kb.value(e, a)]],
                CmpNames::fields(&kb, a, e, None),
            )
        };
        let inferred = |split, p: Pair| {
            let (a, e1, e2) = (p.attr as usize, p.e1 as usize, p.e2 as usize);
            let label = vocab::label(a, kb.compare(a, e1, e2));
            Example::new(
                split,
                FactKind::Inferred,
                &[
                    &names.attributes[a],
                    "<q>",
                    &names.entities[e1],
                    "<mask>",
                    &names.entities[e2],
                ],
                &[&label],
                CmpNames::fields(&kb, a, e1, Some(e2)),
            )
        };
        let PairPools {
            id_atomic,
            ood_atomic,
            id_id: candidates,
            test_id,
            test_ood,
            ..
        } = kb.pair_pools(self.test_id_prob, false, &mut rng);
        let train_inferred = choose_phi(
            &candidates,
            self.phi,
            id_atomic.len(),
            "comparison",
            &mut rng,
        )?;
        let mut examples: Vec<Example> = id_atomic
            .iter()
            .chain(&ood_atomic)
            .map(|&(a, e)| atomic(Split::Train, a, e))
            .collect();
        examples.extend(train_inferred.iter().map(|&p| inferred(Split::Train, p)));
        let cap = self.max_test;
        examples.extend(eval_examples(
            &[
                (Split::IdAtomic, &id_atomic),
                (Split::OodAtomic, &ood_atomic),
            ],
            cap,
            &mut rng,
            |split, (a, e)| atomic(split, a, e),
        ));
        examples.extend(eval_examples(
            &[
                (Split::TrainInferred, &train_inferred),
                (Split::TestInferredId, &test_id),
                (Split::TestInferredOod, &test_ood),
            ],
            cap,
            &mut rng,
            inferred,
        ));
        Ok(TaskData {
            task: TaskKind::Comparison,
            vocab: vocab::comparison_vocab(self.entities, self.attributes, self.values),
            fields: COMPARISON_FIELDS,
            examples,
            params: serde_json::to_value(self).expect("spec serialises"),
        })
    }
}
