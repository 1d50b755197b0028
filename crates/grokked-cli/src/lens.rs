//! `grokked lens`: the lens on any GPT-2 model folder (a checkpoint or a Hugging Face folder):
//! activation caches, integrated gradients and the logit lens.

use crate::trust::TrustArgs;
use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use grokked_lens::cache::{run_with_cache_at, save_cache};
use grokked_lens::integrated_gradients::{
    integrated_gradients, Baseline, IgOptions, IgTarget, Method,
};
use grokked_lens::logit_lens::top_tokens;
use grokked_model::bpe::Gpt2Tokenizer;
use grokked_model::{hf, GptModel, HookSite};
use std::path::{Path, PathBuf};
use tch::Tensor;

/// `grokked lens ...`
#[derive(Subcommand)]
pub enum LensCommand {
    /// Write the activations of one sequence at the named hook sites (all when none is named) to
    /// a safetensors file, keyed by TransformerLens's site names (`blocks.0.attn.hook_q`, ...) and
    /// in its shapes.
    Cache(CacheArgs),
    /// Integrated gradients of one output logit, as one JSON object on stdout.
    ///
    /// What is attributed: the logit (before softmax) of token TARGET at position POSITION.
    /// Attributions are taken on the token embeddings (the output of `wte`, before position
    /// embeddings are added) along the straight path from the baseline, and summed over the
    /// embedding dimension per token. Baselines: `zero` (all-zero token embeddings) or `pad`
    /// (the pad token's embedding at every position: the config's pad_token_id, else its
    /// eos_token_id). The quadrature rules and their nodes and weights are captum's; the
    /// reference is captum's `IntegratedGradients` over `inputs_embeds` of Hugging Face's
    /// `GPT2LMHeadModel`. The JSON holds `per_token`, `delta` (sum of attributions minus
    /// f(input) - f(baseline): the completeness gap), `method` and `steps`.
    Ig(IgArgs),
    /// The logit lens: the most likely next tokens read from the residual stream after every
    /// stage, at every position.
    LogitLens(LogitLensArgs),
}

/// The model and input every lens command takes.
#[derive(Args)]
pub struct Input {
    /// A GPT-2 model folder (config.json + model.safetensors; tokenizer files optional).
    #[arg(long)]
    model: PathBuf,
    /// Token ids of one sequence, separated by spaces or commas (e.g. "464 2068 7586").
    #[arg(long)]
    ids: String,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    overrides: crate::overrides::OverrideArgs,
}

impl Input {
    fn load(&self) -> anyhow::Result<(GptModel, Tensor)> {
        let policy = self
            .trust
            .policy()
            .with_overrides(self.overrides.overrides()?);
        let model = hf::load_folder_with(&self.model, tch::Device::Cpu, &policy)
            .with_context(|| format!("loading model folder {}", self.model.display()))?;
        let ids = parse_ids(&self.ids, model.config().vocab_size)?;
        let n = ids.len() as i64;
        Ok((model, Tensor::from_slice(&ids).view([1, n])))
    }
}

fn parse_ids(text: &str, vocab: i64) -> anyhow::Result<Vec<i64>> {
    let ids = text
        .split([' ', ','])
        .filter(|t| !t.is_empty())
        .map(|t| {
            let id: i64 = t
                .parse()
                .with_context(|| format!("--ids: `{t}` is not a token id"))?;
            if !(0..vocab).contains(&id) {
                bail!("--ids: {id} is outside the model's vocabulary [0, {vocab})");
            }
            Ok(id)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if ids.is_empty() {
        bail!("--ids: no token ids given");
    }
    Ok(ids)
}

/// Arguments of `grokked lens cache`.
#[derive(Args)]
pub struct CacheArgs {
    #[command(flatten)]
    input: Input,
    /// A hook site to cache, e.g. `blocks.1.hook_resid_post` (repeatable; default: every site).
    #[arg(long = "site", value_name = "NAME")]
    sites: Vec<String>,
    /// The safetensors file to write.
    #[arg(long)]
    out: PathBuf,
}

/// The quadrature rules, by captum's names.
#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum MethodArg {
    #[value(name = "gausslegendre")]
    GaussLegendre,
    RiemannLeft,
    RiemannRight,
    RiemannMiddle,
    RiemannTrapezoid,
}

/// The baselines of `lens ig`.
#[derive(Clone, Copy, ValueEnum)]
enum BaselineArg {
    /// All-zero token embeddings.
    Zero,
    /// The pad token's embedding at every position.
    Pad,
}

/// Arguments of `grokked lens ig`.
#[derive(Args)]
pub struct IgArgs {
    #[command(flatten)]
    input: Input,
    /// The position whose output is attributed (0-based; negative counts from the end).
    #[arg(long, allow_hyphen_values = true)]
    position: i64,
    /// The token whose logit at POSITION is attributed.
    #[arg(long)]
    target: i64,
    /// Points on the path from the baseline to the input.
    #[arg(long, default_value_t = 64)]
    steps: usize,
    /// The quadrature rule.
    #[arg(long, value_enum, default_value = "gausslegendre")]
    method: MethodArg,
    /// The baseline.
    #[arg(long, value_enum, default_value = "zero")]
    baseline: BaselineArg,
}

/// Arguments of `grokked lens logit-lens`.
#[derive(Args)]
pub struct LogitLensArgs {
    #[command(flatten)]
    input: Input,
    /// Tokens shown per layer and position.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

/// Runs a `lens` subcommand.
pub fn run(cmd: LensCommand) -> anyhow::Result<()> {
    match cmd {
        LensCommand::Cache(a) => cache(a),
        LensCommand::Ig(a) => ig(a),
        LensCommand::LogitLens(a) => logit_lens(a),
    }
}

fn cache(a: CacheArgs) -> anyhow::Result<()> {
    let (model, ids) = a.input.load()?;
    let sites = a
        .sites
        .iter()
        .map(|s| HookSite::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let known = model.gpt.sites();
    if let Some(s) = sites.iter().find(|s| !known.contains(s)) {
        let plugin_sites: Vec<String> = known
            .iter()
            .filter(|k| matches!(k, HookSite::Plugin(_)))
            .map(|k| k.to_string())
            .collect();
        let plugin = if model.gpt.plugin.is_none() {
            String::new()
        } else if plugin_sites.is_empty() {
            "; its plugin has plugin.hook_in and plugin.hook_out and declares no sites".into()
        } else {
            format!(
                "; its plugin has plugin.hook_in, plugin.hook_out and {}",
                plugin_sites.join(", ")
            )
        };
        bail!(
            "--site {s}: this model has no such site (its blocks are layers {:?}{plugin})",
            model.gpt.layer_ids
        );
    }
    let (_, cache) = run_with_cache_at(&model.gpt, &ids, &sites)?;
    save_cache(&cache, &a.out)?;
    println!("{} activations -> {}", cache.len(), a.out.display());
    Ok(())
}

fn ig(a: IgArgs) -> anyhow::Result<()> {
    let (model, ids) = a.input.load()?;
    let len = ids.size()[1];
    let position = if a.position < 0 {
        len + a.position
    } else {
        a.position
    };
    if !(0..len).contains(&position) {
        bail!("--position {}: the sequence has {len} tokens", a.position);
    }
    let vocab = model.config().vocab_size;
    if !(0..vocab).contains(&a.target) {
        bail!("--target {}: outside the vocabulary [0, {vocab})", a.target);
    }
    let method = match a.method {
        MethodArg::GaussLegendre => Method::GaussLegendre,
        MethodArg::RiemannLeft => Method::RiemannLeft,
        MethodArg::RiemannRight => Method::RiemannRight,
        MethodArg::RiemannMiddle => Method::RiemannMiddle,
        MethodArg::RiemannTrapezoid => Method::RiemannTrapezoid,
    };
    let baseline = match a.baseline {
        BaselineArg::Zero => Baseline::Zeros,
        BaselineArg::Pad => Baseline::Token(model.config().pad_token_id().with_context(|| {
            format!(
                "--baseline pad: {} names neither pad_token_id nor eos_token_id",
                a.input.model.join(hf::CONFIG_FILE).display()
            )
        })?),
    };
    let target = IgTarget {
        position,
        token: a.target,
        prob: false,
    };
    let opts = IgOptions {
        n_steps: a.steps,
        method,
        ..Default::default()
    };
    let res = integrated_gradients(&model.gpt, &ids, target, baseline, &opts)?;
    let json = serde_json::json!({
        "per_token": res.per_token,
        "delta": res.delta,
        "method": method.name(),
        "steps": a.steps,
        "position": position,
        "target": a.target,
        "baseline": match a.baseline { BaselineArg::Zero => "zero", BaselineArg::Pad => "pad" },
    });
    println!("{json}");
    Ok(())
}

fn logit_lens(a: LogitLensArgs) -> anyhow::Result<()> {
    let (model, ids) = a.input.load()?;
    let tok = tokenizer(&a.input.model);
    let df = top_tokens(&model.gpt, &ids, a.top)?;
    let col = |n: &str| df.column(n).map_err(|e| anyhow::anyhow!("{e}"));
    let (layer, site, pos) = (
        col("layer")?.i64()?,
        col("site")?.str()?,
        col("position")?.i64()?,
    );
    let (token, prob) = (col("token")?.i64()?, col("prob")?.f64()?);
    let inputs: Vec<i64> = Vec::try_from(ids.get(0))?;
    let mut line = String::new();
    for i in 0..df.height() {
        let (l, p) = (layer.get(i).unwrap_or(0), pos.get(i).unwrap_or(0));
        let t = token.get(i).unwrap_or(0);
        if line.is_empty() {
            let input = show(&tok, inputs[p as usize]);
            line = format!(
                "layer {l} ({}) pos {p} {input:>12} ->",
                site.get(i).unwrap_or("")
            );
        }
        line += &format!("  {} {:.3}", show(&tok, t), prob.get(i).unwrap_or(0.0));
        let last_of_row =
            i + 1 == df.height() || pos.get(i + 1) != Some(p) || layer.get(i + 1) != Some(l);
        if last_of_row {
            println!("{line}");
            line.clear();
        }
    }
    Ok(())
}

/// The folder's GPT-2 tokenizer, for showing tokens as `ID:"text"`.
fn tokenizer(dir: &Path) -> Option<Gpt2Tokenizer> {
    Gpt2Tokenizer::for_model_dir(dir).ok()
}

fn show(tok: &Option<Gpt2Tokenizer>, id: i64) -> String {
    match tok.as_ref().and_then(|t| t.decode(&[id]).ok()) {
        Some(text) => format!("{id}:{text:?}"),
        None => id.to_string(),
    }
}
