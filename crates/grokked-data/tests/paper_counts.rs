//! The paper's default settings give the paper's counts (closed form).

use grokked_data::{tasks::comparison::ComparisonSpec, tasks::composition::CompositionSpec, Split};

#[test]
fn composition_paper_setting_counts() {
    let spec = CompositionSpec::default();
    let data = spec.generate().unwrap();
    assert_eq!(data.train_atomic(), 40_000);
    assert_eq!(data.vocab.len(), 2_206);
    // 5% of 40,000 atomic facts are OOD, so 38,000 are ID.
    assert_eq!(
        data.train_inferred(),
        (spec.phi * 38_000.0).round() as usize
    );
    for split in [
        Split::IdAtomic,
        Split::OodAtomic,
        Split::TrainInferred,
        Split::TestInferredId,
        Split::TestInferredOod,
    ] {
        let n = data.count(split);
        assert!(n > 0 && n <= 3_000, "{split}: {n}");
    }
    assert_eq!(data.count(Split::IdAtomic), 3_000);
    assert_eq!(data.count(Split::OodAtomic), 2_000);
}

#[test]
fn comparison_paper_setting_counts() {
    let data = ComparisonSpec::default().generate().unwrap();
    assert_eq!(data.vocab.len(), 1_106);
    // 20 attributes x 1,000 entities, all atomic facts (ID 900 + OOD 100 per attribute) in training.
    assert_eq!(data.train_atomic(), 20_000);
    assert_eq!(data.train_inferred(), (7.2f64 * 18_000.0).round() as usize);
}
