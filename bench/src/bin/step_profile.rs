//! Where a training step's time goes: forward, backward and optimizer, each timed over N steps
//! on composition-small (run: `scripts/bench.sh step_profile [STEPS]`).

use grokked_bench::{root, timed};
use grokked_core::train::eval::answer_loss;
use grokked_core::train::{RunConfig, Trainer};
use tch::Tensor;

fn main() -> anyhow::Result<()> {
    let steps: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100);
    let mut cfg = RunConfig::from_file(&root().join("datasets/configs/composition-small.toml"))?;
    cfg.set("device=cpu")?;
    let dir = std::env::temp_dir().join(format!("grokked-prof-{}", std::process::id()));
    let mut t = Trainer::new(cfg, &dir)?;
    let (ids, targets) = t.train_tensors();
    let idx = Tensor::arange(512, (tch::Kind::Int64, tch::Device::Cpu));
    let (ids, targets) = (ids.index_select(0, &idx), targets.index_select(0, &idx));
    let inputs = ids.narrow(1, 0, ids.size()[1] - 1);
    let gpt = &t.model.gpt;
    let kind = std::env::var("BF16").is_ok().then_some(tch::Kind::BFloat16);
    grokked_core::model::precision::with_compute_kind(kind, || -> anyhow::Result<()> {
        let (fwd, _) = timed(|| {
            (0..steps).for_each(|_| {
                let _ = gpt.forward(&inputs, true).unwrap();
            })
        });
        let (fwd_bwd, _) = timed(|| {
            (0..steps).for_each(|_| {
                let loss = answer_loss(&gpt.forward(&inputs, true).unwrap(), &targets);
                loss.backward();
            })
        });
        let (opt, _) = timed(|| {
            (0..steps).for_each(|_| {
                let _ = t.optim.step(1e-4).unwrap();
            })
        });
        let per = |s: f64| 1000.0 * s / steps as f64;
        println!("compute kind {kind:?}");
        println!(
            "per step: forward {:.2} ms, backward {:.2} ms, optimizer {:.2} ms",
            per(fwd),
            per(fwd_bwd - fwd),
            per(opt)
        );
        Ok(())
    })?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
