//! Helpers for a module's unit tests: its parameters created as the host creates them (a
//! `VarStore`'s leaf tensors, requiring grad, initialised per [`ParamSpec`]), and a forward pass
//! that records what the module offers at its hook sites.
//!
//! ```
//! use grokked_plugin::sdk::{testing, Init, ParamSpec};
//! let specs = [ParamSpec::new("w", &[2, 3], Init::Ones), ParamSpec::new("b", &[3], Init::Normal { std: 0.5 })];
//! let params = testing::parameters(&specs, 7);
//! assert_eq!(params[0].size(), [2, 3]);
//! assert!(params[0].requires_grad());
//! assert_eq!(params[0].sum(tch::Kind::Float).double_value(&[]), 6.0);
//! // The same seed gives the same parameters.
//! assert!(params[1].equal(&testing::parameters(&specs, 7)[1]));
//! ```

use super::context::HostHook;
use super::{Context, Init, ParamSpec, ReasoningModule};
use crate::abi::OK;
use std::ffi::{c_char, c_void, CStr};
use tch::{nn, Device, Tensor};

impl Init {
    /// The `tch` initialiser the host uses for this init.
    pub fn to_nn(self) -> nn::Init {
        match self {
            Init::Zeros => nn::Init::Const(0.0),
            Init::Ones => nn::Init::Const(1.0),
            Init::Normal { std } => nn::Init::Randn {
                mean: 0.0,
                stdev: std,
            },
            Init::Uniform { bound } => nn::Init::Uniform {
                lo: -bound,
                up: bound,
            },
        }
    }
}

/// The parameters `specs` declare, created on the CPU from `seed` as the host creates them:
/// leaf tensors that require grad.
pub fn parameters(specs: &[ParamSpec], seed: i64) -> Vec<Tensor> {
    tch::manual_seed(seed);
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    specs
        .iter()
        .enumerate()
        .map(|(i, s)| root.var(&format!("p{i}"), &s.shape, s.init.to_nn()))
        .collect()
}

type Recorded = Vec<(String, Tensor)>;

unsafe extern "C" fn record(
    state: *mut c_void,
    site: *const c_char,
    activation: *mut torch_sys::C_tensor,
    _out: *mut *mut torch_sys::C_tensor,
    _err: *mut *mut c_char,
) -> i32 {
    // SAFETY: `state` is the `Recorded` of `forward_with_sites`, alive during its forward call;
    // the name and activation are the module's, valid for this call.
    unsafe {
        let recorded = &mut *(state as *mut Recorded);
        let name = CStr::from_ptr(site).to_string_lossy().into_owned();
        recorded.push((name, Tensor::clone_from_ptr(activation).copy()));
    }
    OK
}

/// Runs `module` in evaluation mode at layer 0 with no mask, and returns its output with what it
/// offered at each [`Context::site`] call (site name, a copy of the activation), in call order.
/// A site `sites()` does not declare is an error, as it is in the host.
pub fn forward_with_sites<T: ReasoningModule>(
    module: &T,
    hidden: &Tensor,
    params: &[Tensor],
) -> Result<(Tensor, Recorded), String> {
    let mut recorded: Recorded = Vec::new();
    let mut ctx = Context::new(0, false, None);
    ctx.host = Some(HostHook {
        state: &mut recorded as *mut Recorded as *mut c_void,
        hook: record,
        free: None,
    });
    let y = module.forward(hidden, params, &ctx)?;
    drop(ctx);
    let declared: Vec<String> = module.sites().into_iter().map(|s| s.name).collect();
    if let Some((name, _)) = recorded.iter().find(|(n, _)| !declared.contains(n)) {
        return Err(format!(
            "forward offered an activation at `{name}`, which `sites()` does not declare \
             (declared: {})",
            declared.join(", ")
        ));
    }
    Ok((y, recorded))
}
