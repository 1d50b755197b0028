//! Logit and generation parity with Hugging Face transformers on the same weights, both ways.

mod support;

use grokked::model::safetensors_io::read_tensors;
use grokked::prelude::*;
use support::run_py;

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

const IDS: &str =
    "[[464, 2068, 7586, 21831, 18045, 625, 262, 16931], [50256, 11, 13, 0, 999, 31337, 42, 7]]";

fn ids() -> Tensor {
    let rows: Vec<Vec<i64>> = serde_json::from_str(IDS).unwrap();
    Tensor::from_slice2(&rows)
}

fn hf_logits(dir: &std::path::Path) -> Tensor {
    let out = dir.join("hf_logits.safetensors");
    run_py(
        "hf_peer.py",
        &["logits", dir.to_str().unwrap(), IDS, out.to_str().unwrap()],
    );
    read_tensors(&out).unwrap().remove(0).1
}

#[test]
fn python_checkpoint_loads_with_equal_logits_and_greedy_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    run_py("hf_peer.py", &["random", d, "3", "2", "64", "4"]);
    let model = hf::load_folder(dir.path(), Device::Cpu).unwrap();
    let ours = tch::no_grad(|| model.gpt.forward(&ids(), false)).unwrap();
    let diff = max_abs_diff(&ours, &hf_logits(dir.path()));
    println!("python -> rust max abs logit difference: {diff:e}");
    assert!(diff < 1e-4, "max abs logit difference {diff}");

    let prompt = "[[464, 2068, 7586, 21831]]";
    let theirs: Vec<Vec<i64>> =
        serde_json::from_str(&run_py("hf_peer.py", &["greedy", d, prompt, "24"])).unwrap();
    let ours = generate(
        &model.gpt,
        &[vec![464, 2068, 7586, 21831]],
        &GenerateOpts::greedy(24),
    )
    .unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn rust_checkpoint_loads_in_python_with_equal_logits() {
    let dir = tempfile::tempdir().unwrap();
    let model = with_seed(11, || {
        GptModel::new(
            GptConfig::new(GptSize {
                vocab_size: 50257,
                n_positions: 64,
                n_layer: 2,
                n_embd: 64,
                n_head: 4,
            }),
            Device::Cpu,
        )
    })
    .unwrap();
    hf::save_folder(&model, dir.path()).unwrap();
    let ours = tch::no_grad(|| model.gpt.forward(&ids(), false)).unwrap();
    let diff = max_abs_diff(&ours, &hf_logits(dir.path()));
    println!("rust -> python max abs logit difference: {diff:e}");
    assert!(diff < 1e-4, "max abs logit difference {diff}");
}

#[test]
fn tokenizer_matches_gpt2_tokenizer_fast() {
    let dir = tempfile::tempdir().unwrap();
    Gpt2Tokenizer::write_gpt2_files(dir.path()).unwrap();
    let text =
        "Héllo wörld!  Ünïcode ✓ 日本語\n\n\tTabs,   runs of   spaces, digits 1234567 and 3.14159.";
    let file = dir.path().join("text.txt");
    std::fs::write(&file, text).unwrap();
    let p = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    let theirs: Vec<i64> = serde_json::from_str(&run_py(
        "hf_peer.py",
        &[
            "tokenize",
            &p("vocab.json"),
            &p("merges.txt"),
            &p("text.txt"),
        ],
    ))
    .unwrap();
    let tok = Gpt2Tokenizer::gpt2().unwrap();
    let ours = tok.encode(text).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(tok.decode(&ours).unwrap(), text);
    let from_files = Gpt2Tokenizer::from_files(
        &dir.path().join("vocab.json"),
        &dir.path().join("merges.txt"),
    )
    .unwrap();
    assert_eq!(from_files.encode(text).unwrap(), theirs);
}
