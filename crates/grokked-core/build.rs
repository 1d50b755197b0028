//! Links libtorch (see `build/link_libtorch.rs`) and copies GPT-2's vocabulary and merges files,
//! which the `tiktoken-rs` package ships in its `assets/` folder, into `OUT_DIR` so the crate can
//! embed them as its default tokenizer.

include!("../../build/link_libtorch.rs");

use std::path::PathBuf;

const TIKTOKEN: &str = "tiktoken-rs-0.12.1";
const FILES: [&str; 2] = ["encoder.json", "vocab.bpe"];

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("neither CARGO_HOME nor HOME is set")
}

fn find_assets() -> PathBuf {
    let registry = cargo_home().join("registry").join("src");
    let vendored = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../vendor");
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&registry)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    roots.push(vendored);
    roots
        .into_iter()
        .map(|r| r.join(TIKTOKEN).join("assets"))
        .find(|a| a.join(FILES[0]).is_file())
        .unwrap_or_else(|| panic!("{TIKTOKEN}/assets not found under {}", registry.display()))
}

fn main() {
    link_libtorch();
    let assets = find_assets();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for f in FILES {
        std::fs::copy(assets.join(f), out.join(f)).expect("copy GPT-2 tokenizer file");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
