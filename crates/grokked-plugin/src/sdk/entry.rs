//! The `extern "C"` entry points [`export_reasoning_module!`](crate::export_reasoning_module)
//! puts in a plugin's declaration, generic over the module type. Each one catches panics and
//! returns them, like errors, as a message for the host.
//!
//! ```
//! use grokked_plugin::sdk::entry::free_string;
//! // A null string is ignored.
//! unsafe { free_string(std::ptr::null_mut()) };
//! ```

use super::context::{release, HostHook};
use super::{options, Context, Description, ReasoningModule};
use crate::abi::{ForwardContext, ModelDims, ERR, OK};
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use tch::Tensor;
use torch_sys::C_tensor;

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("panicked: {msg}")
}

/// A string for the other side of the ABI (NULs replaced).
pub(crate) fn c_string(s: String) -> *mut c_char {
    CString::new(s.replace('\0', " "))
        .expect("NULs replaced")
        .into_raw()
}

/// Runs `f`, turning an error or a panic into `ERR` with a message in `err`.
pub(crate) unsafe fn guarded(err: *mut *mut c_char, f: impl FnOnce() -> Result<(), String>) -> i32 {
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

/// `create` for `T`: reads the options into `T::Options` and builds the module.
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
            let module = T::new(options::parse_options::<T::Options>(&value)?, &*dims)?;
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

/// `describe` for `T`: its parameters and sites as a [`Description`].
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
            let description = Description {
                params: module.parameters(),
                sites: module.sites(),
            };
            *out = c_string(serde_json::to_string(&description).map_err(|e| e.to_string())?);
            Ok(())
        })
    }
}

/// `options` for `T`: the defaults of `T::Options`, as a JSON object.
///
/// # Safety
/// Called by the host with valid out-pointers.
pub unsafe extern "C" fn options<T: ReasoningModule>(
    out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> i32 {
    unsafe {
        guarded(err, || {
            let defaults = options::defaults::<T::Options>()?;
            *out = c_string(serde_json::Value::Object(defaults).to_string());
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
            let mut context = Context::new(ctx.layer_index as usize, ctx.train != 0, mask);
            context.host = ctx.hook.map(|hook| HostHook {
                state: ctx.hook_state,
                hook,
                free: ctx.free_host_string,
            });
            let y = module.forward(&hidden, &params, &context)?;
            if y.size() != hidden.size() {
                return Err(format!(
                    "forward returned shape {:?}, expected {:?}",
                    y.size(),
                    hidden.size()
                ));
            }
            *out = release(y);
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

/// Exports a [`ReasoningModule`](crate::sdk::ReasoningModule) type under a name: `export_reasoning_module!(MyModule, "my-module");`
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
                create: $crate::sdk::entry::create::<$ty>,
                destroy: $crate::sdk::entry::destroy::<$ty>,
                describe: $crate::sdk::entry::describe::<$ty>,
                options: $crate::sdk::entry::options::<$ty>,
                forward: $crate::sdk::entry::forward::<$ty>,
                free_string: $crate::sdk::entry::free_string,
            };
    };
}
