//! The committed notebooks: outputs stripped, the Rust kernel, one dependency (the facade by
//! relative path) declared once, and the tutorial's parts in order.

use std::path::Path;

fn notebooks() -> Vec<(String, serde_json::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let mut out: Vec<(String, serde_json::Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let nb = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, nb)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn source(cell: &serde_json::Value) -> String {
    match &cell["source"] {
        serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

#[test]
fn notebooks_are_stripped_and_depend_only_on_the_facade() {
    let all = notebooks();
    assert!(all.len() >= 12, "{} notebooks", all.len());
    for (name, nb) in &all {
        assert_eq!(
            nb["metadata"]["kernelspec"]["name"], "grokked-rust",
            "{name}: kernel"
        );
        let cells = nb["cells"].as_array().unwrap();
        let mut deps = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            if cell["cell_type"] != "code" {
                continue;
            }
            let outputs = cell["outputs"].as_array().map_or(0, Vec::len);
            assert_eq!(outputs, 0, "{name}: cell {} has outputs", i + 1);
            assert!(cell["execution_count"].is_null(), "{name}: cell {}", i + 1);
            let src = source(cell);
            deps.extend(
                src.lines()
                    .filter(|l| l.trim_start().starts_with(":dep"))
                    .map(|l| l.trim().to_string()),
            );
        }
        assert_eq!(
            deps,
            [":dep grokked = { path = \"..\" }"],
            "{name}: dependencies"
        );
    }
}

#[test]
fn notebooks_follow_the_tutorial_in_order() {
    let names: Vec<String> = notebooks().into_iter().map(|(n, _)| n).collect();
    let parts = [
        "introduction",
        "architecture",
        "datasets",
        "training",
        "evaluation",
        "multistep-exceptions",
        "reasoning-in-practice",
        "external-knowledge",
        "interpretability",
        "future-directions",
        "summary",
        "what-controls-grokking",
        "multi-hop-and-loops",
    ];
    let expected: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:02}-{p}.ipynb", i + 1))
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn notebooks_link_the_paper_and_end_with_exercises() {
    for (name, nb) in notebooks() {
        let text: String = nb["cells"].as_array().unwrap().iter().map(source).collect();
        assert!(
            text.contains("arxiv.org/abs/2405.15071")
                && text.contains("github.com/OSU-NLP-Group/GrokkedTransformer"),
            "{name}: links to the paper and its code"
        );
        if !name.contains("summary") {
            assert!(text.contains("**Exercises.**"), "{name}: exercises");
        }
    }
}

#[test]
fn the_shipped_results_the_notebooks_read_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut read = 0;
    for (name, nb) in notebooks() {
        for cell in nb["cells"].as_array().unwrap() {
            let src = source(cell);
            for (i, _) in src.match_indices("../datasets/results/") {
                let rest = &src[i + 3..];
                let end = rest.find(['"', ')']).unwrap();
                let path = root.join(&rest[..end]);
                assert!(path.exists(), "{name}: {} is not shipped", path.display());
                read += 1;
            }
        }
    }
    assert!(read >= 5, "the notebooks read the shipped sweep results");
}
