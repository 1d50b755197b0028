//! `grokked generate`: the tutorial's first example on a Hugging Face GPT-2 folder.

use crate::trust::TrustArgs;
use anyhow::{bail, Context};
use clap::Args;
use grokked_model::bpe::Gpt2Tokenizer;
use grokked_model::generate::{generate, Decoding, GenerateOpts};
use grokked_model::hf;
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
    /// Total length in tokens, prompt included (must exceed the prompt's length).
    #[arg(long, default_value_t = 50)]
    max_length: usize,
    /// Sample instead of greedy decoding.
    #[arg(long)]
    sample: bool,
    /// Sampling temperature (default 1; needs --sample).
    #[arg(long, requires = "sample")]
    temperature: Option<f64>,
    /// Sample among the K most likely tokens only (needs --sample).
    #[arg(long, requires = "sample")]
    top_k: Option<usize>,
    /// Sample from the smallest set of tokens whose probability reaches P (needs --sample).
    #[arg(long, requires = "sample")]
    top_p: Option<f64>,
    /// Seed of the sampler (default 0; needs --sample).
    #[arg(long, requires = "sample")]
    seed: Option<u64>,
    /// Also print the token ids (prompt included), space-separated, on the last line.
    #[arg(long)]
    print_ids: bool,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    overrides: crate::overrides::OverrideArgs,
}

/// Runs the subcommand.
pub fn run(a: GenerateArgs) -> anyhow::Result<()> {
    let device = tch::Device::cuda_if_available();
    let policy = a.trust.policy().with_overrides(a.overrides.overrides()?);
    let model = hf::load_folder_with(&a.model, device, &policy)
        .with_context(|| format!("loading model folder {}", a.model.display()))?;
    let tok = Gpt2Tokenizer::for_model_dir(&a.model)?;
    let prompt = tok.encode(&a.prompt)?;
    if a.max_length <= prompt.len() {
        bail!(
            "--max-length {} leaves nothing to generate: it counts the prompt, which is {} tokens",
            a.max_length,
            prompt.len()
        );
    }
    let decoding = if a.sample {
        Decoding::Sample {
            temperature: a.temperature.unwrap_or(1.0),
            top_k: a.top_k,
            top_p: a.top_p,
        }
    } else {
        Decoding::Greedy
    };
    let opts = GenerateOpts {
        max_length: a.max_length,
        decoding,
        seed: a.seed.unwrap_or(0),
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
