//! The tiny training run shared by the trainer tests.

/// A tiny composition run on CPU: `max_steps` steps, evaluation and checkpoints every 20.
pub fn tiny_run_config(max_steps: u64, dropout: f64) -> grokked::train::RunConfig {
    let mut cfg = grokked::train::RunConfig::from_toml_str(
        r#"
        name = "tiny"
        [data]
        task = "composition"
        entities = 24
        relations = 4
        out_degree = 3
        phi = 2.0
        test_id_prob = 0.1
        [model]
        n_layer = 2
        n_embd = 32
        n_head = 2
        init = "pytorch"
        [train]
        lr = 3e-3
        weight_decay = 0.1
        batch_size = 64
        warmup_steps = 10
        device = "cpu"
        eval = { dense_every = 20, dense_until = 100, sparse_every = 50 }
        checkpoint = { dense_every = 20, dense_until = 100, sparse_every = 50 }
        "#,
    )
    .unwrap();
    cfg.set(&format!("max_steps={max_steps}")).unwrap();
    cfg.set(&format!("dropout={dropout}")).unwrap();
    cfg
}

/// A tiny run trained for `max_steps` steps (no dropout) in a fresh temporary folder, which the
/// returned guard removes when dropped.
#[allow(dead_code)] // not every test binary that shares this module trains one
pub fn trained_tiny_run(max_steps: u64) -> (tempfile::TempDir, grokked::train::RunDir) {
    use grokked::train::{observer::Silent, RunDir, Trainer};
    let dir = tempfile::tempdir().unwrap();
    Trainer::new(tiny_run_config(max_steps, 0.0), dir.path())
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    let run = RunDir::new(dir.path());
    (dir, run)
}
