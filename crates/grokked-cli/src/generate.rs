//! `grokked generate`: the tutorial's first example on a Hugging Face GPT-2 folder.

use anyhow::Context;
use clap::Args;
use grokked_core::model::bpe::Gpt2Tokenizer;
use grokked_core::model::generate::{generate, Decoding, GenerateOpts};
use grokked_core::model::hf;
use std::path::PathBuf;

/// Arguments of `grokked generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Model folder (config.json + model.safetensors; tokenizer files optional).
    #[arg(long)]
    model: PathBuf,
    /// The text to continue.
    #[arg(long)]
    prompt: String,
    /// Total length in tokens, prompt included.
    #[arg(long, default_value_t = 50)]
    max_length: usize,
    /// Sample instead of greedy decoding.
    #[arg(long)]
    sample: bool,
    /// Sampling temperature.
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// Sample among the K most likely tokens only.
    #[arg(long)]
    top_k: Option<usize>,
    /// Sample from the smallest set of tokens whose probability reaches P.
    #[arg(long)]
    top_p: Option<f64>,
    /// Seed of the sampler.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also print the token ids (prompt included), space-separated, on the last line.
    #[arg(long)]
    print_ids: bool,
}

/// Runs the subcommand.
pub fn run(a: GenerateArgs) -> anyhow::Result<()> {
    let device = tch::Device::cuda_if_available();
    let model = hf::load_folder(&a.model, device)
        .with_context(|| format!("loading model folder {}", a.model.display()))?;
    let tok = Gpt2Tokenizer::for_model_dir(&a.model)?;
    let prompt = tok.encode(&a.prompt)?;
    let decoding = if a.sample {
        Decoding::Sample {
            temperature: a.temperature,
            top_k: a.top_k,
            top_p: a.top_p,
        }
    } else {
        Decoding::Greedy
    };
    let opts = GenerateOpts {
        max_length: a.max_length,
        decoding,
        seed: a.seed,
        stop_token: model.config().eos_token_id,
        use_cache: true,
    };
    let out = generate(&model.gpt, &[prompt], &opts)?.remove(0);
    println!("{}", tok.decode(&out)?);
    if a.print_ids {
        let ids: Vec<String> = out.iter().map(i64::to_string).collect();
        println!("{}", ids.join(" "));
    }
    Ok(())
}
