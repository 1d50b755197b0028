//! Where a training step's time goes on composition-small: forward, backward and optimizer, each
//! timed over N steps; the step's FLOPs and achieved GFLOP/s next to a dense matmul of the same
//! total FLOPs timed in the same process (the machine's reachable peak); and the cost of an
//! evaluation and of the telemetry, which run between steps.
//!
//! Run: `scripts/bench.sh step_profile [STEPS]` (set `BF16=1` to lower matmuls to bf16).

use grokked_bench::{root, timed};
use grokked_train::eval::answer_loss;
use grokked_train::telemetry::Telemetry;
use grokked_train::{RunConfig, Trainer};
use tch::{Device, Kind, Tensor};

/// Multiply-add FLOPs of one forward pass of `tokens` tokens through the GPT-2 of `cfg`
/// (linear layers, attention products and the LM head; elementwise work not counted).
fn forward_flops(t: &Trainer, batch: i64, seq: i64) -> f64 {
    let c = t.model.config();
    let (d, l, v) = (c.n_embd as f64, c.n_layer as f64, c.vocab_size as f64);
    let inner = c.inner_dim() as f64;
    let tokens = (batch * seq) as f64;
    let linear = 2.0 * tokens * (3.0 * d * d + d * d + 2.0 * d * inner);
    let attention = 4.0 * batch as f64 * (seq * seq) as f64 * d;
    l * (linear + attention) + 2.0 * tokens * d * v
}

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
    let batch = t.cfg.train.batch_size as i64;
    let idx = Tensor::arange(batch, (Kind::Int64, Device::Cpu));
    let (ids, targets) = (ids.index_select(0, &idx), targets.index_select(0, &idx));
    let inputs = ids.narrow(1, 0, ids.size()[1] - 1);
    let seq = inputs.size()[1];
    let kind = std::env::var("BF16").is_ok().then_some(Kind::BFloat16);
    let per = |s: f64| 1000.0 * s / steps as f64;
    let (fwd, fwd_bwd, opt) =
        grokked_model::precision::with_compute_kind(kind, || -> anyhow::Result<_> {
            let gpt = &t.model.gpt;
            let (fwd, _) = timed(|| {
                (0..steps).for_each(|_| {
                    let _ = gpt.forward_trusted(&inputs, true).unwrap();
                })
            });
            let (fwd_bwd, _) = timed(|| {
                (0..steps).for_each(|_| {
                    let loss = answer_loss(&gpt.forward_trusted(&inputs, true).unwrap(), &targets);
                    loss.backward();
                })
            });
            let (opt, _) = timed(|| {
                (0..steps).for_each(|_| {
                    let _ = t.optim.step(1e-4).unwrap();
                })
            });
            Ok((fwd, fwd_bwd, opt))
        })?;
    let step_ms = per(fwd_bwd + opt);
    println!(
        "compute kind {kind:?}, {} threads, batch {batch} x {seq} tokens",
        tch::get_num_threads()
    );
    println!(
        "per step: forward {:.2} ms, backward {:.2} ms, optimizer {:.2} ms (total {step_ms:.2} ms)",
        per(fwd),
        per(fwd_bwd - fwd),
        per(opt)
    );
    // Backward costs about twice the forward's products (input and weight gradients).
    let flops = 3.0 * forward_flops(&t, batch, seq);
    let achieved = flops / (step_ms / 1000.0) / 1e9;
    let n = (flops / 2.0).cbrt().round() as i64;
    let a = Tensor::randn([n, n], (Kind::Float, Device::Cpu));
    let _ = a.matmul(&a);
    let reps = 10;
    let (secs, _) = timed(|| {
        for _ in 0..reps {
            let _ = a.matmul(&a);
        }
    });
    let peak = 2.0 * (n as f64).powi(3) * reps as f64 / secs / 1e9;
    println!(
        "step: {:.2} GFLOP in matrix products, {achieved:.1} GFLOP/s; dense {n}x{n} matmul of the \
         same FLOPs: {peak:.1} GFLOP/s; the step reaches {:.0}% of it (goal >= 50%)",
        flops / 1e9,
        100.0 * achieved / peak
    );
    let (eval_s, accs) = timed(|| t.evaluate());
    let rows: i64 = t.eval_sets().iter().map(|e| e.ids.size()[0]).sum();
    println!(
        "evaluation of every split ({rows} rows, {} splits): {:.1} ms",
        accs?.len(),
        1000.0 * eval_s
    );
    let (train_ids, train_targets) = t.train_tensors();
    let tel = Telemetry::new(&t.model, &t.data, &t.tokenizer, train_ids, train_targets)?;
    let (tel_s, values) = timed(|| tel.measure(&t.model));
    println!(
        "telemetry ({} columns): {:.1} ms per evaluation (= {:.1} steps)",
        values?.len(),
        1000.0 * tel_s,
        1000.0 * tel_s / step_ms
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
