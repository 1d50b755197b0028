//! Official JSON both ways (with a file written by Python), the tokenizer in Python, and the
//! errors of malformed files.

#[path = "../../../tests/support/mod.rs"]
mod support;

use grokked_data::{
    io::official_json, tokens::tokenizer::TaskTokenizer, tokens::vocab, FactKind, Split,
};
use support::{python, success_stdout};

mod small_tasks;

fn run_python(code: &str, args: &[&str]) -> String {
    success_stdout(
        std::process::Command::new(python())
            .arg("-c")
            .arg(code)
            .args(args),
    )
}

#[test]
fn official_json_round_trips_every_task() {
    let tasks = small_tasks::one_of_each_kind();
    for data in tasks {
        let dir = tempfile::tempdir().unwrap();
        official_json::write(&data, dir.path()).unwrap();
        let back = official_json::read(dir.path()).unwrap();
        assert_eq!(
            (back.task, &back.vocab, &back.examples),
            (data.task, &data.vocab, &data.examples)
        );
    }
}

const WRITE_OFFICIAL: &str = r#"
import json, sys, os
d = sys.argv[1]
def item(c, t, ty=None):
    x = {"input_text": "".join(c), "target_text": "".join(c) + t + "</a>"}
    if ty: x["type"] = ty
    return x
train = [item(["<e_0>", "<r_1>"], "<e_2>"), item(["<e_2>", "<r_0>"], "<e_1>"), item(["<e_0>", "<r_1>", "<r_0>"], "<e_1>")]
test = [item(["<e_0>", "<r_1>"], "<e_2>", "id_atomic"), item(["<e_2>", "<r_0>", "<r_0>"], "<e_1>", "test_inferred_iid")]
vocab = ["<e_%d>" % i for i in range(3)] + ["<r_0>", "<r_1>", "<mask>", "<sep>", "<a>", "</a>", "<q>", "</q>"]
for name, obj in [("train", train), ("valid", []), ("test", test), ("vocab", vocab)]:
    json.dump(obj, open(os.path.join(d, name + ".json"), "w"))
"#;

#[test]
fn official_file_written_by_python_loads() {
    let dir = tempfile::tempdir().unwrap();
    run_python(WRITE_OFFICIAL, &[dir.path().to_str().unwrap()]);
    let data = official_json::read(dir.path()).unwrap();
    assert_eq!(data.count(Split::Train), 3);
    assert_eq!(data.vocab.len(), 11);
    let inferred = &data.examples[2];
    assert_eq!(inferred.kind, FactKind::Inferred);
    // (e_0, r_1) -> e_2 is the bridge, then (e_2, r_0) -> e_1.
    assert_eq!(
        inferred.fields,
        [Some(0), Some(1), Some(2), Some(0), Some(1)]
    );
    let test = &data.examples[4];
    assert_eq!(test.split, Split::TestInferredId);
    assert_eq!(test.answer_text(), "<e_1></a>");
}

#[test]
fn malformed_official_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    run_python(WRITE_OFFICIAL, &[dir.path().to_str().unwrap()]);
    let test = dir.path().join("test.json");
    std::fs::write(&test, "[{\"input_text\": \"<e_0><r_1>\",\n \"target_text\": \"<e_0><r_1><e_2></a>\" \"type\": 1}]").unwrap();
    let err = official_json::read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("test.json:2:"), "{err}");
    std::fs::write(
        &test,
        r#"[{"input_text": "<e_0><r_1>", "type": "id_atomic"}]"#,
    )
    .unwrap();
    let err = official_json::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("test.json") && err.contains("target_text"),
        "{err}"
    );
    std::fs::write(
        &test,
        r#"[{"input_text": "<e_0><r_1>", "target_text": "<e_0><r_1><e_2></a>", "type": "fancy"}]"#,
    )
    .unwrap();
    let err = official_json::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("test.json item 0") && err.contains("fancy"),
        "{err}"
    );
    std::fs::remove_file(dir.path().join("vocab.json")).unwrap();
    let err = official_json::read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("vocab.json"), "{err}");
}

#[test]
fn tokenizer_json_loads_in_python_with_equal_ids() {
    let dir = tempfile::tempdir().unwrap();
    let tok = TaskTokenizer::new(&vocab::comparison_vocab(50, 4, 20)).unwrap();
    let path = dir.path().join("tokenizer.json");
    tok.save(&path).unwrap();
    let text = "<attr_3><q><e_12><mask><e_40><attr_3_2></a>";
    let code = "import sys, json\nfrom tokenizers import Tokenizer\nt = Tokenizer.from_file(sys.argv[1])\nprint(json.dumps([t.get_vocab_size(), t.encode(sys.argv[2]).ids]))";
    let (size, ids): (usize, Vec<u32>) =
        serde_json::from_str(&run_python(code, &[path.to_str().unwrap(), text])).unwrap();
    assert_eq!(size, tok.vocab_size());
    assert_eq!(ids, tok.encode(text).unwrap());
    let back = TaskTokenizer::load(&path).unwrap();
    assert_eq!(back.vocab(), tok.vocab());
    assert_eq!(back.decode(&ids).unwrap(), text);
}
