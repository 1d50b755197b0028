//! A run config copied into another folder keeps its plugin: a relative `[model.plugin] path`
//! is taken from the config file's folder, so the copy gets the path from its new folder to the
//! same library (the rest of the text, comments included, stays as it was). Sweeps copy their base
//! configs into the sweep folder, and `export` copies them into `datasets/results/NAME`.
//!
//! ```
//! use grokked_experiments::sweep::rebase::rebase_plugin_path;
//! use std::path::Path;
//! let text = "name = \"x\"\n[data]\ntask = \"composition\"\n[model.plugin]\npath = \"../../target/release/libp.so\"\n";
//! let moved = rebase_plugin_path(text, Path::new("/repo/datasets/configs"), Path::new("/repo/runs/sweeps/s")).unwrap();
//! assert!(moved.contains("path = \"../../../target/release/libp.so\""), "{moved}");
//! // An absolute path, or no plugin, leaves the text as it is.
//! let plain = "name = \"x\"\n[data]\ntask = \"composition\"\n";
//! assert_eq!(rebase_plugin_path(plain, Path::new("/a"), Path::new("/b")).unwrap(), plain);
//! ```

use grokked_model::error::{GrokError, Result};
use std::path::{Component, Path, PathBuf};

/// `text` (a run config from a file in `from_dir`) as it must read from a file in `to_dir`.
pub fn rebase_plugin_path(text: &str, from_dir: &Path, to_dir: &Path) -> Result<String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| GrokError::Invalid(e.to_string()))?;
    let path = doc
        .get("model")
        .and_then(|m| m.get("plugin"))
        .and_then(|p| p.get("path"))
        .and_then(|p| p.as_str());
    let Some(path) = path.filter(|p| Path::new(p).is_relative()) else {
        return Ok(text.to_string());
    };
    let library = lexical(&absolute(from_dir)?.join(path));
    let rebased = relative(&lexical(&absolute(to_dir)?), &library);
    let rebased = rebased.to_string_lossy().replace('\\', "/");
    for quote in ['"', '\''] {
        let old = format!("{quote}{path}{quote}");
        if let Some(at) = text.find(&old) {
            let mut out = text.to_string();
            out.replace_range(at..at + old.len(), &format!("\"{rebased}\""));
            return Ok(out);
        }
    }
    Err(GrokError::Invalid(format!(
        "the plugin path `{path}` is not written as a plain string; write it as \
         path = \"{path}\" so that copies of this config can be pointed at the library"
    )))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| GrokError::io(p, e))
}

/// `p` with `.` and `..` resolved by name (no file system access).
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The path from the folder `base` to `target` (both absolute and lexical).
fn relative(base: &Path, target: &Path) -> PathBuf {
    let (b, t): (Vec<_>, Vec<_>) = (base.components().collect(), target.components().collect());
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_reaches_the_same_library_from_its_folder() {
        let text = "name = \"x\"\n# a comment stays\n[data]\ntask = \"composition\"\n\
                    [model.plugin]\npath = 'lib/./libp.so'\noptions = { n = 2 }\n";
        let moved = rebase_plugin_path(text, Path::new("/r/a/b"), Path::new("/r/c")).unwrap();
        assert!(moved.contains("path = \"../a/b/lib/libp.so\""), "{moved}");
        assert!(moved.contains("# a comment stays") && moved.contains("options = { n = 2 }"));
        // Resolved from the new folder, the path names the same file.
        let back = lexical(&Path::new("/r/c").join("../a/b/lib/libp.so"));
        assert_eq!(back, Path::new("/r/a/b/lib/libp.so"));
        // The same folder gives the same path, normalised.
        let same = rebase_plugin_path(text, Path::new("/r/a"), Path::new("/r/a")).unwrap();
        assert!(same.contains("path = \"lib/libp.so\""), "{same}");
    }
}
