//! The C ABI between the host and a plugin library: one exported static declaration holding the
//! versions and `extern "C"` entry points. Tensors cross as libtorch handles: the host lends
//! `Tensor::as_mut_ptr()`, the plugin takes its own handle with `Tensor::clone_from_ptr`, and a
//! returned tensor is released with `ManuallyDrop` and adopted by the host with `Tensor::from_ptr`.
//! Strings the plugin allocates are freed by its own `free_string`.
//!
//! ```
//! use grokked_plugin::abi::{ABI_VERSION, LIBTORCH_VERSION};
//! assert_eq!(LIBTORCH_VERSION.to_str().unwrap(), "2.11.0");
//! assert!(ABI_VERSION >= 1);
//! ```

use std::ffi::{c_char, c_void, CStr};
use torch_sys::C_tensor;

/// The layout version of [`PluginDeclaration`] and the entry points; bumped on any change.
pub const ABI_VERSION: u32 = 2;
/// The SDK version compiled into a plugin (this crate's version).
pub const SDK_VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("version has no NUL"),
    };
/// The libtorch version tch 0.24 binds.
pub const LIBTORCH_VERSION: &CStr = c"2.11.0";
/// The rustc that compiled this crate (Rust has no stable ABI across compilers).
pub const RUSTC_VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("GROKKED_RUSTC_VERSION"), "\0").as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("rustc version has no NUL"),
    };
/// The exported symbol's name.
pub const DECLARATION_SYMBOL: &[u8] = b"grokked_plugin_declaration\0";

/// Entry points return this on success.
pub const OK: i32 = 0;
/// Entry points return this on error (the message is in the error out-parameter).
pub const ERR: i32 = 1;

/// The model a module is created for.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelDims {
    /// Residual width.
    pub n_embd: i64,
    /// Attention heads.
    pub n_head: i64,
    /// The model's block count as configured (`[model] n_layer`), including the blocks a module
    /// replaces.
    pub n_layer: i64,
    /// The longest input the model takes (its position table).
    pub n_positions: i64,
    /// The dropout probability of the model's blocks (`[model] dropout`, GPT-2's `resid_pdrop`);
    /// a module applies it only when [`ForwardContext::train`] is 1.
    pub dropout: f64,
    /// LayerNorm epsilon.
    pub layer_norm_epsilon: f64,
}

impl ModelDims {
    /// Dimensions for a unit test: `n_embd` wide, `n_head` heads, 4 blocks, 16 positions, no
    /// dropout, GPT-2's epsilon.
    pub const fn for_test(n_embd: i64, n_head: i64) -> Self {
        ModelDims {
            n_embd,
            n_head,
            n_layer: 4,
            n_positions: 16,
            dropout: 0.0,
            layer_norm_epsilon: 1e-5,
        }
    }
}

/// Per-call information for `forward`.
#[repr(C)]
#[derive(Debug)]
pub struct ForwardContext {
    /// The number of blocks before the module.
    pub layer_index: u64,
    /// 1 in training mode.
    pub train: u8,
    /// Key padding mask `[batch, seq]` (1 = token), or null.
    pub attention_mask: *mut C_tensor,
    /// The host's state for [`ForwardContext::hook`].
    pub hook_state: *mut c_void,
    /// Offers an activation at one of the module's declared sites to the host's hooks, or null
    /// when nothing is hooked.
    pub hook: Option<HookFn>,
    /// Frees an error string [`ForwardContext::hook`] returned (the host allocated it).
    pub free_host_string: Option<FreeStringFn>,
}

/// `hook(state, site, activation, out_tensor, out_error)`: the host runs its hooks at the
/// declared site `site` (the name without `plugin.`). It leaves `out_tensor` null when the
/// activation passes unchanged, and otherwise hands over a new tensor the plugin adopts. An error
/// string in `out_error` is the host's, freed with [`ForwardContext::free_host_string`].
pub type HookFn = unsafe extern "C" fn(
    *mut c_void,
    *const c_char,
    *mut C_tensor,
    *mut *mut C_tensor,
    *mut *mut c_char,
) -> i32;

/// `create(options_json, dims, out_instance, out_error)`.
pub type CreateFn = unsafe extern "C" fn(
    *const c_char,
    *const ModelDims,
    *mut *mut c_void,
    *mut *mut c_char,
) -> i32;
/// `destroy(instance)`.
pub type DestroyFn = unsafe extern "C" fn(*mut c_void);
/// `describe(instance, out_params_json, out_error)`.
pub type DescribeFn = unsafe extern "C" fn(*mut c_void, *mut *mut c_char, *mut *mut c_char) -> i32;
/// `forward(instance, ctx, hidden, params, n_params, out_tensor, out_error)`.
pub type ForwardFn = unsafe extern "C" fn(
    *mut c_void,
    *const ForwardContext,
    *mut C_tensor,
    *const *mut C_tensor,
    usize,
    *mut *mut C_tensor,
    *mut *mut c_char,
) -> i32;
/// `options(out_defaults_json, out_error)`: the module's options with their defaults (a JSON
/// object), which is also the list of keys it accepts.
pub type OptionsFn = unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_char) -> i32;
/// `free_string(s)`: frees a string the plugin returned.
pub type FreeStringFn = unsafe extern "C" fn(*mut c_char);

/// The static every plugin exports as `grokked_plugin_declaration`. `abi_version` comes first so
/// a host can read it from a library of any layout.
#[repr(C)]
pub struct PluginDeclaration {
    /// [`ABI_VERSION`] of the plugin's SDK.
    pub abi_version: u32,
    /// The SDK version.
    pub sdk_version: *const c_char,
    /// The libtorch version.
    pub libtorch_version: *const c_char,
    /// The rustc version.
    pub rustc_version: *const c_char,
    /// The module's name.
    pub name: *const c_char,
    /// Creates an instance from JSON options.
    pub create: CreateFn,
    /// Destroys an instance.
    pub destroy: DestroyFn,
    /// Lists the parameters an instance needs and the hook sites it offers (JSON:
    /// `{"params": [ParamSpec...], "sites": ["loop.0.out", ...]}`).
    pub describe: DescribeFn,
    /// The options' defaults.
    pub options: OptionsFn,
    /// Runs the module.
    pub forward: ForwardFn,
    /// Frees plugin-allocated strings.
    pub free_string: FreeStringFn,
}

// SAFETY: the declaration is immutable static data: pointers to static strings and functions.
unsafe impl Sync for PluginDeclaration {}
