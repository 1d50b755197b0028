//! The trainer end to end on tiny configs: learning, exact resume, checkpoint safety, the
//! optimizer's groups and update rule, Grokfast, and exact-match evaluation.

use grokked::data::tokens::encode::encode;
use grokked::data::tokens::tokenizer::TaskTokenizer;
use grokked::prelude::*;
use grokked::train::eval::{exact_match, tensors_of};
use grokked::train::grad_filters::GrokfastFilter;
use grokked::train::observer::Silent;
use grokked::train::optim::Optimizer;
use grokked::train::OptimConfig;
use grokked::train::{GrokfastConfig, MetricsLog, ResumeOptions, RunDir};
use grokked::viz::chart_observer::GrokkingChart;

mod tiny_run;
use tiny_run::tiny_run_config as tiny;

#[test]
fn loss_falls_and_training_facts_are_learned() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Trainer::new(tiny(400, 0.0), dir.path()).unwrap();
    let first = t.train_step().unwrap();
    let chart = GrokkingChart::for_run(&t.run);
    t.run(&mut (Silent, chart)).unwrap();
    let log = MetricsLog::load(&dir.path().join("metrics.parquet")).unwrap();
    let last = log.rows.last().unwrap();
    assert!(
        last.train_loss < first / 10.0,
        "loss {first} -> {}",
        last.train_loss
    );
    let (train_inferred, id_atomic) = (
        log.series(Split::TrainInferred),
        log.series(Split::IdAtomic),
    );
    assert_eq!(train_inferred.last().unwrap().1, 1.0, "{train_inferred:?}");
    assert_eq!(id_atomic.last().unwrap().1, 1.0, "{id_atomic:?}");
    assert!(dir.path().join("plots/grokking.png").is_file());
}

#[test]
fn a_run_shipped_without_its_data_generates_the_same_task_and_scores_the_same() {
    let (_dir, run) = tiny_run::trained_tiny_run(20);
    let with = run.load().unwrap();
    std::fs::remove_dir_all(run.data_dir()).unwrap();
    let without = run.load().unwrap();
    assert_eq!(without.data.examples, with.data.examples);
    assert_eq!(without.data.vocab, with.data.vocab);
    let (model, _) = run.load_model(None, Device::Cpu).unwrap();
    let score = |d: &TaskData| {
        let tok = TaskTokenizer::new(&d.vocab).unwrap();
        let (ids, targets) = tensors_of(
            &encode(&tok, d.split(Split::TrainInferred)).unwrap(),
            Device::Cpu,
        );
        exact_match(&model.gpt, &ids, &targets, 64).unwrap()
    };
    assert_eq!(score(&without.data), score(&with.data));
}

#[test]
fn corrupt_checkpoints_are_named_skipped_and_interrupted_writes_removed() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunDir::new(dir.path());
    Trainer::new(tiny(40, 0.0), dir.path())
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    // A crash while writing step 60 leaves only a temporary folder behind: ignored, then removed.
    let partial = dir.path().join("checkpoints/.step-60.tmp-999");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("model.safetensors"), b"half").unwrap();
    assert_eq!(run.latest_checkpoint().unwrap().unwrap().0, 40);
    let t = Trainer::resume(dir.path()).unwrap();
    assert_eq!(t.step, 40);
    assert!(!partial.exists(), "the stale temporary folder is removed");
    assert!(
        t.notes.iter().any(|n| n.contains(".step-60.tmp-999")),
        "{:?}",
        t.notes
    );
    drop(t);

    // A truncated latest checkpoint: an explicit resume from it names the file; a plain resume
    // moves it aside, says so, and continues from the next older one.
    let weights = run.checkpoint_dir(40).join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 3]).unwrap();
    let explicit = ResumeOptions {
        checkpoint: Some(40),
        ..Default::default()
    };
    let err = Trainer::resume_with(dir.path(), &explicit)
        .unwrap_err()
        .to_string();
    assert!(err.contains("step-40/model.safetensors"), "{err}");
    let t = Trainer::resume(dir.path()).unwrap();
    assert_eq!(t.step, 20);
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("step 40") && n.contains("corrupt-step-40")),
        "{:?}",
        t.notes
    );
    assert!(run.checkpoints_dir().join("corrupt-step-40").is_dir());
    drop(t);

    // The only checkpoint left is broken: the error names its file.
    std::fs::remove_dir_all(run.checkpoint_dir(0)).unwrap();
    std::fs::remove_file(run.checkpoint_dir(20).join("optimizer.safetensors")).unwrap();
    let err = Trainer::resume(dir.path()).unwrap_err().to_string();
    assert!(err.contains("step-20/optimizer.safetensors"), "{err}");
}

#[test]
fn non_finite_loss_stops_the_run_and_keeps_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Trainer::new(tiny(100, 0.0), dir.path()).unwrap();
    for _ in 0..20 {
        t.train_step().unwrap();
    }
    t.checkpoint().unwrap();
    tch::no_grad(|| {
        let _ = t.model.gpt.wte.ws.fill_(f64::NAN);
    });
    let err = t.run(&mut Silent).unwrap_err().to_string();
    assert!(
        err.contains("loss is NaN") && err.contains("step 21"),
        "{err}"
    );
    drop(t);
    assert_eq!(
        RunDir::new(dir.path())
            .latest_checkpoint()
            .unwrap()
            .unwrap()
            .0,
        20
    );
    assert_eq!(Trainer::resume(dir.path()).unwrap().step, 20);
}

#[test]
fn decay_groups_hold_exactly_the_weights() {
    let model = GptModel::new(
        GptConfig::new(GptSize {
            vocab_size: 10,
            n_positions: 8,
            n_layer: 2,
            n_embd: 8,
            n_head: 2,
        }),
        Device::Cpu,
    )
    .unwrap();
    let opt = Optimizer::new(&model.vs, OptimConfig::default()).unwrap();
    let mut expect_decay = vec![
        "transformer.wpe.weight".to_string(),
        "transformer.wte.weight".to_string(),
    ];
    let mut expect_plain = vec![
        "transformer.ln_f.bias".to_string(),
        "transformer.ln_f.weight".to_string(),
    ];
    for l in 0..2 {
        for m in ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"] {
            expect_decay.push(format!("transformer.h.{l}.{m}.weight"));
            expect_plain.push(format!("transformer.h.{l}.{m}.bias"));
        }
        for ln in ["ln_1", "ln_2"] {
            expect_plain.push(format!("transformer.h.{l}.{ln}.weight"));
            expect_plain.push(format!("transformer.h.{l}.{ln}.bias"));
        }
    }
    expect_decay.sort();
    expect_plain.sort();
    assert_eq!(opt.group_names(true), expect_decay);
    assert_eq!(opt.group_names(false), expect_plain);
}

#[test]
fn first_adamw_step_matches_the_closed_form() {
    // After one step m_hat = g and v_hat = g^2, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps).
    let model = GptModel::new(
        GptConfig::new(GptSize {
            vocab_size: 10,
            n_positions: 8,
            n_layer: 1,
            n_embd: 8,
            n_head: 2,
        }),
        Device::Cpu,
    )
    .unwrap();
    let (lr, wd, eps) = (0.01, 0.5, 1e-8);
    let mut opt = Optimizer::new(
        &model.vs,
        OptimConfig {
            weight_decay: wd,
            eps,
            ..Default::default()
        },
    )
    .unwrap();
    let vars = model.vs.variables();
    let before: Vec<(String, Tensor)> = vars
        .iter()
        .map(|(n, t)| (n.clone(), t.detach().copy()))
        .collect();
    let ids = Tensor::from_slice(&[1i64, 2, 3, 4]).view([1, 4]);
    let loss = model
        .gpt
        .forward(&ids, false)
        .unwrap()
        .square()
        .mean(Kind::Float);
    loss.backward();
    let grads: std::collections::HashMap<String, Tensor> = vars
        .iter()
        .map(|(n, t)| (n.clone(), t.grad().copy()))
        .collect();
    let _grad_norm = opt.step(lr).unwrap();
    for (name, p0) in before {
        let g = &grads[&name];
        let decay = if grokked::train::optim::decays(&name) {
            wd
        } else {
            0.0
        };
        let expect = &p0 * (1.0 - lr * decay) - g / (g.abs() + eps) * lr;
        let diff = (&vars[&name] - expect).abs().max().double_value(&[]);
        assert!(diff < 1e-6, "{name}: {diff}");
    }
}

#[test]
fn grokfast_filter_matches_its_formula() {
    let cfg = GrokfastConfig {
        alpha: 0.9,
        lambda: 2.0,
        window: None,
    };
    let mut f = GrokfastFilter::new(cfg);
    let seq = [1.0f64, -2.0, 0.5, 3.0];
    let mut ema = seq[0];
    for (i, &g) in seq.iter().enumerate() {
        if i > 0 {
            ema = 0.9 * ema + 0.1 * g;
        }
        let out = f.apply(&Tensor::from(g)).double_value(&[]);
        assert!((out - (g + 2.0 * ema)).abs() < 1e-12, "step {i}: {out}");
    }
}

#[test]
fn exact_match_equals_greedy_generation_on_hand_made_cases() {
    let data = TaskSpec::paper("composition")
        .unwrap()
        .with_overrides(&[
            ("entities", "12".into()),
            ("relations", "3".into()),
            ("out_degree", "2".into()),
            ("phi", "1.5".into()),
        ])
        .unwrap()
        .generate()
        .unwrap();
    let tok = TaskTokenizer::new(&data.vocab).unwrap();
    let enc = encode(&tok, data.split(Split::Train)).unwrap();
    let model = with_seed(3, || {
        GptModel::new(
            GptConfig::new(GptSize {
                vocab_size: tok.vocab_size() as i64,
                n_positions: 8,
                n_layer: 1,
                n_embd: 16,
                n_head: 2,
            }),
            Device::Cpu,
        )
    })
    .unwrap();
    let (ids, targets) = tensors_of(&enc, Device::Cpu);
    // Greedy generation of each row, compared with its answer.
    let mut hits = 0;
    for i in 0..enc.rows {
        let prompt = enc.input(i).to_vec();
        let out = generate(
            &model.gpt,
            std::slice::from_ref(&prompt),
            &GenerateOpts::greedy(enc.len[i]),
        )
        .unwrap();
        hits += usize::from(out[0][prompt.len()..] == *enc.answer(i));
    }
    let acc = exact_match(&model.gpt, &ids, &targets, 7).unwrap();
    assert_eq!(acc, hits as f64 / enc.rows as f64);
    // Rows whose targets the model predicts by construction: a target equal to the argmax.
    let logits = tch::no_grad(|| model.gpt.forward(&ids, false)).unwrap();
    let argmax = logits.argmax(-1, false).narrow(1, 0, ids.size()[1] - 1);
    let forced = argmax.where_self(&targets.ne(-100), &targets);
    assert_eq!(exact_match(&model.gpt, &ids, &forced, 5).unwrap(), 1.0);
}
