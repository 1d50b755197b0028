//! The host side: load a plugin library with `libloading`, check every version field, create
//! instances, and call them with errors (and the plugin's panics) turned into [`PluginError`]s.
//! Loaded libraries are never unloaded: tensors and code from them may outlive any handle.
//!
//! Before anything is loaded, the path is made absolute and canonical (the dynamic linker never
//! searches for a bare name) and the file's SHA-256 is computed, so a library that differs from
//! the one a checkpoint recorded is refused before any of its code runs.
//!
//! ```
//! use grokked_plugin::host::load_plugin;
//! let err = load_plugin("/no/such/libplugin.so".as_ref()).unwrap_err();
//! assert!(err.to_string().contains("/no/such/libplugin.so"));
//! ```

use crate::abi::{
    ForwardContext, ModelDims, PluginDeclaration, ABI_VERSION, DECLARATION_SYMBOL,
    LIBTORCH_VERSION, OK, RUSTC_VERSION, SDK_VERSION,
};
use crate::sdk::ParamSpec;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use tch::Tensor;

/// Why a plugin could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The file does not exist.
    #[error("{0}: plugin file not found")]
    NotFound(PathBuf),
    /// The file is not a loadable library, or exports no declaration.
    #[error("{path}: not a grokked plugin ({reason})")]
    NotAPlugin {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A version field differs between plugin and host.
    #[error("{path}: plugin built for {what} {plugin}, but this host has {what} {host}; rebuild the plugin against this SDK")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// Which version (ABI, SDK, libtorch, rustc).
        what: &'static str,
        /// The plugin's.
        plugin: String,
        /// The host's.
        host: String,
    },
    /// The plugin returned an error or panicked.
    #[error("plugin `{name}`: {msg}")]
    Plugin {
        /// The plugin's name.
        name: String,
        /// Its message.
        msg: String,
    },
    /// The library differs from the one recorded (e.g. in a checkpoint's `config.json`).
    #[error("{path}: the library's SHA-256 is {found}, but {recorded} was recorded for it; it is not the library the model was saved with, so it is not loaded")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The recorded hash.
        recorded: String,
        /// The file's hash now.
        found: String,
    },
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The host passed something invalid.
    #[error("plugin: {0}")]
    Invalid(String),
}

/// Where a reasoning module sits in a model and how it is configured (the `[model.plugin]`
/// table of a run config; `grokked_plugin` in a model's `config.json`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// The plugin library (`.so` / `.dylib` / `.dll`).
    pub path: PathBuf,
    /// Options passed to the module (a JSON object; a TOML table in run configs).
    #[serde(default = "empty_options")]
    pub options: serde_json::Value,
    /// The module runs after this many blocks (0: right after the embeddings).
    #[serde(default)]
    pub after_layer: usize,
    /// The number of blocks after that point the module replaces (0: it is inserted).
    #[serde(default)]
    pub replace: usize,
    /// The library's SHA-256 (lowercase hex). Recorded when a model with the plugin is built,
    /// so checkpoints carry it; a library with another hash is refused before it is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl PluginConfig {
    /// A placement of the library at `path` with `options`, recording no hash yet.
    pub fn new(
        path: impl Into<PathBuf>,
        options: serde_json::Value,
        after_layer: usize,
        replace: usize,
    ) -> Self {
        PluginConfig {
            path: path.into(),
            options,
            after_layer,
            replace,
            sha256: None,
        }
    }
}

fn empty_options() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// A plugin's declared identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    /// The module's name.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// Its ABI version.
    pub abi_version: u32,
    /// Its SDK version.
    pub sdk_version: String,
    /// Its libtorch version.
    pub libtorch_version: String,
    /// Its rustc version.
    pub rustc_version: String,
    /// The library file's SHA-256 (lowercase hex).
    pub sha256: String,
}

/// A loaded, version-checked plugin library.
#[derive(Clone, Copy)]
pub struct Plugin {
    decl: &'static PluginDeclaration,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plugin({})", self.name())
    }
}

fn read_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: declaration strings are static NUL-terminated strings of the plugin.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// `path` as an absolute canonical path: a relative path is taken from the current directory and
/// symbolic links are resolved, so the dynamic linker is never asked to search for a bare name.
pub fn resolve_library(path: &Path) -> Result<PathBuf, PluginError> {
    if !path.is_file() {
        return Err(PluginError::NotFound(path.to_path_buf()));
    }
    std::fs::canonicalize(path).map_err(|source| PluginError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The SHA-256 of a library file, as lowercase hex.
pub fn library_sha256(path: &Path) -> Result<String, PluginError> {
    let bytes = std::fs::read(path).map_err(|source| PluginError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Loads `path`, checks its ABI, SDK, libtorch and rustc versions against the host's, and keeps
/// the library loaded for the life of the process.
pub fn load_plugin(path: &Path) -> Result<(Plugin, PluginInfo), PluginError> {
    load_plugin_verified(path, None)
}

/// [`load_plugin`], refusing (before any of its code runs) a library whose SHA-256 is not
/// `expected_sha256` when one is given.
pub fn load_plugin_verified(
    path: &Path,
    expected_sha256: Option<&str>,
) -> Result<(Plugin, PluginInfo), PluginError> {
    let path = &resolve_library(path)?;
    let sha256 = library_sha256(path)?;
    if let Some(recorded) = expected_sha256.filter(|r| !r.eq_ignore_ascii_case(&sha256)) {
        return Err(PluginError::HashMismatch {
            path: path.clone(),
            recorded: recorded.to_string(),
            found: sha256,
        });
    }
    let not_plugin = |reason: String| PluginError::NotAPlugin {
        path: path.to_path_buf(),
        reason,
    };
    // SAFETY: loading runs the library's initialisers; plugins are trusted code by design (the
    // callers that open model folders ask for the user's consent first).
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| not_plugin(e.to_string()))?;
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    // SAFETY: the symbol is a static PluginDeclaration; only abi_version (the first field) is read
    // before the version check.
    let decl: &'static PluginDeclaration = unsafe {
        let sym = lib
            .get::<*const PluginDeclaration>(DECLARATION_SYMBOL)
            .map_err(|_| not_plugin("it exports no `grokked_plugin_declaration`".into()))?;
        &**sym
    };
    if decl.abi_version != ABI_VERSION {
        return Err(PluginError::Mismatch {
            path: path.into(),
            what: "plugin ABI",
            plugin: decl.abi_version.to_string(),
            host: ABI_VERSION.to_string(),
        });
    }
    let info = PluginInfo {
        name: read_str(decl.name),
        path: path.to_path_buf(),
        abi_version: decl.abi_version,
        sdk_version: read_str(decl.sdk_version),
        libtorch_version: read_str(decl.libtorch_version),
        rustc_version: read_str(decl.rustc_version),
        sha256,
    };
    for (what, plugin, host) in [
        ("SDK", &info.sdk_version, SDK_VERSION),
        ("libtorch", &info.libtorch_version, LIBTORCH_VERSION),
        ("rustc", &info.rustc_version, RUSTC_VERSION),
    ] {
        let host = host.to_string_lossy();
        if *plugin != host {
            return Err(PluginError::Mismatch {
                path: path.into(),
                what,
                plugin: plugin.clone(),
                host: host.into_owned(),
            });
        }
    }
    Ok((Plugin { decl }, info))
}

impl Plugin {
    /// The module's name.
    pub fn name(&self) -> String {
        read_str(self.decl.name)
    }

    fn take_error(&self, err: *mut c_char) -> PluginError {
        let msg = read_str(err);
        // SAFETY: the error string was allocated by this plugin.
        unsafe { (self.decl.free_string)(err) };
        PluginError::Plugin {
            name: self.name(),
            msg,
        }
    }

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
        let mut instance = PluginInstance {
            plugin: *self,
            ptr: inst,
            params: Vec::new(),
        };
        let mut json: *mut c_char = std::ptr::null_mut();
        // SAFETY: as above.
        let status = unsafe { (self.decl.describe)(inst, &mut json, &mut err) };
        if status != OK {
            return Err(self.take_error(err));
        }
        let text = read_str(json);
        // SAFETY: allocated by the plugin.
        unsafe { (self.decl.free_string)(json) };
        instance.params = serde_json::from_str(&text).map_err(|e| PluginError::Plugin {
            name: self.name(),
            msg: format!("bad parameter list: {e}"),
        })?;
        Ok(instance)
    }
}

/// A module instance living in a plugin.
pub struct PluginInstance {
    plugin: Plugin,
    ptr: *mut c_void,
    /// The parameters it declared, in `forward` order.
    pub params: Vec<ParamSpec>,
}

// SAFETY: modules implement `ReasoningModule: Send`; the instance is used from one thread at a time.
unsafe impl Send for PluginInstance {}

impl std::fmt::Debug for PluginInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PluginInstance({}, {} params)",
            self.plugin.name(),
            self.params.len()
        )
    }
}

impl PluginInstance {
    /// The plugin.
    pub fn plugin(&self) -> Plugin {
        self.plugin
    }

    /// Runs the module on `hidden` with `params` (in declaration order).
    pub fn forward(
        &self,
        hidden: &Tensor,
        params: &[Tensor],
        layer_index: usize,
        train: bool,
        mask: Option<&Tensor>,
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
        let ctx = ForwardContext {
            layer_index: layer_index as u64,
            train: u8::from(train),
            attention_mask: mask
                .as_mut()
                .map_or(std::ptr::null_mut(), |m| m.as_mut_ptr()),
        };
        let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the handles stay alive (owned above) for the call; the result is adopted once.
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
