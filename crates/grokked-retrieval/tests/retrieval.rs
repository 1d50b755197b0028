//! Retrieval ranks facts about the query's entities first; the oracle proves every generated
//! query and fails without a chain; in-context layouts round-trip through the task tokenizer.

use grokked_data::tasks::complex::ComplexSpec;
use grokked_data::tokens::tokenizer::TaskTokenizer;
use grokked_data::{Split, TaskData};
use grokked_retrieval::context::{in_context_task, layout, oracle_accuracy};
use grokked_retrieval::facts::{training_facts, Fact};
use grokked_retrieval::oracle::prove;
use grokked_retrieval::store::FactStore;

fn task() -> TaskData {
    ComplexSpec {
        entities: 150,
        attributes: 3,
        queries_per_label: 10,
        seed: 5,
        ..Default::default()
    }
    .generate()
    .unwrap()
}

fn query(fields: &[Option<i64>; 5]) -> (usize, usize, usize) {
    (
        fields[0].unwrap() as usize,
        fields[1].unwrap() as usize,
        fields[2].unwrap() as usize,
    )
}

#[test]
fn retrieval_returns_facts_about_the_query_entities_first() {
    let data = task();
    let store = FactStore::new(training_facts(&data)).unwrap();
    for q in data.split(Split::TestHard).take(10) {
        let (a, e1, e2) = query(&q.fields);
        let about = store.about(e1).len() + store.about(e2).len();
        let hits = store.retrieve(a, e1, e2, about.clamp(1, 10)).unwrap();
        assert!(
            hits.iter().all(|f| f.mentions(e1) || f.mentions(e2)),
            "query {a} {e1} {e2}: {hits:?}"
        );
        assert!(store.about(e1).iter().all(|f| f.mentions(e1)));
    }
}

#[test]
fn the_oracle_proves_every_query_and_fails_without_a_chain() {
    let data = task();
    let facts = training_facts(&data);
    assert_eq!(
        oracle_accuracy(&data, &facts, Split::TestHard, 150, 20),
        1.0
    );
    // Without the cross comparisons, OOD entities are unreachable: no proof.
    let values_only: Vec<Fact> = facts
        .iter()
        .copied()
        .filter(|f| matches!(f, Fact::Value { .. }))
        .collect();
    let (a, e1, e2) = query(&data.split(Split::TestHard).next().unwrap().fields);
    assert!(prove(&values_only, a, e1, e2, 150, 20).is_none());
    assert!(prove(&facts, a, e1, e2, 150, 20).is_some());
}

#[test]
fn in_context_layout_round_trips_through_the_tokenizer() {
    let data = task();
    let store = FactStore::new(training_facts(&data)).unwrap();
    let ic = in_context_task(&data, &store, 6).unwrap();
    let tok = TaskTokenizer::new(&ic.vocab).unwrap();
    let q = ic.split(Split::TestHard).next().unwrap();
    let ids = tok.encode(&q.target_text).unwrap();
    assert_eq!(tok.decode(&ids).unwrap(), q.target_text);
    assert!(q.input_text.contains("<sep>") && q.input_text.ends_with("</q>"));
    let facts = [
        Fact::Compare {
            attr: 1,
            e1: 3,
            e2: 4,
            label: 0,
        },
        Fact::Value {
            attr: 1,
            e: 4,
            v: 9,
        },
    ];
    let text = layout(&facts, 1, 3, 5);
    assert_eq!(
        text,
        "<attr_1><e_3><e_4><attr_1_0><e_4><attr_1><9><sep><attr_1><q><e_3><mask><e_5></q>"
    );
    assert_eq!(tok.decode(&tok.encode(&text).unwrap()).unwrap(), text);
    // A training query's own fact never appears in its context.
    for ex in ic.split(Split::Train).take(50) {
        let (a, e1, e2) = query(&ex.fields);
        let context = ex.input_text.split("<sep>").next().unwrap();
        assert!(!context.contains(&format!("<attr_{a}><e_{e1}><e_{e2}>")));
    }
}
