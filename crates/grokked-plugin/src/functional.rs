//! Functional building blocks for plugin authors, over parameters passed in by the host:
//! LayerNorm, GPT-2's linear map, causal self-attention and a whole pre-LayerNorm GPT-2 block,
//! plus the [`ParamSpec`]s of such a block under Hugging Face's names.
//!
//! ```
//! use grokked_plugin::functional::{block_params, gpt2_block};
//! use grokked_plugin::tch::{Kind, Tensor, Device};
//! let specs = block_params("h.0", 8, 1.0);
//! assert_eq!(specs.len(), 12);
//! let params: Vec<Tensor> = specs.iter().map(|s| Tensor::randn(s.shape.as_slice(), (Kind::Float, Device::Cpu)) * 0.1).collect();
//! let x = Tensor::randn([2, 3, 8], (Kind::Float, Device::Cpu));
//! let y = gpt2_block(&x, &params, 2, 1e-5, None);
//! assert_eq!(y.size(), [2, 3, 8]);
//! ```

use crate::sdk::{Init, ParamSpec};
use tch::{Kind, Tensor};

/// The 12 parameters of a GPT-2 block of width `d` named `{prefix}.ln_1.weight`, ... in the order
/// [`gpt2_block`] takes them: ln_1 (w, b), c_attn (w, b), c_proj (w, b), ln_2 (w, b), c_fc (w, b),
/// mlp c_proj (w, b). `std` scales GPT-2's normal(0, 0.02) init.
pub fn block_params(prefix: &str, d: i64, std: f64) -> Vec<ParamSpec> {
    let n = |s: &str| format!("{prefix}.{s}");
    let w = Init::Normal { std: 0.02 * std };
    vec![
        ParamSpec {
            name: n("ln_1.weight"),
            shape: vec![d],
            init: Init::Ones,
        },
        ParamSpec {
            name: n("ln_1.bias"),
            shape: vec![d],
            init: Init::Zeros,
        },
        ParamSpec {
            name: n("attn.c_attn.weight"),
            shape: vec![d, 3 * d],
            init: w,
        },
        ParamSpec {
            name: n("attn.c_attn.bias"),
            shape: vec![3 * d],
            init: Init::Zeros,
        },
        ParamSpec {
            name: n("attn.c_proj.weight"),
            shape: vec![d, d],
            init: w,
        },
        ParamSpec {
            name: n("attn.c_proj.bias"),
            shape: vec![d],
            init: Init::Zeros,
        },
        ParamSpec {
            name: n("ln_2.weight"),
            shape: vec![d],
            init: Init::Ones,
        },
        ParamSpec {
            name: n("ln_2.bias"),
            shape: vec![d],
            init: Init::Zeros,
        },
        ParamSpec {
            name: n("mlp.c_fc.weight"),
            shape: vec![d, 4 * d],
            init: w,
        },
        ParamSpec {
            name: n("mlp.c_fc.bias"),
            shape: vec![4 * d],
            init: Init::Zeros,
        },
        ParamSpec {
            name: n("mlp.c_proj.weight"),
            shape: vec![4 * d, d],
            init: w,
        },
        ParamSpec {
            name: n("mlp.c_proj.bias"),
            shape: vec![d],
            init: Init::Zeros,
        },
    ]
}

/// LayerNorm over the last dimension.
pub fn layer_norm(x: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Tensor {
    let d = *x.size().last().expect("non-scalar input");
    x.layer_norm([d], Some(weight), Some(bias), eps, false)
}

/// `x @ weight + bias` with `weight: [in, out]`.
pub fn linear(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Tensor {
    x.matmul(weight) + bias
}

/// Causal self-attention with GPT-2's fused projection; `key_mask: [batch, seq]` masks padding.
pub fn causal_attention(
    x: &Tensor,
    c_attn: (&Tensor, &Tensor),
    c_proj: (&Tensor, &Tensor),
    n_head: i64,
    key_mask: Option<&Tensor>,
) -> Tensor {
    let (b, s, d) = x.size3().expect("[batch, seq, n_embd]");
    let heads = |t: &Tensor| t.view([b, s, n_head, d / n_head]).transpose(1, 2);
    let qkv = linear(x, c_attn.0, c_attn.1).split(d, -1);
    let (q, k, v) = (heads(&qkv[0]), heads(&qkv[1]), heads(&qkv[2]));
    let y = match key_mask {
        None => {
            Tensor::scaled_dot_product_attention::<Tensor>(&q, &k, &v, None, 0.0, true, None, false)
        }
        Some(m) => {
            let causal = Tensor::ones([s, s], (Kind::Bool, x.device())).tril(0);
            let allowed = causal
                .unsqueeze(0)
                .unsqueeze(0)
                .logical_and(&m.to_kind(Kind::Bool).view([b, 1, 1, s]));
            let allowed =
                allowed.logical_or(&Tensor::eye(s, (Kind::Bool, x.device())).view([1, 1, s, s]));
            Tensor::scaled_dot_product_attention(
                &q,
                &k,
                &v,
                Some(&allowed),
                0.0,
                false,
                None,
                false,
            )
        }
    };
    linear(
        &y.transpose(1, 2).contiguous().view([b, s, d]),
        c_proj.0,
        c_proj.1,
    )
}

/// A pre-LayerNorm GPT-2 block (GELU tanh MLP) with the 12 parameters of [`block_params`].
pub fn gpt2_block(
    x: &Tensor,
    p: &[Tensor],
    n_head: i64,
    eps: f64,
    key_mask: Option<&Tensor>,
) -> Tensor {
    let a = causal_attention(
        &layer_norm(x, &p[0], &p[1], eps),
        (&p[2], &p[3]),
        (&p[4], &p[5]),
        n_head,
        key_mask,
    );
    let mid = x + a;
    let h = linear(&layer_norm(&mid, &p[6], &p[7], eps), &p[8], &p[9]).gelu("tanh");
    &mid + linear(&h, &p[10], &p[11])
}
