//! Helpers shared by the end-to-end tests: the Python peer in the project's venv, and a table
//! column as text.

#![allow(dead_code)]

use polars::prelude::{DataFrame, DataType};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A table column's values as text (numbers formatted, a missing value as ""), to compare with
/// the expected values.
pub fn column_text(df: &DataFrame, name: &str) -> Vec<String> {
    let c = df.column(name).unwrap().cast(&DataType::String).unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

/// The workspace root (the tests of member crates share this module through `#[path]`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("tests/python").is_dir())
        .expect("workspace root with tests/python")
        .to_path_buf()
}

/// The venv's python. The suite fails, never skips, when the venv is missing: the README's test
/// command installs it.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("GROKKED_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"));
    let py = venv.join("bin").join("python");
    assert!(
        py.is_file(),
        "Python peer missing at {}: run the README's test command, which installs the venv",
        py.display()
    );
    py
}

/// Runs `tests/python/SCRIPT args...` and returns its stdout, failing the test on a non-zero exit.
pub fn run_py(script: &str, args: &[&str]) -> String {
    let path = workspace_root().join("tests/python").join(script);
    success_stdout(Command::new(python()).arg(&path).args(args))
}

/// Runs `cmd` and returns its stdout, failing the test with its stderr on a non-zero exit.
pub fn success_stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("start the command");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A plugin library of the workspace (`target/<profile>/lib<name>.so`, next to the test binary's
/// `deps/` folder), which the test command builds before the tests.
pub fn plugin_library(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let file = format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = dir.join(file);
    assert!(
        path.is_file(),
        "{} missing: the test command builds the plugin packages first",
        path.display()
    );
    path
}

/// Where the constructor-marker fixture library leaves its marker when process `pid` loads it.
pub fn constructor_marker(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("grokked-constructor-marker-{pid}"))
}

/// Copies the folder `from` into `to` (created), files and subfolders alike.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
