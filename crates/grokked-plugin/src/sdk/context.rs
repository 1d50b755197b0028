//! [`Context`]: what `forward` knows besides the hidden states, and the way back to the host's
//! hooks ([`Context::site`]).

use crate::abi::{FreeStringFn, HookFn, OK};
use std::ffi::{c_char, c_void, CStr, CString};
use std::mem::ManuallyDrop;
use tch::Tensor;

/// The host's hook entry for one `forward` call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostHook {
    pub state: *mut c_void,
    pub hook: HookFn,
    pub free: Option<FreeStringFn>,
}

/// What `forward` knows besides the hidden states.
#[derive(Debug)]
pub struct Context {
    /// The number of blocks before the module.
    pub layer_index: usize,
    /// Training mode: apply dropout only when set.
    pub train: bool,
    /// Key padding mask `[batch, seq]` (1 = token), if any.
    pub attention_mask: Option<Tensor>,
    pub(crate) host: Option<HostHook>,
}

impl Context {
    /// A context with no hooks attached, as a unit test needs one: [`Context::site`] passes
    /// activations through.
    pub fn new(layer_index: usize, train: bool, attention_mask: Option<Tensor>) -> Self {
        Context {
            layer_index,
            train,
            attention_mask,
            host: None,
        }
    }

    /// Offers `activation` at the declared site `name` (without `plugin.`) and returns the tensor
    /// to continue with: `activation` itself unless a hook of the host replaced it (patching).
    /// Naming a site the module did not declare is an error.
    pub fn site(&self, name: &str, mut activation: Tensor) -> Result<Tensor, String> {
        let Some(host) = self.host else {
            return Ok(activation);
        };
        let name = CString::new(name).map_err(|e| format!("site name: {e}"))?;
        let (mut out, mut err): (*mut torch_sys::C_tensor, *mut c_char) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the host's function and state are valid for this forward call; the activation
        // handle stays alive (owned here) during it; a returned tensor is handed over once.
        let status = unsafe {
            (host.hook)(
                host.state,
                name.as_ptr(),
                activation.as_mut_ptr(),
                &mut out,
                &mut err,
            )
        };
        if status != OK {
            let msg = if err.is_null() {
                "the host's hook failed".to_string()
            } else {
                // SAFETY: a NUL-terminated string of the host's, freed by the host's function.
                let msg = unsafe { CStr::from_ptr(err) }
                    .to_string_lossy()
                    .into_owned();
                if let Some(free) = host.free {
                    unsafe { free(err) };
                }
                msg
            };
            return Err(msg);
        }
        if out.is_null() {
            return Ok(activation);
        }
        // SAFETY: the host released ownership of `out` to us.
        Ok(unsafe { Tensor::from_ptr(out) })
    }
}

/// Hands a tensor across the ABI: the receiver adopts it with `Tensor::from_ptr`.
pub(crate) fn release(t: Tensor) -> *mut torch_sys::C_tensor {
    ManuallyDrop::new(t).as_mut_ptr()
}
