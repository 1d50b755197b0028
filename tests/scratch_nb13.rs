use grokked::prelude::*;
#[test]
fn nb13() {
    use grokked::data::io::folder::Stats;
    use grokked::data::tasks::composition::CompositionSpec;
    use grokked::data::FactKind;
    use std::collections::HashMap;
    let spec = CompositionSpec {
        entities: 100,
        relations: 20,
        out_degree: 10,
        ood_ratio: 0.2,
        phi: 7.2,
        test_id_prob: 0.1,
        max_test: 3000,
        seed: 0,
        hops: 3,
        min_hops: Some(2),
        test_hops: vec![4, 5],
    };
    let data = spec.generate().unwrap();
    // Every atomic fact, (head, relation) -> tail: the graph the chains walk.
    let tail: HashMap<(i64, i64), i64> = data
        .split(Split::Train)
        .filter(|e| e.kind == FactKind::Atomic)
        .map(|e| {
            (
                (e.fields[0].unwrap(), e.fields[1].unwrap()),
                e.fields[4].unwrap(),
            )
        })
        .collect();
    assert_eq!(tail.len(), 100 * 10);
    /// The number inside each `<x_N>` token of `text`.
    fn numbers(text: &str) -> Vec<i64> {
        text.split_inclusive('>')
            .map(|t| {
                t.trim_end_matches('>')
                    .rsplit('_')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    }
    /// Walks `<e_h><r_1>...<r_K>` through the atomic facts: the entities reached, hop by hop.
    fn walk(tail: &HashMap<(i64, i64), i64>, input: &str) -> Vec<i64> {
        let ids = numbers(input);
        let mut at = ids[0];
        ids[1..]
            .iter()
            .map(|&r| {
                at = tail[&(at, r)];
                at
            })
            .collect()
    }
    for e in data
        .split(Split::TestInferredOod)
        .filter(|e| data.hops_of(e) == Some(3))
        .take(3)
    {
        println!(
            "{} -> {}   proof {}",
            e.input_text,
            e.answer_text(),
            e.proof.as_deref().unwrap()
        );
    }
    // Every inferred fact's answer is where its own atomic facts lead, at every hop count.
    let mut checked = 0;
    for e in data
        .examples
        .iter()
        .filter(|e| e.kind == FactKind::Inferred)
    {
        let reached = walk(&tail, &e.input_text);
        assert_eq!(
            format!("<e_{}>", reached.last().unwrap()),
            e.answer_text().trim_end_matches("</a>")
        );
        checked += 1;
    }
    println!("{checked} inferred facts follow their atomic facts");
    // Each trained hop count gets round(phi x |ID atomic facts|) = round(7.2 x 800) training facts;
    // the longer chains are only tested.
    let n_id = data.count(Split::IdAtomic);
    assert_eq!(n_id, 800);
    for k in 2..=5 {
        let trained = data
            .split(Split::Train)
            .filter(|e| data.hops_of(e) == Some(k))
            .count();
        println!("{k} hops: {trained} training facts");
        assert_eq!(trained, if k <= 3 { 5760 } else { 0 });
    }
    println!("{}", Stats::of(&data));
}
