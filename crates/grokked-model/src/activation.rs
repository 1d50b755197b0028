//! The activation functions that Hugging Face configs name in `activation_function`.
//!
//! ```
//! use grokked_model::Activation;
//! let x = tch::Tensor::from_slice(&[-1.0f32, 2.0]);
//! assert_eq!(Activation::parse("relu").unwrap().apply(&x), tch::Tensor::from_slice(&[0.0f32, 2.0]));
//! assert!(Activation::parse("tanhh").unwrap_err().to_string().contains("activation_function"));
//! ```

use crate::error::{GrokError, Result};

/// The activation functions that GPT-2 style configs name in `activation_function`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`): GPT-2's.
    GeluTanh,
    /// Exact GELU (`gelu`).
    Gelu,
    /// `relu`.
    Relu,
    /// `silu` / `swish`.
    Silu,
}

impl Activation {
    /// Parses a Hugging Face activation name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Ok(Activation::GeluTanh),
            "gelu" => Ok(Activation::Gelu),
            "relu" => Ok(Activation::Relu),
            "silu" | "swish" => Ok(Activation::Silu),
            other => Err(GrokError::config(
                "activation_function",
                format!(
                    "unknown activation `{other}` (known: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu, silu, swish)"
                ),
            )),
        }
    }

    /// Applies the activation.
    pub fn apply(self, x: &tch::Tensor) -> tch::Tensor {
        match self {
            Activation::GeluTanh => x.gelu("tanh"),
            Activation::Gelu => x.gelu("none"),
            Activation::Relu => x.relu(),
            Activation::Silu => x.silu(),
        }
    }
}
