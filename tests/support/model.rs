//! Models shared by the facade's end-to-end tests (the crates' own tests include `support/mod.rs`
//! too, so what needs the facade lives here).

use grokked::model::{GptConfig, GptSize};

/// The small GPT-2 that the plugin tests attach modules to: 10 tokens, 8 positions, 2 blocks 16
/// wide with 2 heads.
pub fn two_layer_config() -> GptConfig {
    GptConfig::new(GptSize {
        vocab_size: 10,
        n_positions: 8,
        n_layer: 2,
        n_embd: 16,
        n_head: 2,
    })
}
