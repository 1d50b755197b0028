//! Loading a library: its canonical path and SHA-256 first, then its declaration and the version
//! checks, and [`Plugin`], the loaded library's entry points.

use super::error::PluginError;
use super::record::{self, PluginInfo};
use crate::abi::{
    PluginDeclaration, ABI_VERSION, DECLARATION_SYMBOL, LIBTORCH_VERSION, OK, RUSTC_VERSION,
    SDK_VERSION,
};
use sha2::{Digest, Sha256};
use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};

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
    let (decl, info) = open_declaration(path, sha256)?;
    let mismatch = |what: &'static str, plugin: String, host: String| PluginError::Mismatch {
        path: path.into(),
        what,
        plugin,
        host,
        record: Box::new(info.clone()),
    };
    if info.abi_version != ABI_VERSION {
        let found = info.abi_version.to_string();
        return Err(mismatch("plugin ABI", found, ABI_VERSION.to_string()));
    }
    for (what, plugin, host) in [
        ("SDK", &info.sdk_version, SDK_VERSION),
        ("libtorch", &info.libtorch_version, LIBTORCH_VERSION),
        ("rustc", &info.rustc_version, RUSTC_VERSION),
    ] {
        let host = host.to_string_lossy();
        if *plugin != host {
            return Err(mismatch(what, plugin.clone(), host.into_owned()));
        }
    }
    Ok((Plugin { decl }, info))
}

/// Loads the library at the canonical `path` and reads its build record: the declaration's
/// leading fields (ABI version, SDK, libtorch and rustc versions, name), which every ABI version
/// keeps in place, so the record of a library built for another ABI can still be shown.
fn open_declaration(
    path: &Path,
    sha256: String,
) -> Result<(&'static PluginDeclaration, PluginInfo), PluginError> {
    let not_plugin = |reason: String| PluginError::NotAPlugin {
        path: path.to_path_buf(),
        reason,
    };
    // SAFETY: loading runs the library's initialisers; plugins are trusted code by design (the
    // callers that open model folders ask for the user's consent first).
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| not_plugin(e.to_string()))?;
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    // SAFETY: the symbol is a static PluginDeclaration; only its stable leading fields are read
    // before the caller checks the ABI version.
    let decl: &'static PluginDeclaration = unsafe {
        let sym = lib
            .get::<*const PluginDeclaration>(DECLARATION_SYMBOL)
            .map_err(|_| not_plugin("it exports no `grokked_plugin_declaration`".into()))?;
        &**sym
    };
    let info = PluginInfo {
        name: read_str(decl.name),
        path: path.to_path_buf(),
        abi_version: decl.abi_version,
        sdk_version: read_str(decl.sdk_version),
        libtorch_version: read_str(decl.libtorch_version),
        rustc_version: read_str(decl.rustc_version),
        sha256,
        built_unix: record::modified_unix(path),
    };
    Ok((decl, info))
}

/// A loaded, version-checked plugin library.
#[derive(Clone, Copy)]
pub struct Plugin {
    pub(super) decl: &'static PluginDeclaration,
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

impl Plugin {
    /// The module's name.
    pub fn name(&self) -> String {
        read_str(self.decl.name)
    }

    pub(super) fn take_error(&self, err: *mut c_char) -> PluginError {
        let msg = read_str(err);
        // SAFETY: the error string was allocated by this plugin.
        unsafe { (self.decl.free_string)(err) };
        PluginError::Plugin {
            name: self.name(),
            msg,
        }
    }

    /// Takes a JSON string the plugin returned, freeing it.
    pub(super) fn take_json<T: serde::de::DeserializeOwned>(
        &self,
        json: *mut c_char,
        what: &str,
    ) -> Result<T, PluginError> {
        let text = read_str(json);
        // SAFETY: allocated by the plugin.
        unsafe { (self.decl.free_string)(json) };
        serde_json::from_str(&text).map_err(|e| PluginError::Plugin {
            name: self.name(),
            msg: format!("bad {what}: {e}"),
        })
    }

    /// The module's options with their defaults: every key it accepts.
    pub fn option_defaults(
        &self,
    ) -> Result<serde_json::Map<String, serde_json::Value>, PluginError> {
        let (mut json, mut err): (*mut c_char, *mut c_char) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: valid out-pointers per the ABI.
        if unsafe { (self.decl.options)(&mut json, &mut err) } != OK {
            return Err(self.take_error(err));
        }
        self.take_json(json, "options' defaults")
    }
}
