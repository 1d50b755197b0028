//! Links libtorch (see `build/link_libtorch.rs`). GPT-2's vocabulary and merges, the default
//! tokenizer, are embedded from `datasets/gpt2/` (shipped with their license), so the build reads
//! nothing outside the repository.

include!("../../build/link_libtorch.rs");

fn main() {
    link_libtorch();
    println!("cargo:rerun-if-changed=build.rs");
}
