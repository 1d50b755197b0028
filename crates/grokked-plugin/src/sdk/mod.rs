//! The safe side for plugin authors: implement [`ReasoningModule`] on a plain struct and export it
//! with [`export_reasoning_module!`](crate::export_reasoning_module); nothing unsafe to write.
//! Parameters are declared with [`ParamSpec`] and owned by the host (its optimizer trains them and
//! its checkpoints save them); `forward` receives them in declaration order. Every entry point
//! catches panics and returns them as errors.
//!
//! ```
//! use grokked_plugin::sdk::{Context, Init, ParamSpec, ReasoningModule};
//! use grokked_plugin::abi::ModelDims;
//! use grokked_plugin::tch::Tensor;
//! /// Adds a learned bias to the residual stream.
//! struct Shift { d: i64 }
//! impl ReasoningModule for Shift {
//!     fn new(_options: &serde_json::Value, dims: &ModelDims) -> Result<Self, String> { Ok(Shift { d: dims.n_embd }) }
//!     fn parameters(&self) -> Vec<ParamSpec> { vec![ParamSpec::new("shift", &[self.d], Init::Zeros)] }
//!     fn forward(&self, hidden: &Tensor, params: &[Tensor], _ctx: &Context) -> Result<Tensor, String> { Ok(hidden + &params[0]) }
//! }
//! grokked_plugin::export_reasoning_module!(Shift, "shift");
//! ```

use crate::abi::{ForwardContext, ModelDims, ERR, OK};
use serde::{Deserialize, Serialize};
use std::ffi::{c_char, c_void, CStr, CString};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tch::Tensor;
use torch_sys::C_tensor;

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

/// What `forward` knows besides the hidden states.
#[derive(Debug)]
pub struct Context {
    /// The number of blocks before the module.
    pub layer_index: usize,
    /// Training mode.
    pub train: bool,
    /// Key padding mask `[batch, seq]` (1 = token), if any.
    pub attention_mask: Option<Tensor>,
}

/// A reasoning module: created from JSON options, declares its parameters, maps hidden states
/// `[batch, seq, n_embd]` to hidden states of the same shape.
pub trait ReasoningModule: Sized + Send + 'static {
    /// Creates the module for a model of `dims` from the config's options table.
    fn new(options: &serde_json::Value, dims: &ModelDims) -> Result<Self, String>;
    /// The parameters it needs, in the order `forward` receives them.
    fn parameters(&self) -> Vec<ParamSpec>;
    /// Runs the module.
    fn forward(&self, hidden: &Tensor, params: &[Tensor], ctx: &Context) -> Result<Tensor, String>;
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("panicked: {msg}")
}

fn c_string(s: String) -> *mut c_char {
    CString::new(s.replace('\0', " "))
        .expect("NULs replaced")
        .into_raw()
}

/// Runs `f`, turning an error or a panic into `ERR` with a message in `err`.
unsafe fn guarded(err: *mut *mut c_char, f: impl FnOnce() -> Result<(), String>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => OK,
        Ok(Err(msg)) => {
            unsafe { *err = c_string(msg) };
            ERR
        }
        Err(p) => {
            unsafe { *err = c_string(panic_message(p)) };
            ERR
        }
    }
}

/// `create` for `T`.
///
/// # Safety
/// Called by the host through the declaration with valid pointers.
pub unsafe extern "C" fn create<T: ReasoningModule>(
    options: *const c_char,
    dims: *const ModelDims,
    out: *mut *mut c_void,
    err: *mut *mut c_char,
) -> i32 {
    unsafe {
        guarded(err, || {
            let text = CStr::from_ptr(options)
                .to_str()
                .map_err(|e| e.to_string())?;
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("options: {e}"))?;
            let module = T::new(&value, &*dims)?;
            *out = Box::into_raw(Box::new(module)) as *mut c_void;
            Ok(())
        })
    }
}

/// `destroy` for `T`.
///
/// # Safety
/// `instance` came from `create::<T>` and is destroyed once.
pub unsafe extern "C" fn destroy<T: ReasoningModule>(instance: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(unsafe { Box::from_raw(instance as *mut T) })
    }));
}

/// `describe` for `T`.
///
/// # Safety
/// `instance` came from `create::<T>`.
pub unsafe extern "C" fn describe<T: ReasoningModule>(
    instance: *mut c_void,
    out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> i32 {
    unsafe {
        guarded(err, || {
            let module = &*(instance as *const T);
            let json = serde_json::to_string(&module.parameters()).map_err(|e| e.to_string())?;
            *out = c_string(json);
            Ok(())
        })
    }
}

/// `forward` for `T`.
///
/// # Safety
/// `instance` came from `create::<T>`; the tensor pointers are live libtorch handles.
pub unsafe extern "C" fn forward<T: ReasoningModule>(
    instance: *mut c_void,
    ctx: *const ForwardContext,
    hidden: *mut C_tensor,
    params: *const *mut C_tensor,
    n_params: usize,
    out: *mut *mut C_tensor,
    err: *mut *mut c_char,
) -> i32 {
    unsafe {
        guarded(err, || {
            let module = &*(instance as *const T);
            let ctx = &*ctx;
            let hidden = Tensor::clone_from_ptr(hidden);
            let params: Vec<Tensor> = std::slice::from_raw_parts(params, n_params)
                .iter()
                .map(|&p| Tensor::clone_from_ptr(p))
                .collect();
            let mask =
                (!ctx.attention_mask.is_null()).then(|| Tensor::clone_from_ptr(ctx.attention_mask));
            let context = Context {
                layer_index: ctx.layer_index as usize,
                train: ctx.train != 0,
                attention_mask: mask,
            };
            let y = module.forward(&hidden, &params, &context)?;
            if y.size() != hidden.size() {
                return Err(format!(
                    "forward returned shape {:?}, expected {:?}",
                    y.size(),
                    hidden.size()
                ));
            }
            *out = ManuallyDrop::new(y).as_mut_ptr();
            Ok(())
        })
    }
}

/// Frees a string returned by this library.
///
/// # Safety
/// `s` came from this library's `CString::into_raw`.
pub unsafe extern "C" fn free_string(s: *mut c_char) {
    if !s.is_null() {
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Exports a [`ReasoningModule`] type under a name: `export_reasoning_module!(MyModule, "my-module");`
#[macro_export]
macro_rules! export_reasoning_module {
    ($ty:ty, $name:expr) => {
        /// The declaration the grokked host loads.
        #[no_mangle]
        #[allow(non_upper_case_globals)]
        pub static grokked_plugin_declaration: $crate::abi::PluginDeclaration =
            $crate::abi::PluginDeclaration {
                abi_version: $crate::abi::ABI_VERSION,
                sdk_version: $crate::abi::SDK_VERSION.as_ptr(),
                libtorch_version: $crate::abi::LIBTORCH_VERSION.as_ptr(),
                rustc_version: $crate::abi::RUSTC_VERSION.as_ptr(),
                name: concat!($name, "\0").as_ptr() as *const ::std::ffi::c_char,
                create: $crate::sdk::create::<$ty>,
                destroy: $crate::sdk::destroy::<$ty>,
                describe: $crate::sdk::describe::<$ty>,
                forward: $crate::sdk::forward::<$ty>,
                free_string: $crate::sdk::free_string,
            };
    };
}
