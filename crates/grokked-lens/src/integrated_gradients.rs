//! Integrated gradients (Sundararajan et al. 2017) on the token embeddings (`hook_embed`, the
//! output of `wte` before position embeddings are added, as captum attributes over the
//! `inputs_embeds` of Hugging Face's GPT-2), with tch autograd: baselines (zeros, a token such
//! as the pad token, any tensor), Riemann (left, right, middle, trapezoid) and Gauss-Legendre
//! quadrature with captum's nodes and weights, internal batching, and the convergence delta
//! `sum(attributions) - (f(x) - f(baseline))`.
//!
//! ```
//! use grokked_lens::integrated_gradients::{integrate, IgOptions, Method};
//! use tch::{Kind, Tensor};
//! // f(x) = sum(w * x) is linear: IG is exactly (x - baseline) * w.
//! let w = Tensor::from_slice(&[1.0f32, -2.0, 3.0]).view([1, 3]);
//! let f = |inp: &Tensor| Ok((inp * &w).sum_dim_intlist(&[1i64][..], false, Kind::Float));
//! let x = Tensor::from_slice(&[0.5f32, 1.0, -1.0]).view([1, 3]);
//! let base = x.zeros_like();
//! let (attr, delta) = integrate(&f, &x, &base, &IgOptions { n_steps: 4, method: Method::GaussLegendre, internal_batch_size: 2 }).unwrap();
//! assert!((attr - &x * &w).abs().max().double_value(&[]) < 1e-6);
//! assert!(delta.abs() < 1e-5);
//! ```

use grokked_model::error::{GrokError, Result};
use grokked_model::{ForwardOpts, Gpt, Hook, HookSite};
use tch::{Kind, Tensor};

/// The quadrature rule over the path from the baseline (alpha 0) to the input (alpha 1), with
/// captum's nodes and weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// alpha = k/n, k = 0..n-1, weights 1/n.
    RiemannLeft,
    /// alpha = k/n, k = 1..n, weights 1/n.
    RiemannRight,
    /// alpha = (k + 1/2)/n, weights 1/n.
    RiemannMiddle,
    /// alpha = k/(n-1), k = 0..n-1, weights 1/n with the two end weights halved: captum's rule
    /// (its weights sum to (n-1)/n, not 1; kept so attributions equal captum's).
    RiemannTrapezoid,
    /// n-point Gauss-Legendre on [0, 1].
    GaussLegendre,
}

/// Every method with its captum name.
pub const METHODS: [(Method, &str); 5] = [
    (Method::GaussLegendre, "gausslegendre"),
    (Method::RiemannLeft, "riemann_left"),
    (Method::RiemannRight, "riemann_right"),
    (Method::RiemannMiddle, "riemann_middle"),
    (Method::RiemannTrapezoid, "riemann_trapezoid"),
];

impl Method {
    /// The captum name (`gausslegendre`, `riemann_left`, ...).
    pub fn name(self) -> &'static str {
        METHODS
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, n)| *n)
            .expect("every method is in METHODS")
    }

    /// Parses a captum name.
    pub fn parse(name: &str) -> Result<Self> {
        METHODS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(m, _)| *m)
            .ok_or_else(|| {
                let known: Vec<&str> = METHODS.iter().map(|(_, n)| *n).collect();
                GrokError::Invalid(format!(
                    "unknown integration method `{name}` (known: {})",
                    known.join(", ")
                ))
            })
    }
}

/// What IG integrates over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IgOptions {
    /// Number of points on the path.
    pub n_steps: usize,
    /// Quadrature rule.
    pub method: Method,
    /// Path points per forward/backward pass.
    pub internal_batch_size: usize,
}

impl Default for IgOptions {
    fn default() -> Self {
        IgOptions {
            n_steps: 64,
            method: Method::GaussLegendre,
            internal_batch_size: 64,
        }
    }
}

/// Nodes and weights of the n-point Gauss-Legendre rule on [0, 1].
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let k = k as f64;
                let p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 0 { 1.0 } else { p1 };
            let pn1 = if n == 1 { 1.0 } else { p0 };
            dp = n as f64 * (x * pn - pn1) / (x * x - 1.0);
            let dx = pn / dp;
            x -= dx;
            if dx.abs() < 1e-15 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push(((x + 1.0) / 2.0, w / 2.0));
    }
    out
}

/// Nodes (alphas) and weights of `method` with `n` points.
pub fn nodes(method: Method, n: usize) -> Vec<(f64, f64)> {
    let nf = n as f64;
    match method {
        Method::RiemannLeft => (0..n).map(|k| (k as f64 / nf, 1.0 / nf)).collect(),
        Method::RiemannRight => (1..=n).map(|k| (k as f64 / nf, 1.0 / nf)).collect(),
        Method::RiemannMiddle => (0..n).map(|k| ((k as f64 + 0.5) / nf, 1.0 / nf)).collect(),
        Method::RiemannTrapezoid if n < 2 => vec![(0.5, 1.0)],
        Method::RiemannTrapezoid => (0..n)
            .map(|k| {
                let w = if k == 0 || k == n - 1 { 0.5 } else { 1.0 } / nf;
                (k as f64 / (nf - 1.0), w)
            })
            .collect(),
        Method::GaussLegendre => gauss_legendre(n),
    }
}

/// The most integration steps [`integrate`] takes.
pub const MAX_STEPS: usize = 16_384;

/// IG of a batched scalar function `f: [m, ...] -> [m]` from `baseline` to `x` (both `[1, ...]`):
/// the attributions (shaped like `x`) and the convergence delta.
pub fn integrate(
    f: &dyn Fn(&Tensor) -> Result<Tensor>,
    x: &Tensor,
    baseline: &Tensor,
    opts: &IgOptions,
) -> Result<(Tensor, f64)> {
    if x.size() != baseline.size() {
        return Err(GrokError::Invalid(format!(
            "input {:?} and baseline {:?} differ in shape",
            x.size(),
            baseline.size()
        )));
    }
    if opts.n_steps == 0 || opts.internal_batch_size == 0 {
        return Err(GrokError::Invalid(
            "n_steps and internal_batch_size must be positive".into(),
        ));
    }
    if opts.n_steps > MAX_STEPS {
        return Err(GrokError::config(
            "n_steps",
            format!(
                "{} is above the limit {MAX_STEPS} (Gauss-Legendre nodes cost n^2 to compute; \
                 4,096 steps already close the completeness gap to about 0.01)",
                opts.n_steps
            ),
        ));
    }
    // The nodes, and one chunk's interpolated inputs with their gradients.
    let per_input = x.numel() as u128 * 4 * 3;
    let chunk = opts.internal_batch_size.min(opts.n_steps) as u128;
    grokked_data::limits::fits(
        "integrated gradients",
        "internal_batch_size",
        chunk * per_input,
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))?;
    let (x, baseline) = (
        x.detach().to_kind(Kind::Float),
        baseline.detach().to_kind(Kind::Float),
    );
    let diff = &x - &baseline;
    let mut total = x.zeros_like();
    for chunk in nodes(opts.method, opts.n_steps).chunks(opts.internal_batch_size) {
        let alphas: Vec<f32> = chunk.iter().map(|(a, _)| *a as f32).collect();
        let weights: Vec<f32> = chunk.iter().map(|(_, w)| *w as f32).collect();
        let mut shape = vec![alphas.len() as i64];
        shape.extend(std::iter::repeat_n(1, x.dim() - 1));
        let a = Tensor::from_slice(&alphas)
            .to_device(x.device())
            .view(shape.as_slice());
        let w = Tensor::from_slice(&weights)
            .to_device(x.device())
            .view(shape.as_slice());
        let inp = (&baseline + &a * &diff).detach().set_requires_grad(true);
        let out = f(&inp)?;
        let grads = Tensor::run_backward(&[out.sum(Kind::Float)], &[&inp], false, false);
        total += (&grads[0] * w).sum_dim_intlist(0, true, Kind::Float);
    }
    let attr = &diff * total;
    let fx = tch::no_grad(|| f(&x))?.double_value(&[0]);
    let fb = tch::no_grad(|| f(&baseline))?.double_value(&[0]);
    let delta = attr.sum(Kind::Double).double_value(&[]) - (fx - fb);
    Ok((attr, delta))
}

/// The baseline of the token embeddings.
#[derive(Debug)]
pub enum Baseline {
    /// All zeros.
    Zeros,
    /// This token's embedding at every position (e.g. the pad token, or `<mask>`).
    Token(i64),
    /// A given `[1, seq, n_embd]` tensor.
    Tensor(Tensor),
}

/// What is attributed: the logit or the probability of `token` at `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IgTarget {
    /// Output position.
    pub position: i64,
    /// Output token.
    pub token: i64,
    /// Attribute the softmax probability instead of the logit.
    pub prob: bool,
}

/// IG of one sequence's target on the token embeddings.
#[derive(Debug)]
pub struct IgResult {
    /// Attributions `[seq, n_embd]`.
    pub attributions: Tensor,
    /// Per-token attributions (summed over the embedding), one per position.
    pub per_token: Vec<f64>,
    /// `sum(attributions) - (f(x) - f(baseline))`.
    pub delta: f64,
}

/// Replaces the token embeddings with a given tensor.
struct EmbedReplace<'a>(&'a Tensor);

impl Hook for EmbedReplace<'_> {
    fn wants(&self, site: HookSite) -> bool {
        site == HookSite::Embed
    }
    fn call(&mut self, _site: HookSite, _t: Tensor) -> Result<Tensor> {
        Ok(self.0.shallow_clone())
    }
}

/// The token embeddings of `ids` `[1, seq]`.
fn embed_of(gpt: &Gpt, ids: &Tensor) -> Result<Tensor> {
    let (_, mut cache) = crate::cache::run_with_cache(gpt, ids, |s| s == HookSite::Embed)?;
    Ok(cache.remove(&HookSite::Embed).expect("embed cached"))
}

/// Integrated gradients of `target` for the sequence `ids` (`[1, seq]`).
pub fn integrated_gradients(
    gpt: &Gpt,
    ids: &Tensor,
    target: IgTarget,
    baseline: Baseline,
    opts: &IgOptions,
) -> Result<IgResult> {
    if ids.size().first() != Some(&1) {
        return Err(GrokError::Invalid(format!(
            "integrated gradients take one sequence [1, seq], got {:?}",
            ids.size()
        )));
    }
    let x = embed_of(gpt, ids)?;
    let base = match baseline {
        Baseline::Zeros => x.zeros_like(),
        Baseline::Token(t) => embed_of(gpt, &ids.full_like(t))?,
        Baseline::Tensor(t) => t,
    };
    let f = |inp: &Tensor| -> Result<Tensor> {
        let m = inp.size()[0];
        let batch_ids = ids.expand([m, ids.size()[1]], false);
        let mut hook = EmbedReplace(inp);
        let logits = gpt.forward_with(&batch_ids, ForwardOpts::with_hook(&mut hook))?;
        let at = logits.select(1, target.position);
        let out = if target.prob {
            at.softmax(-1, Kind::Float)
        } else {
            at
        };
        Ok(out.select(1, target.token))
    };
    let (attr, delta) = integrate(&f, &x, &base, opts)?;
    let attributions = attr.squeeze_dim(0);
    let per_token = Vec::<f64>::try_from(attributions.sum_dim_intlist(-1, false, Kind::Double))?;
    Ok(IgResult {
        attributions,
        per_token,
        delta,
    })
}
