//! The safe side for plugin authors: implement [`ReasoningModule`] on a plain struct and export it
//! with [`export_reasoning_module!`](crate::export_reasoning_module); nothing unsafe to write.
//!
//! # Depending on the SDK from outside this workspace
//! `grokked plugin new NAME` writes a ready crate. By hand, a plugin crate is a `cdylib` that
//! depends on `grokked-plugin` (by path to a grokked checkout) and on `torch-sys` (whose build
//! script finds libtorch), with a build script that gives the library a runtime path to libtorch
//! (without it `cargo test` fails to find `libtorch_cpu.so`). Build it with the same
//! `LIBTORCH_USE_PYTORCH=1` venv and the same rustc as the host: the host refuses a library built
//! against another ABI, SDK, libtorch or rustc, and says which.
//!
//! # The contract
//! - **Options** are the module's own serde struct ([`ReasoningModule::Options`]). The host passes
//!   the config's `[model.plugin] options` table; keys it omits take the struct's `Default`, and a
//!   key the struct does not have is an error naming it and listing the known ones. Every field
//!   must serialise (no `skip_serializing`): the serialised default is the list of known keys, and
//!   `grokked plugin inspect` prints it.
//! - **Parameters** are declared with [`ParamSpec`]s and owned by the host: its optimizer trains
//!   them and its checkpoints save them (under `plugin.NAME`). `forward` receives them in
//!   declaration order as the model's own leaf tensors: on the model's device and dtype (the same
//!   as `hidden`'s), requiring grad while training, inside `no_grad` at evaluation. Never replace or
//!   detach them; compute with them.
//! - **`&self` is immutable configuration.** The host may call `forward` for training and
//!   evaluation on the same instance, and nothing but the parameters is saved: state that must
//!   survive (a learned gate, a memory) is a parameter, not a field.
//! - **The [`Context`]** gives the number of blocks before the module (`layer_index`), whether the
//!   model is training (apply dropout only then, with [`ModelDims::dropout`]), the key padding mask,
//!   and [`Context::site`], which offers an activation at one of the module's declared hook sites
//!   ([`ReasoningModule::sites`]) to the host's hooks: the logit lens, caches and patching then
//!   read `plugin.SITE` like any other site.
//! - Every entry point catches panics and returns them, and errors, to the host as messages.
//!
//! ```
//! use grokked_plugin::sdk::{Context, Init, ParamSpec, ReasoningModule, SiteSpec};
//! use grokked_plugin::abi::ModelDims;
//! use grokked_plugin::serde::{Deserialize, Serialize};
//! use grokked_plugin::tch::Tensor;
//! /// Adds a learned bias to the residual stream, `times` times.
//! struct Shift { d: i64, times: u32 }
//! #[derive(Serialize, Deserialize)]
//! #[serde(crate = "grokked_plugin::serde")]
//! struct ShiftOptions { times: u32 }
//! impl Default for ShiftOptions { fn default() -> Self { ShiftOptions { times: 1 } } }
//! impl ReasoningModule for Shift {
//!     type Options = ShiftOptions;
//!     fn new(options: ShiftOptions, dims: &ModelDims) -> Result<Self, String> {
//!         Ok(Shift { d: dims.n_embd, times: options.times })
//!     }
//!     fn parameters(&self) -> Vec<ParamSpec> { vec![ParamSpec::new("shift", &[self.d], Init::Zeros)] }
//!     fn sites(&self) -> Vec<SiteSpec> { vec![SiteSpec::residual("shifted")] }
//!     fn forward(&self, hidden: &Tensor, params: &[Tensor], ctx: &Context) -> Result<Tensor, String> {
//!         let y = hidden + &params[0] * f64::from(self.times);
//!         ctx.site("shifted", y)
//!     }
//! }
//! grokked_plugin::export_reasoning_module!(Shift, "shift");
//!
//! // Unit-testing a module: its parameters as the host would create them, and its sites.
//! let module = Shift::new(ShiftOptions::default(), &ModelDims::for_test(8, 2)).unwrap();
//! let params = grokked_plugin::sdk::testing::parameters(&module.parameters(), 0);
//! let x = Tensor::ones([1, 3, 8], (tch::Kind::Float, tch::Device::Cpu));
//! let (y, sites) = grokked_plugin::sdk::testing::forward_with_sites(&module, &x, &params).unwrap();
//! assert!(y.equal(&x));
//! assert_eq!(sites[0].0, "shifted");
//! ```

mod context;
pub mod entry;
pub mod options;
pub mod testing;

pub use context::Context;
pub use options::parse_options;

use crate::abi::ModelDims;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tch::Tensor;

/// How a parameter starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Init {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// Normal with mean 0.
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Uniform in [-bound, bound].
    Uniform {
        /// Half-width.
        bound: f64,
    },
}

/// A parameter a module needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Name, unique within the module (`h.0.ln_1.weight`).
    pub name: String,
    /// Shape.
    pub shape: Vec<i64>,
    /// Initialisation.
    pub init: Init,
}

impl ParamSpec {
    /// A spec.
    pub fn new(name: &str, shape: &[i64], init: Init) -> Self {
        ParamSpec {
            name: name.into(),
            shape: shape.to_vec(),
            init,
        }
    }
}

/// A hook site a module offers in its `forward` ([`Context::site`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSpec {
    /// The name without `plugin.` (`loop.0.out`, `gate`): dot-separated words.
    pub name: String,
    /// Whether the activation is the residual stream `[batch, pos, n_embd]`: the logit lens reads
    /// those, between `plugin.hook_in` and `plugin.hook_out`.
    #[serde(default)]
    pub residual: bool,
}

impl SiteSpec {
    /// A site where the module offers the residual stream (the logit lens reads it).
    pub fn residual(name: &str) -> Self {
        SiteSpec {
            name: name.into(),
            residual: true,
        }
    }

    /// A site of any other activation (a gate's value, an attention pattern).
    pub fn other(name: &str) -> Self {
        SiteSpec {
            name: name.into(),
            residual: false,
        }
    }
}

/// What an instance tells the host about itself (`describe`'s JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Description {
    /// The parameters, in `forward` order.
    pub params: Vec<ParamSpec>,
    /// The hook sites `forward` offers through [`Context::site`] (names without `plugin.`), in
    /// the order it offers them.
    #[serde(default)]
    pub sites: Vec<SiteSpec>,
}

/// A reasoning module: created from its typed options, declares its parameters and hook sites,
/// maps hidden states `[batch, seq, n_embd]` to hidden states of the same shape.
pub trait ReasoningModule: Sized + Send + 'static {
    /// The module's options: `[model.plugin] options` in a run config. Its `Default` gives the
    /// value of every key the config omits; its serialised default lists the accepted keys.
    type Options: Serialize + DeserializeOwned + Default;
    /// Creates the module for a model of `dims`.
    fn new(options: Self::Options, dims: &ModelDims) -> Result<Self, String>;
    /// The parameters it needs, in the order `forward` receives them.
    fn parameters(&self) -> Vec<ParamSpec>;
    /// The hook sites `forward` offers with [`Context::site`], in forward order: names such as
    /// `loop.0.out` or `gate` (the host shows them as `plugin.loop.0.out`, `plugin.gate`).
    fn sites(&self) -> Vec<SiteSpec> {
        Vec::new()
    }
    /// Runs the module.
    fn forward(&self, hidden: &Tensor, params: &[Tensor], ctx: &Context) -> Result<Tensor, String>;
}
