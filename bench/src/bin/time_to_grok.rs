//! Steps (and wall time) until ID test accuracy reaches 95% on composition-small: this trainer,
//! this trainer with each Grokfast setting given (default alpha 0.98, lambda 2, the Grokfast
//! paper's setting; several settings make a sweep), and the Python peer, with equal init and
//! hyperparameters. Long (minutes per run on 2 cores): a benchmark, never a test.
//!
//! Run: `scripts/bench.sh time_to_grok [CONFIG] [MAX_STEPS] [ALPHA:LAMBDA ...]`.

use grokked_bench::{root, run_peer, timed};
use grokked_core::train::{trainer::Silent, RunConfig, Trainer};

fn ours(cfg: &RunConfig, dir: &std::path::Path) -> anyhow::Result<(Option<u64>, f64, Trainer)> {
    let mut t = Trainer::new(cfg.clone(), dir)?;
    let (secs, summary) = timed(|| t.run(&mut Silent));
    Ok((summary?.id_95_at, secs, t))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let config = args
        .get(1)
        .map(Into::into)
        .unwrap_or_else(|| root().join("datasets/configs/composition-small.toml"));
    let max_steps: u64 = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let settings: Vec<&str> = match args.get(3..) {
        Some(given) if !given.is_empty() => given.iter().map(String::as_str).collect(),
        _ => vec!["0.98:2"],
    };
    let settings = settings
        .into_iter()
        .map(|s| {
            s.split_once(':')
                .ok_or_else(|| anyhow::anyhow!("Grokfast setting {s:?} is not ALPHA:LAMBDA"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut cfg = RunConfig::from_file(&config)?;
    cfg.set(&format!("max_steps={max_steps}"))?;
    cfg.set("stop_at_id_accuracy=0.95")?;
    cfg.set("train.eval={ dense_every = 250, dense_until = 0, sparse_every = 250 }")?;
    cfg.set("train.checkpoint={ dense_every = 0, dense_until = 0, sparse_every = 0 }")?;
    let base = std::env::temp_dir().join(format!("grokked-grok-{}", std::process::id()));
    let (plain_steps, plain_s, trainer) = ours(&cfg, &base.join("plain"))?;
    let mut fast_runs = Vec::new();
    for (i, (alpha, lambda)) in settings.iter().enumerate() {
        let mut fast = cfg.clone();
        fast.set(&format!(
            "train.grokfast={{ alpha = {alpha}, lambda = {lambda} }}"
        ))?;
        let (steps, secs, _) = ours(&fast, &base.join(format!("grokfast-{i}")))?;
        fast_runs.push((steps, secs));
    }
    let peer = run_peer(&trainer, &base, max_steps, 250, 0.95, "cpu")?;
    let peer_steps = peer.curve.iter().find(|(_, a)| *a >= 0.95).map(|(s, _)| *s);
    let show = |s: Option<u64>| s.map_or(format!(">{max_steps}"), |s| s.to_string());
    println!(
        "steps to ID test accuracy >= 95% (evaluated every 250 steps), {}",
        config.display()
    );
    println!(
        "grokked:             {:>8} steps  {plain_s:7.1}s",
        show(plain_steps)
    );
    for ((alpha, lambda), (steps, secs)) in settings.iter().zip(&fast_runs) {
        let speed_up = match (plain_steps, steps) {
            (Some(p), Some(f)) => format!("{:.2}x fewer steps", p as f64 / *f as f64),
            _ => "-".to_string(),
        };
        println!(
            "grokked + Grokfast:  {:>8} steps  {secs:7.1}s  (alpha {alpha}, lambda {lambda}): \
             {speed_up} (goal >= 3x)",
            show(*steps)
        );
    }
    println!(
        "HF + PyTorch peer:   {:>8} steps  {:7.1}s",
        show(peer_steps),
        peer.seconds
    );
    std::fs::remove_dir_all(&base)?;
    Ok(())
}
