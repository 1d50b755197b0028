//! grokked-plugin: reasoning modules as dynamically loaded `cdylib` plugins.
//!
//! - [`abi`]: the `#[repr(C)]` declaration a plugin exports, with its ABI, SDK, libtorch and
//!   rustc versions, and the `extern "C"` entry points;
//! - [`sdk`]: the safe [`sdk::ReasoningModule`] trait (typed options, parameters, hook sites) and
//!   the [`export_reasoning_module!`] macro for plugin authors, with [`sdk::testing`] helpers;
//! - [`host`]: loading, version checks and calls, with plugin errors and panics as values;
//! - [`functional`]: GPT-2 building blocks over host-owned parameters.
//!
//! A plugin author starts with `grokked plugin new NAME`, which writes a crate that depends on
//! this one by path; [`sdk`] says how to depend on it by hand and what a module may rely on.
//!
//! ```
//! use grokked_plugin::host::{load_plugin, PluginError};
//! match load_plugin("Cargo.toml".as_ref()) {
//!     Err(PluginError::NotAPlugin { .. }) => {}
//!     other => panic!("{other:?}"),
//! }
//! ```

pub mod abi;
pub mod functional;
pub mod host;
pub mod sdk;

pub use serde;
pub use serde_json;
pub use tch;
