//! The two-hop composition task (paper section 3; the official `composition.ipynb`), seeded, and
//! its K-hop generalisation (`hops`).
//!
//! Every entity gets `out_degree` distinct relations, each to a uniformly random tail. A share
//! `ood_ratio` of the atomic facts is out of distribution. Every two-hop path (h, r1, b, r2, t) is
//! classified: both hops OOD -> `test_inferred_ood`; one OOD -> dropped; both ID ->
//! `test_inferred_id` with probability `test_id_prob`, else a training candidate. Training holds
//! every atomic fact plus `round(phi * |ID atomic|)` sampled candidates.
//!
//! With `hops = K` (default 2, the paper's task, unchanged) the inferred facts are K-hop chains:
//! input `<e_h><r_1>...<r_K>`, target the entity the K atomic facts lead to, split by the same
//! rule over all K hops (see [`crate::split::chains`]). The structure columns stay `h, r1, b, r2,
//! t` (`b` the first bridge, `r2` the last relation) and `proof` holds the whole chain,
//! `<e_h><r_1><e_b1>...<r_K><e_t>`, so every K shares one table schema. `min_hops = M` trains
//! (and tests) every hop count from M to `hops` at once; `test_hops = [K + 1, ...]` adds longer
//! chains for testing only. The hop count of a row is the number of relations in its input
//! ([`TaskData::hops_of`](crate::example::TaskData::hops_of)), and evaluation reports each split
//! per hop count ([`crate::split::hop_columns`]).
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, Split};
//! let spec = CompositionSpec { entities: 50, relations: 10, out_degree: 5, phi: 3.0, seed: 1, ..Default::default() };
//! let data = spec.generate().unwrap();
//! assert_eq!(data.train_atomic(), 250);
//! assert_eq!(data.vocab.len(), 50 + 10 + 6);
//! assert!(data.count(Split::TestInferredId) > 0);
//! ```

use crate::error::{DataError, Result};
use crate::example::{Example, TaskData, TaskKind, COMPOSITION_FIELDS};
use crate::limits;
use crate::split::chains::chain_pools;
use crate::split::draw::{choose_phi, eval_examples, ratio_count, rng, subset_mask, Rng};
use crate::split::paths::two_hop_pools;
use crate::split::walks::sample_chains;
use crate::split::{FactKind, Split};
use crate::tokens::vocab;
use rand::seq::index;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Parameters of the composition task; defaults are the paper's setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompositionSpec {
    /// Number of entities |E|.
    pub entities: usize,
    /// Number of relations |R|.
    pub relations: usize,
    /// Relations per head entity.
    pub out_degree: usize,
    /// Share of atomic facts that are out of distribution.
    pub ood_ratio: f64,
    /// Inferred training facts per ID atomic fact.
    pub phi: f64,
    /// Probability that an all-ID two-hop fact is held out for testing.
    pub test_id_prob: f64,
    /// Cap on the size of each evaluation split.
    pub max_test: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Hops per inferred fact (2: the paper's two-hop task); with `min_hops`, the longest trained.
    pub hops: usize,
    /// Train (and test) every hop count from `min_hops` to `hops`, each with its own
    /// `round(phi * |ID atomic|)` inferred training facts (default: `hops` alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_hops: Option<usize>,
    /// Longer hop counts held out for testing only: up to `max_test` all-ID chains
    /// (`test_inferred_id`) and all-OOD chains (`test_inferred_ood`) of each, found by random
    /// walks ([`crate::split::walks`]); none is trained on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test_hops: Vec<usize>,
}

impl Default for CompositionSpec {
    fn default() -> Self {
        CompositionSpec {
            entities: 2000,
            relations: 200,
            out_degree: 20,
            ood_ratio: 0.05,
            phi: 7.2,
            test_id_prob: 0.005,
            max_test: 3000,
            seed: 0,
            hops: 2,
            min_hops: None,
            test_hops: Vec::new(),
        }
    }
}

/// The most hops a composition task may have.
pub const MAX_HOPS: usize = 8;

/// An atomic fact (head, relation, tail) as indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Atomic {
    /// Head entity.
    pub h: u32,
    /// Relation.
    pub r: u32,
    /// Tail entity.
    pub t: u32,
}

impl CompositionSpec {
    /// Checks the parameters, naming the first one at fault.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, m: String| Err(DataError::field("composition task", f, m));
        for (field, v) in [
            ("entities", self.entities),
            ("relations", self.relations),
            ("out_degree", self.out_degree),
        ] {
            if v == 0 || v > u32::MAX as usize {
                return bad(field, format!("must be from 1 to {}, got {v}", u32::MAX));
            }
        }
        if self.max_test == 0 {
            return bad("max_test", "must be at least 1".into());
        }
        if !(2..=MAX_HOPS).contains(&self.hops) {
            return bad(
                "hops",
                format!("must be from 2 to {MAX_HOPS}, got {}", self.hops),
            );
        }
        if let Some(m) = self.min_hops {
            if !(2..=self.hops).contains(&m) {
                return bad(
                    "min_hops",
                    format!("must be from 2 to hops ({}), got {m}", self.hops),
                );
            }
        }
        for (i, &k) in self.test_hops.iter().enumerate() {
            let previous = if i == 0 {
                self.hops
            } else {
                self.test_hops[i - 1]
            };
            if k <= previous || k > MAX_HOPS {
                return bad(
                    "test_hops",
                    format!(
                        "must rise above hops ({}) to at most {MAX_HOPS}, got {:?}",
                        self.hops, self.test_hops
                    ),
                );
            }
        }
        if self.out_degree > self.relations {
            return bad(
                "out_degree",
                format!("{} exceeds relations ({})", self.out_degree, self.relations),
            );
        }
        if !(0.0..1.0).contains(&self.ood_ratio) {
            return bad(
                "ood_ratio",
                format!("must be in [0, 1), got {}", self.ood_ratio),
            );
        }
        if !(0.0..=1.0).contains(&self.test_id_prob) {
            return bad(
                "test_id_prob",
                format!("must be in [0, 1], got {}", self.test_id_prob),
            );
        }
        if self.phi < 0.0 || !self.phi.is_finite() {
            return bad("phi", format!("must be non-negative, got {}", self.phi));
        }
        // Atomic facts, then every two-hop path through them (pairs of fact indices), then the
        // examples; the relations' tokens.
        let (e, d) = (self.entities as u128, self.out_degree as u128);
        // K-hop chains: e * d^K of them, K indices each.
        let chains = (1..self.hops).fold(e * d, |n, _| n.saturating_mul(d));
        limits::fits(
            "composition task",
            "hops",
            chains.saturating_mul(4 * self.hops as u128 + 24),
        )?;
        limits::fits(
            "composition task",
            "entities",
            e * d * 16 + e * d * d * 8 + e * d * 256,
        )?;
        limits::fits("composition task", "relations", self.relations as u128 * 32)?;
        Ok(())
    }

    /// The examples, in the generator's order: for each hop count's `pools` (candidates, ID
    /// test, OOD test) `round(phi * n_id)` training inferred facts, then the atomic facts
    /// (`atomic_facts` makes the training rows and draws the evaluated ones), the training
    /// inferred rows, and each hop count's evaluated inferred rows.
    fn inferred<T: Clone>(
        &self,
        pools: Vec<[Vec<T>; 3]>,
        n_id: usize,
        rng: &mut Rng,
        atomic_facts: impl FnOnce(&mut Rng) -> (Vec<Example>, Vec<Example>),
        make: impl Fn(Split, T) -> Example,
    ) -> Result<Vec<Example>> {
        let trained = pools
            .iter()
            .map(|[candidates, ..]| choose_phi(candidates, self.phi, n_id, "composition", rng))
            .collect::<Result<Vec<_>>>()?;
        let (mut examples, evaluated_atomic) = atomic_facts(rng);
        for train_inferred in &trained {
            examples.extend(train_inferred.iter().map(|p| make(Split::Train, p.clone())));
        }
        examples.extend(evaluated_atomic);
        for (train_inferred, [_, test_id, test_ood]) in trained.iter().zip(&pools) {
            examples.extend(eval_examples(
                &[
                    (Split::TrainInferred, train_inferred),
                    (Split::TestInferredId, test_id),
                    (Split::TestInferredOod, test_ood),
                ],
                self.max_test,
                rng,
                &make,
            ));
        }
        Ok(examples)
    }

    /// Generates the task.
    pub fn generate(&self) -> Result<TaskData> {
        self.validate()?;
        let mut rng = rng(self.seed);
        let (n_e, d) = (self.entities, self.out_degree);
        let mut atomics = Vec::with_capacity(n_e * d);
        for h in 0..n_e {
            for r in index::sample(&mut rng, self.relations, d) {
                let t = rng.gen_range(0..n_e);
                atomics.push(Atomic {
                    h: h as u32,
                    r: r as u32,
                    t: t as u32,
                });
            }
        }
        let ood = subset_mask(
            atomics.len(),
            ratio_count(self.ood_ratio, atomics.len()),
            &mut rng,
        );
        let tails: Vec<u32> = atomics.iter().map(|a| a.t).collect();
        let id_idx: Vec<usize> = (0..atomics.len()).filter(|&i| !ood[i]).collect();
        let ood_idx: Vec<usize> = (0..atomics.len()).filter(|&i| ood[i]).collect();
        let names = Names::new(n_e, self.relations);
        let atomic_facts = |rng: &mut Rng| {
            let trained = atomics.iter().map(|f| names.atomic(Split::Train, f));
            let evaluated = eval_examples(
                &[(Split::IdAtomic, &id_idx), (Split::OodAtomic, &ood_idx)],
                self.max_test,
                rng,
                |split, i| names.atomic(split, &atomics[i]),
            );
            (trained.collect(), evaluated)
        };
        let min_hops = self.min_hops.unwrap_or(self.hops);
        let mut examples = if self.hops == 2 {
            let pools = two_hop_pools(&tails, d, &ood, self.test_id_prob, &mut rng);
            let pools = vec![[pools.candidates, pools.test_id, pools.test_ood]];
            self.inferred(pools, id_idx.len(), &mut rng, atomic_facts, |split, p| {
                names.inferred(split, &atomics, p)
            })?
        } else {
            let pools = (min_hops..=self.hops)
                .map(|k| {
                    let p = chain_pools(&tails, d, &ood, k, self.test_id_prob, &mut rng);
                    [p.candidates, p.test_id, p.test_ood]
                })
                .collect();
            self.inferred(pools, id_idx.len(), &mut rng, atomic_facts, |split, p| {
                names.chain(split, &atomics, &p)
            })?
        };
        for &k in &self.test_hops {
            for (split, want_ood) in [
                (Split::TestInferredId, false),
                (Split::TestInferredOod, true),
            ] {
                let chains = sample_chains(&tails, d, &ood, k, want_ood, self.max_test, &mut rng);
                examples.extend(chains.iter().map(|c| names.chain(split, &atomics, c)));
            }
        }
        Ok(TaskData {
            task: TaskKind::Composition,
            vocab: vocab::composition_vocab(n_e, self.relations),
            fields: COMPOSITION_FIELDS,
            examples,
            params: serde_json::to_value(self).expect("spec serialises"),
        })
    }
}

/// Pre-formatted token strings.
struct Names {
    entities: Vec<String>,
    relations: Vec<String>,
}

impl Names {
    fn new(entities: usize, relations: usize) -> Self {
        Names {
            entities: (0..entities).map(vocab::entity).collect(),
            relations: (0..relations).map(vocab::relation).collect(),
        }
    }

    fn atomic(&self, split: Split, f: &Atomic) -> Example {
        let (h, r, t) = (f.h as usize, f.r as usize, f.t as usize);
        Example::new(
            split,
            FactKind::Atomic,
            &[&self.entities[h], &self.relations[r]],
            &[&self.entities[t]],
            [Some(h as i64), Some(r as i64), None, None, Some(t as i64)],
        )
    }

    /// A K-hop chain of atomic facts: input `h r_1 ... r_K`, answer the last tail; the structure
    /// columns hold `h, r_1, b_1, r_K, t` and `proof` the whole chain.
    fn chain(&self, split: Split, atomics: &[Atomic], chain: &[u32]) -> Example {
        let facts: Vec<Atomic> = chain.iter().map(|&i| atomics[i as usize]).collect();
        let (first, last) = (facts[0], facts[facts.len() - 1]);
        let mut input: Vec<&str> = vec![&self.entities[first.h as usize]];
        input.extend(facts.iter().map(|f| self.relations[f.r as usize].as_str()));
        let fields = [first.h, first.r, first.t, last.r, last.t].map(|x| Some(i64::from(x)));
        let mut example = Example::new(
            split,
            FactKind::Inferred,
            &input,
            &[&self.entities[last.t as usize]],
            fields,
        );
        let mut proof = self.entities[first.h as usize].clone();
        for f in &facts {
            proof += &self.relations[f.r as usize];
            proof += &self.entities[f.t as usize];
        }
        example.proof = Some(proof);
        example
    }

    fn inferred(&self, split: Split, atomics: &[Atomic], (a, c): (u32, u32)) -> Example {
        let (f1, f2) = (atomics[a as usize], atomics[c as usize]);
        let (h, r1, b, r2, t) = (
            f1.h as usize,
            f1.r as usize,
            f1.t as usize,
            f2.r as usize,
            f2.t as usize,
        );
        Example::new(
            split,
            FactKind::Inferred,
            &[&self.entities[h], &self.relations[r1], &self.relations[r2]],
            &[&self.entities[t]],
            [h, r1, b, r2, t].map(|x| Some(x as i64)),
        )
    }
}
