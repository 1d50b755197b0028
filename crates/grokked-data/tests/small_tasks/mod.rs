//! One small task of each knowledge-graph kind, shared by the format round-trip tests.

use grokked_data::{
    tasks::comparison::ComparisonSpec, tasks::complex::ComplexSpec,
    tasks::composition::CompositionSpec, TaskData,
};

/// A composition, a comparison and a complex task, small enough for quick round trips.
pub fn one_of_each_kind() -> Vec<TaskData> {
    vec![
        CompositionSpec {
            entities: 40,
            relations: 6,
            out_degree: 3,
            phi: 2.5,
            ..Default::default()
        }
        .generate()
        .unwrap(),
        ComparisonSpec {
            entities: 30,
            attributes: 2,
            ..Default::default()
        }
        .generate()
        .unwrap(),
        ComplexSpec {
            entities: 80,
            attributes: 2,
            queries_per_label: 4,
            ..Default::default()
        }
        .generate()
        .unwrap(),
    ]
}
