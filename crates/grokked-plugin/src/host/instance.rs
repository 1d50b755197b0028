//! A module instance living in a plugin: its declared parameters and hook sites, and `forward`,
//! which lends the host's hooks to the module for the sites it offers.

use super::error::PluginError;
use super::load::Plugin;
use crate::abi::{ForwardContext, ModelDims, ERR, OK};
use crate::sdk::entry::{c_string, free_string};
use crate::sdk::{Description, ParamSpec, SiteSpec};
use std::ffi::{c_char, c_void, CStr, CString};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tch::Tensor;

/// What the host runs at a module's site: the declared name (without `plugin.`) and the
/// activation, returning the tensor the module continues with.
pub type SiteHook<'a> = &'a mut dyn FnMut(&str, Tensor) -> Result<Tensor, String>;

impl Plugin {
    /// Creates an instance from JSON options for a model of `dims`.
    pub fn instantiate(
        &self,
        options: &serde_json::Value,
        dims: ModelDims,
    ) -> Result<PluginInstance, PluginError> {
        let text =
            CString::new(options.to_string()).map_err(|e| PluginError::Invalid(e.to_string()))?;
        let (mut inst, mut err): (*mut c_void, *mut c_char) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: valid pointers per the ABI.
        let status = unsafe { (self.decl.create)(text.as_ptr(), &dims, &mut inst, &mut err) };
        if status != OK {
            return Err(self.take_error(err));
        }
        let instance = PluginInstance::adopt(*self, inst);
        let mut json: *mut c_char = std::ptr::null_mut();
        // SAFETY: as above.
        let status = unsafe { (self.decl.describe)(inst, &mut json, &mut err) };
        if status != OK {
            return Err(self.take_error(err));
        }
        let description: Description = self.take_json(json, "description")?;
        instance.described(description)
    }
}

/// A module instance living in a plugin.
pub struct PluginInstance {
    plugin: Plugin,
    ptr: *mut c_void,
    /// The parameters it declared, in `forward` order.
    pub params: Vec<ParamSpec>,
    /// The hook sites it declared (names without `plugin.`), in forward order.
    pub sites: Vec<SiteSpec>,
}

// SAFETY: modules implement `ReasoningModule: Send`; the instance is used from one thread at a time.
unsafe impl Send for PluginInstance {}

impl std::fmt::Debug for PluginInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PluginInstance({}, {} params, sites {:?})",
            self.plugin.name(),
            self.params.len(),
            self.sites
        )
    }
}

/// The state [`host_hook`] receives: the declared sites and the host's hook.
struct HookState<'a, 'b> {
    sites: &'a [SiteSpec],
    hook: SiteHook<'b>,
}

/// The host's side of [`ForwardContext::hook`].
unsafe extern "C" fn host_hook(
    state: *mut c_void,
    site: *const c_char,
    activation: *mut torch_sys::C_tensor,
    out: *mut *mut torch_sys::C_tensor,
    err: *mut *mut c_char,
) -> i32 {
    let run = || -> Result<Tensor, String> {
        // SAFETY: `state` is the HookState of the forward call in progress; the name and the
        // activation handle are the plugin's, valid during this call.
        let (state, name, activation) = unsafe {
            (
                &mut *(state as *mut HookState),
                CStr::from_ptr(site).to_string_lossy().into_owned(),
                Tensor::clone_from_ptr(activation),
            )
        };
        if !state.sites.iter().any(|s| s.name == name) {
            let declared: Vec<&str> = state.sites.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "the module offered an activation at `{name}`, which it did not declare (its \
                 sites: {})",
                declared.join(", ")
            ));
        }
        (state.hook)(&name, activation)
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(t)) => {
            // SAFETY: the plugin adopts the handle with `Tensor::from_ptr`.
            unsafe { *out = ManuallyDrop::new(t).as_mut_ptr() };
            OK
        }
        Ok(Err(msg)) => {
            unsafe { *err = c_string(msg) };
            ERR
        }
        Err(_) => {
            unsafe { *err = c_string("a hook of the host panicked".into()) };
            ERR
        }
    }
}

impl PluginInstance {
    /// Takes ownership of an instance the plugin created (destroyed on drop).
    pub(super) fn adopt(plugin: Plugin, ptr: *mut c_void) -> Self {
        PluginInstance {
            plugin,
            ptr,
            params: Vec::new(),
            sites: Vec::new(),
        }
    }

    /// Records what the instance declared, checking its site names: non-empty, unique, segments
    /// separated by single dots, and not the host's own `hook_in` / `hook_out`.
    pub(super) fn described(mut self, d: Description) -> Result<Self, PluginError> {
        let bad = |msg: String| PluginError::Plugin {
            name: self.plugin.name(),
            msg,
        };
        for (i, site) in d.sites.iter().map(|s| &s.name).enumerate() {
            if site.split('.').any(str::is_empty) || site.contains(char::is_whitespace) {
                return Err(bad(format!(
                    "hook site name `{site}` must be dot-separated non-empty words"
                )));
            }
            if ["hook_in", "hook_out"].contains(&site.as_str()) {
                return Err(bad(format!("hook site name `{site}` is the host's own")));
            }
            if d.sites[..i].iter().any(|s| s.name == *site) {
                return Err(bad(format!("hook site `{site}` is declared twice")));
            }
        }
        self.params = d.params;
        self.sites = d.sites;
        Ok(self)
    }

    /// The plugin.
    pub fn plugin(&self) -> Plugin {
        self.plugin
    }

    /// Runs the module on `hidden` with `params` (in declaration order). `hook`, when given,
    /// receives every activation the module offers at its declared sites.
    pub fn forward(
        &self,
        hidden: &Tensor,
        params: &[Tensor],
        layer_index: usize,
        train: bool,
        mask: Option<&Tensor>,
        hook: Option<SiteHook>,
    ) -> Result<Tensor, PluginError> {
        if params.len() != self.params.len() {
            return Err(PluginError::Invalid(format!(
                "{} parameters given, {} declared",
                params.len(),
                self.params.len()
            )));
        }
        let mut hidden = hidden.shallow_clone();
        let mut params: Vec<Tensor> = params.iter().map(Tensor::shallow_clone).collect();
        let ptrs: Vec<*mut torch_sys::C_tensor> =
            params.iter_mut().map(|p| p.as_mut_ptr()).collect();
        let mut mask = mask.map(Tensor::shallow_clone);
        let mut state = hook.map(|hook| HookState {
            sites: &self.sites,
            hook,
        });
        let ctx = ForwardContext {
            layer_index: layer_index as u64,
            train: u8::from(train),
            attention_mask: mask
                .as_mut()
                .map_or(std::ptr::null_mut(), |m| m.as_mut_ptr()),
            hook_state: state
                .as_mut()
                .map_or(std::ptr::null_mut(), |s| s as *mut HookState as *mut c_void),
            hook: state.is_some().then_some(host_hook as crate::abi::HookFn),
            free_host_string: Some(free_string),
        };
        let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the handles and the hook state stay alive (owned above) for the call; the
        // result is adopted once.
        let status = unsafe {
            (self.plugin.decl.forward)(
                self.ptr,
                &ctx,
                hidden.as_mut_ptr(),
                ptrs.as_ptr(),
                ptrs.len(),
                &mut out,
                &mut err,
            )
        };
        if status != OK {
            return Err(self.plugin.take_error(err));
        }
        // SAFETY: the plugin released ownership of `out` to us.
        Ok(unsafe { Tensor::from_ptr(out) })
    }
}

impl Drop for PluginInstance {
    fn drop(&mut self) {
        // SAFETY: created by this plugin's `create`, destroyed once.
        unsafe { (self.plugin.decl.destroy)(self.ptr) };
    }
}
