//! Hooks, cache, logit lens, patching, causal tracing and integrated gradients against known
//! answers.

use grokked::lens::cache::{run_with_cache, run_with_hooks, HookFn};
use grokked::lens::integrated_gradients::{
    integrate, integrated_gradients, Baseline, IgOptions, IgTarget, Method,
};
use grokked::lens::logit_lens::{token_ranks, LensQuery};
use grokked::lens::patching::{causal_trace, patched_logits};
use grokked::prelude::*;

fn model() -> GptModel {
    with_seed(17, || {
        GptModel::new(
            GptConfig::new(GptSize {
                vocab_size: 50,
                n_positions: 16,
                n_layer: 3,
                n_embd: 32,
                n_head: 4,
            })
            .with_dropout(0.0),
            Device::Cpu,
        )
    })
    .unwrap()
}

fn ids(v: &[i64]) -> Tensor {
    Tensor::from_slice(v).view([1, v.len() as i64])
}

#[test]
fn identity_hooks_leave_logits_bit_identical_and_guards_remove_hooks() {
    let m = model();
    let x = ids(&[3, 9, 27, 4]);
    let clean = m.gpt.forward(&x, false).unwrap();
    let hooks: Vec<(HookSite, HookFn)> = m
        .gpt
        .sites()
        .into_iter()
        .map(|s| (s, Box::new(|_, t| Ok(t)) as HookFn))
        .collect();
    assert!(hooks.len() > 30);
    assert!(run_with_hooks(&m.gpt, &x, hooks).unwrap().equal(&clean));
    // The per-head results sum (with the bias) to the attention output.
    let (_, cache) = run_with_cache(&m.gpt, &x, |s| {
        matches!(s, HookSite::Result(1) | HookSite::AttnOut(1))
    })
    .unwrap();
    let bias = m.vs.variables()["transformer.h.1.attn.c_proj.bias"].shallow_clone();
    let summed = cache[&HookSite::Result(1)].sum_dim_intlist(2, false, Kind::Float) + bias;
    assert!(
        (summed - &cache[&HookSite::AttnOut(1)])
            .abs()
            .max()
            .double_value(&[])
            < 1e-5
    );
    {
        let _guard = m
            .gpt
            .add_hook(HookSite::MlpOut(1), Box::new(|_, t| Ok(t.zeros_like())));
        assert!(!m.gpt.forward(&x, false).unwrap().equal(&clean));
        let failing = m.gpt.add_hook(
            HookSite::Embed,
            Box::new(|_, _| Err(GrokError::Invalid("hook failed".into()))),
        );
        assert!(m
            .gpt
            .forward(&x, false)
            .unwrap_err()
            .to_string()
            .contains("hook failed"));
        drop(failing);
        assert_eq!(m.gpt.registry.len(), 1);
    }
    assert!(m.gpt.registry.is_empty());
    assert!(m.gpt.forward(&x, false).unwrap().equal(&clean));
}

#[test]
fn last_resid_post_through_the_unembedding_is_the_logits() {
    let m = model();
    let x = ids(&[1, 2, 3, 4, 5]);
    let (logits, cache) = run_with_cache(&m.gpt, &x, |s| s == HookSite::ResidPost(2)).unwrap();
    assert_eq!(cache.len(), 1);
    assert!(m
        .gpt
        .unembed(&cache[&HookSite::ResidPost(2)])
        .equal(&logits));
}

#[test]
fn patching_with_own_activations_changes_nothing_and_full_layer0_patch_reproduces_the_source() {
    let m = model();
    let (base, source) = (ids(&[1, 2, 3, 4]), ids(&[7, 8, 9, 10]));
    let base_logits = m.gpt.forward(&base, false).unwrap();
    let (_, base_cache) = run_with_cache(&m.gpt, &base, |_| true).unwrap();
    assert_eq!(base_cache.len(), m.gpt.sites().len());
    for (site, act) in &base_cache {
        let patched = patched_logits(&m.gpt, &base, *site, None, act).unwrap();
        assert!(patched.equal(&base_logits), "{site}");
    }
    let (source_logits, source_cache) =
        run_with_cache(&m.gpt, &source, |s| s == HookSite::Embed).unwrap();
    let patched = patched_logits(
        &m.gpt,
        &base,
        HookSite::Embed,
        None,
        &source_cache[&HookSite::Embed],
    )
    .unwrap();
    assert!(patched.equal(&source_logits));
}

/// A model whose blocks add nothing (zero projections) and whose token embeddings are one-hot:
/// the residual stream is the token's own embedding at every layer.
fn hand_built() -> GptModel {
    let cfg = GptConfig::new(GptSize {
        vocab_size: 8,
        n_positions: 4,
        n_layer: 2,
        n_embd: 16,
        n_head: 2,
    })
    .with_dropout(0.0);
    let m = GptModel::new(cfg, Device::Cpu).unwrap();
    tch::no_grad(|| {
        for (name, mut t) in m.vs.variables() {
            if name.ends_with("c_proj.weight")
                || name.ends_with("c_proj.bias")
                || name.ends_with("wpe.weight")
            {
                let _ = t.zero_();
            }
            if name.ends_with("wte.weight") {
                let _ = t.zero_();
                for i in 0..8 {
                    let _ = t.get(i).get(i).fill_(4.0);
                }
            }
        }
    });
    m
}

#[test]
fn logit_lens_and_causal_tracing_on_a_hand_built_model() {
    let m = hand_built();
    let x = ids(&[2, 5, 3]);
    let queries: Vec<LensQuery> = (0..3)
        .map(|p| LensQuery {
            example: 0,
            position: p,
            token: [2, 5, 3][p],
        })
        .collect();
    let df = token_ranks(&m.gpt, &x, &queries).unwrap();
    let ranks: Vec<f64> = df
        .column("rank")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(
        ranks,
        vec![1.0; 9],
        "each position decodes its own token at every layer"
    );
    let other = token_ranks(
        &m.gpt,
        &x,
        &[LensQuery {
            example: 0,
            position: 0,
            token: 5,
        }],
    )
    .unwrap();
    assert!(other
        .column("rank")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .all(|r| r.unwrap() > 1.0));

    // The prediction at the last position depends on the last token alone: patching position 2
    // from a run with another last token flips the answer at every layer; position 0 never does.
    let corrupt = ids(&[2, 5, 6]);
    let trace = causal_trace(&m.gpt, &x, &corrupt, 2, None).unwrap();
    let pos: Vec<i64> = trace
        .column("position")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let val: Vec<f64> = trace
        .column("metric")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    for (p, v) in pos.iter().zip(&val) {
        assert_eq!(*v, if *p == 2 { 1.0 } else { 0.0 }, "position {p}");
    }
}

#[test]
fn ig_completeness_gap_shrinks_with_more_steps() {
    let m = model();
    let x = ids(&[4, 8, 15, 16]);
    let target = IgTarget {
        position: 3,
        token: 23,
        prob: false,
    };
    let gap = |n: usize| {
        let opts = IgOptions {
            n_steps: n,
            method: Method::RiemannMiddle,
            internal_batch_size: 32,
        };
        integrated_gradients(&m.gpt, &x, target, Baseline::Zeros, &opts)
            .unwrap()
            .delta
            .abs()
    };
    let (g8, g64, g512) = (gap(8), gap(64), gap(512));
    assert!(g512 < g64 && g64 < g8, "{g8} {g64} {g512}");
    assert!(g512 < 0.01, "completeness within 0.01 at 512 steps: {g512}");
    let res = integrated_gradients(
        &m.gpt,
        &x,
        target,
        Baseline::Token(0),
        &IgOptions::default(),
    )
    .unwrap();
    assert_eq!(res.per_token.len(), 4);
    assert!(res.delta.abs() < 0.05, "{}", res.delta);
}

#[test]
fn gauss_legendre_beats_riemann_and_linear_ig_is_exact() {
    // f(x) = sum(exp(x)): smooth, IG from 0 sums to f(x) - f(0) exactly in the limit.
    let f = |inp: &Tensor| Ok(inp.exp().sum_dim_intlist(&[1i64][..], false, Kind::Float));
    let x = Tensor::from_slice(&[1.0f32, -0.5, 2.0]).view([1, 3]);
    let base = x.zeros_like();
    let delta = |method| {
        integrate(
            &f,
            &x,
            &base,
            &IgOptions {
                n_steps: 6,
                method,
                internal_batch_size: 4,
            },
        )
        .unwrap()
        .1
        .abs()
    };
    let gl = delta(Method::GaussLegendre);
    for method in [
        Method::RiemannLeft,
        Method::RiemannRight,
        Method::RiemannMiddle,
        Method::RiemannTrapezoid,
    ] {
        assert!(
            gl < delta(method),
            "{method:?}: {} vs GL {gl}",
            delta(method)
        );
    }
    assert!(gl < 1e-5, "{gl}");

    let w = Tensor::from_slice(&[0.3f32, -1.5, 2.0]).view([1, 3]);
    let lin = |inp: &Tensor| Ok((inp * &w).sum_dim_intlist(&[1i64][..], false, Kind::Float));
    let b = Tensor::from_slice(&[0.1f32, 0.2, 0.3]).view([1, 3]);
    for method in [Method::RiemannLeft, Method::GaussLegendre] {
        let (attr, _) = integrate(
            &lin,
            &x,
            &b,
            &IgOptions {
                n_steps: 3,
                method,
                internal_batch_size: 2,
            },
        )
        .unwrap();
        assert!((attr - (&x - &b) * &w).abs().max().double_value(&[]) < 1e-6);
    }
}

#[test]
fn analysis_report_writes_tables_and_plots_for_a_run() {
    use grokked::experiments::report::{
        analyze_checkpoint, lens_across_checkpoints, AnalyzeOptions,
    };
    use grokked::train::observer::Silent;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = RunConfig::from_toml_str(
        "name = \"t\"\n[data]\ntask = \"composition\"\nentities = 20\nrelations = 4\nout_degree = 2\nphi = 1.5\n\
         [model]\nn_layer = 2\nn_embd = 16\nn_head = 2\n[train]\nlr = 3e-3\nbatch_size = 32\nwarmup_steps = 0\nmax_steps = 20\ndevice = \"cpu\"\n\
         eval = { dense_every = 10, dense_until = 20, sparse_every = 10 }\ncheckpoint = { dense_every = 10, dense_until = 20, sparse_every = 10 }",
    )
    .unwrap();
    cfg.set("dropout=0.0").unwrap();
    Trainer::new(cfg, dir.path())
        .unwrap()
        .run(&mut Silent)
        .unwrap();
    let opts = AnalyzeOptions {
        examples: 12,
        ..Default::default()
    };
    let report = analyze_checkpoint(dir.path(), None, &opts).unwrap();
    assert_eq!(report.step, 20);
    assert_eq!(report.lens.unwrap().height(), 3 * 2);
    assert!(report.ig.unwrap().delta.abs() < 0.05);
    for f in [
        "logit_lens.parquet",
        "logit_lens.png",
        "causal_trace.svg",
        "attention.png",
        "integrated_gradients.png",
    ] {
        assert!(report.dir.join(f).is_file(), "{f}");
    }
    let across = lens_across_checkpoints(dir.path(), &opts).unwrap();
    assert_eq!(across.height(), 3 * 3 * 2);
    let err = analyze_checkpoint(dir.path(), Some(15), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("step 15") && err.contains("0, 10, 20"),
        "{err}"
    );
}

#[test]
fn charts_render_inline_svg_for_notebooks() {
    use grokked::viz::charts::{line_chart_svg, LineSpec};
    use grokked::viz::heatmap::{heatmap_svg, Heatmap};
    let spec = LineSpec {
        title: "t".into(),
        x_desc: "step".into(),
        y_desc: "acc".into(),
        log_x: true,
        y_range: (0.0, 1.0),
    };
    let svg = line_chart_svg(
        &spec,
        &vec![("test_inferred_id".into(), vec![(1.0, 0.1), (100.0, 0.9)])],
    )
    .unwrap();
    assert!(svg.0.starts_with("<svg") && svg.0.contains("test_inferred_id"));
    let h = Heatmap {
        title: "lens".into(),
        rows: vec!["layer 0".into()],
        cols: vec!["b@r1".into()],
        values: vec![vec![0.25]],
        range: (0.0, 1.0),
    };
    assert!(heatmap_svg(&h).unwrap().0.contains("0.25"));
}
