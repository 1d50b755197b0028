//! The notebook runner (`scripts/notebooks.sh`) through the real Jupyter protocol and the evcxr
//! kernel, on fixture notebooks: a passing notebook exits 0 and leaves an executed copy with its
//! outputs; a panicking cell and a cell that does not compile each make it exit non-zero and show
//! the error. The runner installs evcxr_jupyter on first use (the test command runs it first).

use std::path::Path;
use std::process::{Command, Output};

fn run_fixture(name: &str, out: &Path) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::new("bash")
        .arg(root.join("scripts/notebooks.sh"))
        .arg(root.join(format!("notebooks/fixtures/{name}.ipynb")))
        .env("GROKKED_NOTEBOOK_OUT", out)
        .output()
        .expect("bash runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a fixture that must fail, checks that its error output shows `error`, and returns it.
fn failure_of(name: &str, out: &Path, error: &str) -> String {
    let run = run_fixture(name, out);
    let err = text(&run.stderr);
    assert!(!run.status.success(), "fixture {name} passed:\n{err}");
    assert!(err.contains(error), "{err}");
    err
}

// One test runs the fixtures one after another: notebooks never run concurrently.
#[test]
fn failing_cells_fail_the_runner_and_passing_notebooks_keep_their_outputs() {
    let out = tempfile::tempdir().unwrap();

    let passing = run_fixture("passing", out.path());
    assert!(passing.status.success(), "{}", text(&passing.stderr));
    let executed = std::fs::read_to_string(out.path().join("passing.ipynb")).unwrap();
    let nb: serde_json::Value = serde_json::from_str(&executed).unwrap();
    let printed: String = nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["outputs"].as_array().cloned().unwrap_or_default())
        .map(|o| o["text"].to_string())
        .collect();
    assert!(printed.contains("answer 42"), "outputs: {printed}");

    let err = failure_of("panicking", out.path(), "fixture assertion that fails");
    assert!(!err.contains("never reached"), "{err}");
    failure_of("compile-error", out.path(), "mismatched types");
}
