//! The complex-reasoning task of the paper's section 5 (the official `complex_reasoning.ipynb`),
//! seeded.
//!
//! Training holds the ID atomic facts (no OOD atomic facts) and a share `train_ratio` of the
//! ID-ID and of the ID-OOD comparisons. The test queries compare two OOD entities and are provable
//! only by chaining training facts with transitivity: provable in the graph of cross comparisons
//! plus the order that ID values imply, but not from the training comparisons alone. Each query
//! carries one proof chain: `<e_a> >= <e_b> >= ... >= <e_z>` (a second chain after ` | ` for `=`),
//! where each step is a training comparison or two ID atomic values.
//!
//! ```
//! use grokked_data::{tasks::complex::ComplexSpec, Split};
//! let spec = ComplexSpec { entities: 60, attributes: 2, queries_per_label: 3, seed: 3, ..Default::default() };
//! let data = spec.generate().unwrap();
//! assert!(data.count(Split::TestHard) > 0);
//! assert!(data.split(Split::TestHard).all(|q| q.proof.is_some()));
//! ```

use crate::error::{DataError, Result};
use crate::example::{Example, TaskData, TaskKind, COMPARISON_FIELDS};
use crate::split::draw::{choose, eval_examples, ratio_count, Rng};
use crate::split::pairs::{Pair, PairPools};
use crate::split::{FactKind, Split};
use crate::tasks::attributes::{AttributeKb, PairClass};
use crate::tasks::comparison::{check_shares, draw_kb, CmpNames, KbParams};
use crate::tasks::proof::{proved_label, ComparisonGraph};
use crate::tokens::vocab;
use serde::{Deserialize, Serialize};

/// Parameters of the complex-reasoning task; defaults are the paper's setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplexSpec {
    /// Number of entities.
    pub entities: usize,
    /// Number of attributes.
    pub attributes: usize,
    /// Number of ordinal values per attribute.
    pub values: usize,
    /// Share of entities in distribution, per attribute.
    pub id_ratio: f64,
    /// Probability that an ID-ID pair is held out for testing.
    pub test_id_prob: f64,
    /// Share of the ID-ID and of the ID-OOD comparisons put in training.
    pub train_ratio: f64,
    /// Test queries per label (<, =, >).
    pub queries_per_label: usize,
    /// Cap on the size of each other evaluation split.
    pub max_test: usize,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for ComplexSpec {
    fn default() -> Self {
        ComplexSpec {
            entities: 1000,
            attributes: 20,
            values: 20,
            id_ratio: 0.9,
            test_id_prob: 0.1,
            train_ratio: 0.03,
            queries_per_label: 50,
            max_test: 3000,
            seed: 0,
        }
    }
}

/// The ">=" graphs of one attribute: `full` has the sampled cross comparisons and the ID values,
/// `easy` has only the sampled comparisons.
struct AttrGraphs {
    full: ComparisonGraph,
    easy: ComparisonGraph,
}

fn attr_graphs(kb: &AttributeKb, a: usize, cross: &[Pair], topleft: &[Pair]) -> AttrGraphs {
    let mut full = ComparisonGraph::new(kb.entities, kb.values);
    let mut easy = ComparisonGraph::new(kb.entities, kb.values);
    for p in cross.iter().chain(topleft).filter(|p| p.attr as usize == a) {
        let (e1, e2) = (p.e1 as usize, p.e2 as usize);
        let label = kb.compare(a, e1, e2);
        easy.add_comparison(e1, e2, label);
        if kb.pair_class(a, e1, e2) == PairClass::Cross {
            full.add_comparison(e1, e2, label);
        }
    }
    for e in kb.id_entities(a) {
        full.add_value(e, kb.value(e, a));
    }
    AttrGraphs { full, easy }
}

/// Finds the hard queries (attr, e1, e2, label) with their proofs.
fn hard_queries(kb: &AttributeKb, cross: &[Pair], topleft: &[Pair]) -> Vec<(Pair, usize, String)> {
    let mut out = Vec::new();
    for a in 0..kb.attributes {
        let g = attr_graphs(kb, a, cross, topleft);
        let ood = kb.ood_entities(a);
        let full: Vec<Vec<bool>> = ood.iter().map(|&e| g.full.at_least(e)).collect();
        let easy: Vec<Vec<bool>> = ood.iter().map(|&e| g.easy.at_least(e)).collect();
        for (i, &e1) in ood.iter().enumerate() {
            for (j, &e2) in ood.iter().enumerate() {
                if i == j {
                    continue;
                }
                let Some(label) = proved_label(full[i][e2], full[j][e1]) else {
                    continue;
                };
                if proved_label(easy[i][e2], easy[j][e1]) == Some(label) {
                    continue;
                }
                let (_, proof) = g.full.prove(e1, e2).expect("reachable");
                out.push((Pair::new(a, e1, e2), label, proof));
            }
        }
    }
    out
}

/// Picks up to `per_label` queries of each label.
fn balanced(
    queries: Vec<(Pair, usize, String)>,
    per_label: usize,
    rng: &mut Rng,
) -> Vec<(Pair, usize, String)> {
    (0..3)
        .flat_map(|label| {
            let pool: Vec<_> = queries.iter().filter(|q| q.1 == label).cloned().collect();
            choose(&pool, per_label, rng)
        })
        .collect()
}

impl ComplexSpec {
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
            "complex task",
            &[
                ("test_id_prob", self.test_id_prob),
                ("train_ratio", self.train_ratio),
            ],
            None,
        )?;
        if self.queries_per_label == 0 {
            return Err(DataError::field(
                "complex task",
                "queries_per_label",
                "must be at least 1",
            ));
        }
        self.kb_params().validate("complex")
    }

    /// Generates the task.
    pub fn generate(&self) -> Result<TaskData> {
        self.validate()?;
        let (kb, mut rng, names) = draw_kb(&self.kb_params());
        let atomic = |split, a: usize, e: usize| {
            Example::new(
                split,
                FactKind::Atomic,
                &[
                    "<q>",
                    &names.entities[e],
                    &names.attributes[a],
                    "<mask>",
                    "</q>",
                ],
                &["<a>", &names.values[kb.value(e, a)]],
                CmpNames::fields(&kb, a, e, None),
            )
        };
        let comparison = |split, p: Pair| {
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
                    "</q>",
                ],
                &["<a>", &label],
                CmpNames::fields(&kb, a, e1, Some(e2)),
            )
        };
        let PairPools {
            id_atomic,
            ood_atomic,
            id_id: topleft,
            cross,
            test_id,
            test_ood,
        } = kb.pair_pools(self.test_id_prob, true, &mut rng);
        let topleft = choose(
            &topleft,
            ratio_count(self.train_ratio, topleft.len()),
            &mut rng,
        );
        let cross = choose(&cross, ratio_count(self.train_ratio, cross.len()), &mut rng);
        let mut examples: Vec<Example> = id_atomic
            .iter()
            .map(|&(a, e)| atomic(Split::Train, a, e))
            .collect();
        examples.extend(
            topleft
                .iter()
                .chain(&cross)
                .map(|&p| comparison(Split::Train, p)),
        );
        let cap = self.max_test;
        let atomics = |pool: &[(usize, usize)], split, cap, rng: &mut Rng| {
            eval_examples(&[(split, pool)], cap, rng, |split, (a, e)| {
                atomic(split, a, e)
            })
        };
        examples.extend(atomics(&id_atomic, Split::IdAtomic, cap, &mut rng));
        // Every OOD atomic fact is evaluated, however many.
        examples.extend(atomics(&ood_atomic, Split::OodAtomic, usize::MAX, &mut rng));
        let trained: Vec<Pair> = topleft.iter().chain(&cross).copied().collect();
        examples.extend(eval_examples(
            &[
                (Split::TrainInferred, &trained),
                (Split::TestInferredId, &test_id),
                (Split::TestInferredOod, &test_ood),
            ],
            cap,
            &mut rng,
            comparison,
        ));
        let queries = balanced(
            hard_queries(&kb, &cross, &topleft),
            self.queries_per_label,
            &mut rng,
        );
        for (p, _, proof) in queries {
            let mut ex = comparison(Split::TestHard, p);
            ex.proof = Some(proof);
            examples.push(ex);
        }
        Ok(TaskData {
            task: TaskKind::Complex,
            vocab: vocab::comparison_vocab(self.entities, self.attributes, self.values),
            fields: COMPARISON_FIELDS,
            examples,
            params: serde_json::to_value(self).expect("spec serialises"),
        })
    }
}
