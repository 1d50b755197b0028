//! `grokked plugin new NAME`: a ready plugin crate, written into a temporary folder and renamed
//! into place, so an interrupted run leaves nothing half-written.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

const CARGO_TOML: &str = include_str!("template/Cargo.toml.in");
const BUILD_RS: &str = include_str!("template/build.rs.in");
const CONFIG_TOML: &str = include_str!("template/config.toml.in");
const LIB_RS: &str = include_str!("template/lib.rs.in");
const README: &str = include_str!("template/README.md.in");

/// Writes the crate `dir/name` depending on the SDK of the checkout `sdk`.
pub fn run(name: &str, dir: Option<PathBuf>, sdk: Option<PathBuf>) -> anyhow::Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        bail!("plugin name `{name}`: use lowercase letters, digits, `-` or `_`, starting with a letter");
    }
    let sdk = checkout(sdk)?;
    let dir = std::path::absolute(dir.unwrap_or_else(|| PathBuf::from(".")))?;
    let dest = dir.join(name);
    if dest.exists() {
        bail!(
            "{}: already exists; choose another name or --dir",
            dest.display()
        );
    }
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => std::path::absolute(PathBuf::from(t))?,
        None => sdk.join("target"),
    };
    let (edition, torch_sys) = workspace_versions(&sdk)?;
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{lib}}", &name.replace('-', "_"))
            .replace("{{sdk}}", &sdk.display().to_string())
            .replace("{{target_dir}}", &target_dir.display().to_string())
            .replace("{{edition}}", &edition)
            .replace("{{torch_sys}}", &torch_sys)
    };
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = |rel: &str, text: String| -> anyhow::Result<()> {
        let path = tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
        }
        std::fs::write(&path, text).with_context(|| path.display().to_string())
    };
    let result = (|| {
        write("Cargo.toml", fill(CARGO_TOML))?;
        write("build.rs", fill(BUILD_RS))?;
        write(".cargo/config.toml", fill(CONFIG_TOML))?;
        write("src/lib.rs", fill(LIB_RS))?;
        write("README.md", fill(README))?;
        write(".gitignore", "/target\n".into())?;
        let lock = sdk.join("Cargo.lock");
        std::fs::copy(&lock, tmp.join("Cargo.lock")).with_context(|| lock.display().to_string())?;
        std::fs::rename(&tmp, &dest).with_context(|| dest.display().to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    let lib = target_dir
        .join("release")
        .join(format!("lib{}.so", name.replace('-', "_")));
    println!("created {}", dest.display());
    println!("next:");
    println!("  . {}/scripts/env.sh", sdk.display());
    println!(
        "  cd {} && cargo test && cargo build --release",
        dest.display()
    );
    println!("  grokked plugin inspect {}", lib.display());
    Ok(())
}

/// The grokked checkout holding the SDK: `sdk`, or the one this command was built from.
fn checkout(sdk: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let given = sdk.is_some();
    let root = sdk.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let manifest = root.join("crates/grokked-plugin/Cargo.toml");
    if !manifest.is_file() {
        bail!(
            "{}: no grokked checkout here (looked for {}){}",
            root.display(),
            manifest.display(),
            if given {
                ""
            } else {
                "; pass --sdk PATH to a grokked checkout"
            }
        );
    }
    Ok(std::fs::canonicalize(&root)?)
}

/// The workspace's edition and its pinned `torch-sys` requirement.
fn workspace_versions(sdk: &Path) -> anyhow::Result<(String, String)> {
    let path = sdk.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let doc: toml::Value = toml::from_str(&text).with_context(|| path.display().to_string())?;
    let ws = doc.get("workspace");
    let field = |table: &str, key: &str| -> anyhow::Result<String> {
        let v = ws
            .and_then(|w| w.get(table))
            .and_then(|t| t.get(key))
            .with_context(|| format!("{}: no workspace.{table}.{key}", path.display()))?;
        v.as_str()
            .or_else(|| v.get("version").and_then(|v| v.as_str()))
            .map(str::to_string)
            .with_context(|| format!("{}: workspace.{table}.{key} has no version", path.display()))
    };
    Ok((
        field("package", "edition")?,
        field("dependencies", "torch-sys")?,
    ))
}
