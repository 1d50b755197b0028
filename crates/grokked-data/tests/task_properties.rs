//! No leakage between training and test splits, provable complex queries, deterministic files.

use grokked_data::{
    io::folder, tasks::comparison::ComparisonSpec, tasks::complex::ComplexSpec,
    tasks::composition::CompositionSpec, tokens::vocab, Example, FactKind, Split, TaskData,
};
use grokked_data::{tasks::question_task, tasks::rules::RulesSpec};
use std::collections::{HashMap, HashSet};

mod small_tasks;

fn train_targets(data: &TaskData) -> HashSet<&str> {
    data.split(Split::Train)
        .map(|e| e.target_text.as_str())
        .collect()
}

fn field(e: &Example, i: usize) -> i64 {
    e.fields[i].expect("structure field")
}

#[test]
fn composition_has_no_leakage_and_hops_match_their_split() {
    // max_test above every pool size, so the atomic splits list every ID and OOD fact.
    let spec = CompositionSpec {
        entities: 300,
        relations: 30,
        out_degree: 8,
        phi: 4.0,
        test_id_prob: 0.05,
        max_test: 1_000_000,
        seed: 4,
        ..Default::default()
    };
    let data = spec.generate().unwrap();
    let train = train_targets(&data);
    let facts = |s| {
        data.split(s)
            .map(|e| (field(e, 0), field(e, 1), field(e, 4)))
            .collect::<HashSet<_>>()
    };
    let (id, ood) = (facts(Split::IdAtomic), facts(Split::OodAtomic));
    assert_eq!(id.len() + ood.len(), 300 * 8);
    assert!(id.is_disjoint(&ood));
    for (split, atomics) in [(Split::TestInferredId, &id), (Split::TestInferredOod, &ood)] {
        assert!(data.count(split) > 0, "{split} is empty");
        for e in data.split(split) {
            assert!(
                !train.contains(e.target_text.as_str()),
                "{split} fact in training: {}",
                e.target_text
            );
            let (h, r1, b, r2, t) = (
                field(e, 0),
                field(e, 1),
                field(e, 2),
                field(e, 3),
                field(e, 4),
            );
            assert!(
                atomics.contains(&(h, r1, b)) && atomics.contains(&(b, r2, t)),
                "{split}: {}",
                e.target_text
            );
            assert_eq!(e.target_text, format!("<e_{h}><r_{r1}><r_{r2}><e_{t}></a>"));
        }
    }
    for e in data
        .split(Split::Train)
        .filter(|e| e.kind == FactKind::Inferred)
    {
        assert!(
            id.contains(&(field(e, 0), field(e, 1), field(e, 2)))
                && id.contains(&(field(e, 2), field(e, 3), field(e, 4)))
        );
    }
}

/// A small 3-hop graph with many OOD facts, every evaluated fact kept.
fn three_hop_spec() -> CompositionSpec {
    CompositionSpec {
        entities: 60,
        relations: 12,
        out_degree: 4,
        ood_ratio: 0.3,
        phi: 2.0,
        test_id_prob: 0.1,
        max_test: 1_000_000,
        seed: 2,
        hops: 3,
        ..Default::default()
    }
}

#[test]
fn a_k_hop_answer_follows_its_own_atomic_facts_and_each_hop_has_the_chains_split() {
    let spec = three_hop_spec();
    let data = spec.generate().unwrap();
    let train = train_targets(&data);
    let tail = atomic_tails(&data);
    assert_eq!(tail.len(), 60 * 4);
    // The options of several hop counts stay out of the parameters when unused.
    assert!(data.params.get("min_hops").is_none() && data.params.get("test_hops").is_none());
    assert!(data.hop_counts().is_empty());
    for (split, want_ood) in [
        (Split::Train, false),
        (Split::TestInferredId, false),
        (Split::TestInferredOod, true),
    ] {
        let inferred: Vec<&Example> = data
            .split(split)
            .filter(|e| e.kind == FactKind::Inferred)
            .collect();
        assert!(!inferred.is_empty(), "{split}");
        for e in inferred {
            assert_eq!(follow_chain(e, &tail, want_ood), 3, "{}", e.input_text);
            if split != Split::Train {
                assert!(
                    !train.contains(e.target_text.as_str()),
                    "{split} fact in training"
                );
            }
        }
    }
    // Two hops stay the paper's task: `hops = 2` is the default, bit for bit.
    let two = CompositionSpec {
        hops: 2,
        ..spec.clone()
    }
    .generate()
    .unwrap();
    let default = CompositionSpec {
        hops: CompositionSpec::default().hops,
        ..spec
    }
    .generate()
    .unwrap();
    assert_eq!(two.examples, default.examples);
    assert!(two.examples.iter().all(|e| e.proof.is_none()));
}

#[test]
fn comparison_has_no_leakage_and_pairs_match_their_split() {
    let data = ComparisonSpec {
        entities: 80,
        attributes: 4,
        phi: 3.0,
        max_test: 1_000_000,
        seed: 2,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let train = train_targets(&data);
    let is_id: HashSet<(i64, i64)> = data
        .split(Split::IdAtomic)
        .map(|e| (field(e, 0), field(e, 1)))
        .collect();
    for (split, want_id) in [
        (Split::TestInferredId, true),
        (Split::TestInferredOod, false),
    ] {
        assert!(data.count(split) > 0);
        for e in data.split(split) {
            assert!(!train.contains(e.target_text.as_str()));
            let a = field(e, 0);
            assert_eq!(is_id.contains(&(a, field(e, 1))), want_id);
            assert_eq!(is_id.contains(&(a, field(e, 2))), want_id);
            let label = vocab::label(
                a as usize,
                vocab::compare(field(e, 3) as usize, field(e, 4) as usize),
            );
            assert!(e.target_text.ends_with(&format!("{label}</a>")));
        }
    }
}

/// Checks one chain "<e_a> >= <e_b> >= ..." against the training facts.
fn check_chain(
    chain: &str,
    attr: i64,
    trained: &HashMap<(i64, i64, i64), usize>,
    values: &HashMap<(i64, i64), i64>,
) -> (i64, i64) {
    let ents: Vec<i64> = chain
        .split(" >= ")
        .map(|t| {
            t.trim_start_matches("<e_")
                .trim_end_matches('>')
                .parse()
                .unwrap()
        })
        .collect();
    for w in ents.windows(2) {
        // A training comparison in either order: a >= b is "a ? b" labelled > or =, or "b ? a" labelled < or =.
        let by_fact = trained.get(&(attr, w[0], w[1])).is_some_and(|&l| l >= 1)
            || trained.get(&(attr, w[1], w[0])).is_some_and(|&l| l <= 1);
        let by_values = matches!((values.get(&(attr, w[0])), values.get(&(attr, w[1]))), (Some(a), Some(b)) if a >= b);
        assert!(
            by_fact || by_values,
            "step {} >= {} of `{chain}` has no training support",
            w[0],
            w[1]
        );
    }
    (ents[0], *ents.last().unwrap())
}

#[test]
fn complex_queries_are_provable_balanced_and_correct() {
    let spec = ComplexSpec {
        entities: 300,
        attributes: 3,
        queries_per_label: 10,
        seed: 8,
        ..Default::default()
    };
    let data = spec.generate().unwrap();
    // Training comparisons (attr, e1, e2) -> label, and ID values (attr, e) -> value.
    let mut trained = HashMap::new();
    let mut values = HashMap::new();
    for e in data.split(Split::Train) {
        match e.kind {
            FactKind::Atomic => drop(values.insert((field(e, 0), field(e, 1)), field(e, 3))),
            FactKind::Inferred => {
                let label = vocab::compare(field(e, 3) as usize, field(e, 4) as usize);
                trained.insert((field(e, 0), field(e, 1), field(e, 2)), label);
            }
        }
    }
    let queries: Vec<&Example> = data.split(Split::TestHard).collect();
    assert_eq!(queries.len(), 30);
    let mut per_label = [0; 3];
    for q in queries {
        let (a, e1, e2) = (field(q, 0), field(q, 1), field(q, 2));
        assert!(
            !values.contains_key(&(a, e1)) && !values.contains_key(&(a, e2)),
            "query entities must be OOD"
        );
        let label = vocab::compare(field(q, 3) as usize, field(q, 4) as usize);
        assert!(q
            .target_text
            .ends_with(&format!("<a>{}</a>", vocab::label(a as usize, label))));
        per_label[label] += 1;
        let chains: Vec<(i64, i64)> = q
            .proof
            .as_deref()
            .unwrap()
            .split(" | ")
            .map(|c| check_chain(c, a, &trained, &values))
            .collect();
        let expect = match label {
            2 => vec![(e1, e2)],
            0 => vec![(e2, e1)],
            _ => vec![(e1, e2), (e2, e1)],
        };
        assert_eq!(chains, expect);
        assert!(chains.iter().all(|_| !trained.contains_key(&(a, e1, e2))));
    }
    assert_eq!(per_label, [10, 10, 10]);
}

#[test]
fn same_seed_same_parquet_bytes_other_seed_other_data() {
    let spec = |seed| CompositionSpec {
        entities: 60,
        relations: 10,
        out_degree: 4,
        phi: 3.0,
        seed,
        ..Default::default()
    };
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, seed) in dirs.iter().zip([5, 5, 6]) {
        folder::save(&spec(seed).generate().unwrap(), dir.path()).unwrap();
    }
    let bytes = |i: usize| std::fs::read(dirs[i].path().join(folder::EXAMPLES_FILE)).unwrap();
    assert_eq!(bytes(0), bytes(1));
    assert_ne!(bytes(0), bytes(2));
    assert_ne!(
        spec(5).generate().unwrap().examples,
        spec(6).generate().unwrap().examples
    );
}

#[test]
fn folders_round_trip_every_task() {
    // The three knowledge-graph kinds and a question-answering task from English rows.
    let mut tasks = small_tasks::one_of_each_kind();
    let rows = RulesSpec {
        rows: 40,
        ..Default::default()
    }
    .generate()
    .unwrap();
    tasks.push(question_task::to_task(&rows, 0).unwrap());
    for data in tasks {
        let dir = tempfile::tempdir().unwrap();
        folder::save(&data, dir.path()).unwrap();
        assert_eq!(folder::load(dir.path()).unwrap(), data);
    }
}

/// Every atomic fact of a composition task, (head, relation) -> (tail, whether it is OOD).
fn atomic_tails(data: &TaskData) -> HashMap<(i64, i64), (i64, bool)> {
    let mut tail = HashMap::new();
    for (split, is_ood) in [(Split::IdAtomic, false), (Split::OodAtomic, true)] {
        for e in data.split(split) {
            tail.insert((field(e, 0), field(e, 1)), (field(e, 4), is_ood));
        }
    }
    tail
}

/// Walks a K-hop fact's input `h r1 .. rK` through the atomic facts, checks that every hop is
/// of the wanted kind, that the answer is where the walk ends and that `proof` and `b` are the
/// walk's; returns K.
fn follow_chain(e: &Example, tail: &HashMap<(i64, i64), (i64, bool)>, want_ood: bool) -> usize {
    let token = |text: &str| -> Vec<i64> {
        text.split('>')
            .filter(|t| !t.is_empty() && *t != "</a")
            .map(|t| t.rsplit('_').next().unwrap().parse().unwrap())
            .collect()
    };
    let ids = token(&e.input_text);
    let mut at = ids[0];
    let mut chain = vec![at];
    for &r in &ids[1..] {
        let (next, is_ood) = tail[&(at, r)];
        assert_eq!(is_ood, want_ood, "every hop has the chain's split");
        chain.extend([r, next]);
        at = next;
    }
    assert_eq!(e.target_text, format!("{}<e_{at}></a>", e.input_text));
    assert_eq!(token(e.proof.as_deref().unwrap()), chain);
    assert_eq!(field(e, 2), chain[2], "b: the first bridge");
    ids.len() - 1
}

#[test]
fn several_hop_counts_train_together_and_longer_chains_are_held_out() {
    let spec = CompositionSpec {
        max_test: 300,
        seed: 4,
        min_hops: Some(2),
        test_hops: vec![4, 5],
        ..three_hop_spec()
    };
    let data = spec.generate().unwrap();
    assert_eq!(data.hop_counts(), vec![2, 3, 4, 5]);
    let tail = atomic_tails(&data);
    let train = train_targets(&data);
    let n_id = data.split(Split::IdAtomic).count();
    let mut per: HashMap<(Split, usize), usize> = HashMap::new();
    for e in data
        .examples
        .iter()
        .filter(|e| e.kind == FactKind::Inferred)
    {
        let k = follow_chain(e, &tail, e.split == Split::TestInferredOod);
        assert_eq!(data.hops_of(e), Some(k));
        *per.entry((e.split, k)).or_default() += 1;
        if ![Split::Train, Split::TrainInferred].contains(&e.split) {
            assert!(
                !train.contains(e.target_text.as_str()),
                "{} in training",
                e.input_text
            );
        }
    }
    // Each trained hop count gets its own round(phi * |ID atomic|) facts; none of 4 or 5 hops.
    let phi_count = (2.0 * n_id as f64).round() as usize;
    assert_eq!(per[&(Split::Train, 2)], phi_count);
    assert_eq!(per[&(Split::Train, 3)], phi_count);
    assert!(!per.contains_key(&(Split::Train, 4)) && !per.contains_key(&(Split::Train, 5)));
    for k in [2, 3, 4, 5] {
        for split in [Split::TestInferredId, Split::TestInferredOod] {
            let n = per.get(&(split, k)).copied().unwrap_or(0);
            assert!(n > 0 && n <= 300, "{split} at {k} hops: {n}");
        }
    }
    // The per-hop counts reach the task's statistics, under the metric names.
    let stats = grokked_data::io::folder::Stats::of(&data);
    assert_eq!(
        stats.splits["test_inferred_ood_5hop"],
        per[&(Split::TestInferredOod, 5)]
    );
    // The split's metric scores the trained hop counts only: 2 and 3.
    assert_eq!(
        stats.evaluated("test_inferred_id"),
        Some(per[&(Split::TestInferredId, 2)] + per[&(Split::TestInferredId, 3)])
    );
    assert_eq!(
        stats.evaluated("id_atomic"),
        Some(data.count(Split::IdAtomic))
    );
    assert_eq!(stats.evaluated("test_inferred_id_9hop"), None);
    // Held-out hop counts append rows and change nothing before them.
    let without = CompositionSpec {
        test_hops: vec![],
        ..spec.clone()
    }
    .generate()
    .unwrap();
    assert_eq!(
        data.examples[..without.examples.len()],
        without.examples[..]
    );
    // Bad settings name their field.
    for (bad, field) in [
        (
            CompositionSpec {
                min_hops: Some(4),
                ..spec.clone()
            },
            "min_hops",
        ),
        (
            CompositionSpec {
                test_hops: vec![3],
                ..spec.clone()
            },
            "test_hops",
        ),
        (
            CompositionSpec {
                test_hops: vec![5, 4],
                ..spec.clone()
            },
            "test_hops",
        ),
    ] {
        let e = bad.generate().unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    }
}
