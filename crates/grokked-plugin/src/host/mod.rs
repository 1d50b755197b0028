//! The host side: load a plugin library with `libloading`, check every version field, create
//! instances, and call them with errors (and the plugin's panics) turned into [`PluginError`]s.
//! Loaded libraries are never unloaded: tensors and code from them may outlive any handle.
//!
//! Before anything is loaded, the path is made absolute and canonical (the dynamic linker never
//! searches for a bare name) and the file's SHA-256 is computed, so a library that differs from
//! the one a checkpoint recorded is refused before any of its code runs.
//!
//! A library built for another ABI, SDK, libtorch or rustc is refused with its build record
//! ([`record::PluginInfo`]) in the error, so the message says what it was built with.
//!
//! ```
//! use grokked_plugin::host::load_plugin;
//! let err = load_plugin("/no/such/libplugin.so".as_ref()).unwrap_err();
//! assert!(err.to_string().contains("/no/such/libplugin.so"));
//! ```

mod config;
mod error;
mod instance;
mod load;
pub mod record;

pub use config::PluginConfig;
pub use error::PluginError;
pub use instance::{PluginInstance, SiteHook};
pub use load::{library_sha256, load_plugin, load_plugin_verified, resolve_library, Plugin};
pub use record::PluginInfo;
