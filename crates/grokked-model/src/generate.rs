//! Text generation: greedy decoding and sampling (temperature, top-k, top-p), seeded, with a
//! stop token, batched prompts (left padding) and a key/value cache.
//!
//! ```
//! use grokked_model::{generate::{generate, GenerateOpts}, GptConfig, GptModel, GptSize};
//! let model = GptModel::new(GptConfig::new(GptSize { vocab_size: 30, n_positions: 16, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let out = generate(&model.gpt, &[vec![1, 2, 3], vec![4]], &GenerateOpts::greedy(8)).unwrap();
//! assert_eq!(out[0].len(), 8);
//! assert_eq!(&out[1][..1], &[4]);
//! ```

use super::gpt::{ForwardOpts, Gpt, KvCache};
use super::hooks::NoHooks;
use crate::error::{GrokError, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

/// How the next token is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decoding {
    /// The most likely token.
    Greedy,
    /// A draw from the softmax of `logits / temperature`, restricted to the `top_k` most likely
    /// tokens and then to the smallest set whose probability reaches `top_p`.
    Sample {
        /// Divides the logits; must be positive.
        temperature: f64,
        /// Keep only this many candidates (`None`: all).
        top_k: Option<usize>,
        /// Keep the smallest prefix of candidates whose mass reaches this (`None`: all).
        top_p: Option<f64>,
    },
}

/// Options of [`generate`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOpts {
    /// Total length of each output, prompt included (Hugging Face's `max_length`).
    pub max_length: usize,
    /// Greedy or sampling.
    pub decoding: Decoding,
    /// Seed of the sampling generator.
    pub seed: u64,
    /// Generation of a sequence stops after this token.
    pub stop_token: Option<i64>,
    /// Whether to reuse past keys and values (one position per new token) or recompute all.
    pub use_cache: bool,
}

impl GenerateOpts {
    /// Greedy decoding to `max_length` tokens with the cache on.
    pub fn greedy(max_length: usize) -> Self {
        GenerateOpts {
            max_length,
            decoding: Decoding::Greedy,
            seed: 0,
            stop_token: None,
            use_cache: true,
        }
    }
}

/// Applies temperature, top-k and top-p to `logits` and returns normalised probabilities.
pub fn sampling_probs(
    logits: &[f32],
    temperature: f64,
    top_k: Option<usize>,
    top_p: Option<f64>,
) -> Result<Vec<f64>> {
    if temperature <= 0.0 || !temperature.is_finite() {
        return Err(GrokError::Invalid(format!(
            "temperature must be positive, got {temperature}"
        )));
    }
    if let Some(p) = top_p.filter(|p| !(*p > 0.0 && *p <= 1.0)) {
        return Err(GrokError::Invalid(format!(
            "top_p must be in (0, 1], got {p}"
        )));
    }
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    let keep_k = top_k.unwrap_or(order.len()).clamp(1, order.len());
    order.truncate(keep_k);
    let max = logits[order[0]] as f64 / temperature;
    let weights: Vec<f64> = order
        .iter()
        .map(|&i| (logits[i] as f64 / temperature - max).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let mut keep = weights.len();
    if let Some(p) = top_p {
        let mut mass = 0.0;
        for (n, w) in weights.iter().enumerate() {
            mass += w / total;
            if mass >= p {
                keep = n + 1;
                break;
            }
        }
    }
    let kept_total: f64 = weights[..keep].iter().sum();
    let mut probs = vec![0.0; logits.len()];
    for (n, &i) in order[..keep].iter().enumerate() {
        probs[i] = weights[n] / kept_total;
    }
    Ok(probs)
}

fn draw(probs: &[f64], rng: &mut ChaCha8Rng) -> i64 {
    let u: f64 = rng.gen();
    let mut acc = 0.0;
    let mut last = 0;
    for (i, &p) in probs.iter().enumerate() {
        if p > 0.0 {
            acc += p;
            last = i;
            if u < acc {
                return i as i64;
            }
        }
    }
    last as i64
}

fn next_tokens(logits: &Tensor, decoding: Decoding, rng: &mut ChaCha8Rng) -> Result<Vec<i64>> {
    match decoding {
        Decoding::Greedy => Ok(Vec::<i64>::try_from(logits.argmax(-1, false))?),
        Decoding::Sample {
            temperature,
            top_k,
            top_p,
        } => {
            let rows = Vec::<Vec<f32>>::try_from(logits.to_kind(Kind::Float))?;
            rows.iter()
                .map(|row| Ok(draw(&sampling_probs(row, temperature, top_k, top_p)?, rng)))
                .collect()
        }
    }
}

/// Left-pads `prompts` into ids and a mask `[batch, longest]`.
pub fn left_pad(prompts: &[Vec<i64>], pad: i64, device: Device) -> (Tensor, Tensor) {
    let width = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(prompts.len() * width);
    let mut mask = Vec::with_capacity(prompts.len() * width);
    for p in prompts {
        let pad_n = width - p.len();
        ids.extend(std::iter::repeat_n(pad, pad_n).chain(p.iter().copied()));
        mask.extend(std::iter::repeat_n(0i64, pad_n).chain(std::iter::repeat_n(1, p.len())));
    }
    let shape = [prompts.len() as i64, width as i64];
    (
        Tensor::from_slice(&ids).view(shape).to_device(device),
        Tensor::from_slice(&mask).view(shape).to_device(device),
    )
}

/// Continues each prompt to `opts.max_length` tokens (or up to and including the stop token).
/// Returns each sequence with its prompt and without padding.
pub fn generate(gpt: &Gpt, prompts: &[Vec<i64>], opts: &GenerateOpts) -> Result<Vec<Vec<i64>>> {
    let n_pos = gpt.cfg.n_positions;
    if prompts.is_empty() || prompts.iter().any(Vec::is_empty) {
        return Err(GrokError::Invalid(
            "every prompt needs at least one token".into(),
        ));
    }
    let longest = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let shortest = prompts.iter().map(Vec::len).min().unwrap_or(0);
    if longest as i64 > n_pos {
        return Err(GrokError::Limit {
            what: "prompt length".into(),
            got: longest as i64,
            limit: n_pos,
            name: "n_positions".into(),
        });
    }
    if opts.max_length as i64 > n_pos {
        return Err(GrokError::Limit {
            what: "max_length".into(),
            got: opts.max_length as i64,
            limit: n_pos,
            name: "n_positions".into(),
        });
    }
    let device = gpt.wte.ws.device();
    let pad = opts.stop_token.unwrap_or(0);
    let (mut ids, mut mask) = left_pad(prompts, pad, device);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut out: Vec<Vec<i64>> = prompts.to_vec();
    let mut done: Vec<bool> = prompts.iter().map(|p| p.len() >= opts.max_length).collect();
    let mut cache = KvCache::new(gpt.blocks.len());
    // A plugin sees whole sequences, so with one in place every step recomputes from the start.
    let use_cache = opts.use_cache && gpt.plugin.is_none();
    let mut step_input = ids.shallow_clone();
    tch::no_grad(|| -> Result<()> {
        for _ in shortest..opts.max_length {
            if done.iter().all(|d| *d) {
                break;
            }
            let mut hook = NoHooks;
            let fwd = ForwardOpts {
                attention_mask: Some(&mask),
                cache: use_cache.then_some(&mut cache),
                hook: &mut hook,
                train: false,
                trusted_ids: false,
            };
            let input = if use_cache { &step_input } else { &ids };
            let logits = gpt.forward_with(input, fwd)?.select(1, -1);
            let next = next_tokens(&logits, opts.decoding, &mut rng)?;
            let mut fed = Vec::with_capacity(next.len());
            for (row, &tok) in next.iter().enumerate() {
                if done[row] {
                    fed.push(pad);
                    continue;
                }
                out[row].push(tok);
                fed.push(tok);
                done[row] = Some(tok) == opts.stop_token || out[row].len() >= opts.max_length;
            }
            step_input = Tensor::from_slice(&fed).view([-1, 1]).to_device(device);
            ids = Tensor::cat(&[&ids, &step_input], 1);
            mask = Tensor::cat(&[&mask, &Tensor::ones_like(&step_input)], 1);
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_and_top_p_filter() {
        let logits = [3.0f32, 2.0, 1.0, 0.0];
        let p = sampling_probs(&logits, 1.0, Some(2), None).unwrap();
        assert!(p[2] == 0.0 && p[3] == 0.0);
        let e = [1.0f64, (-1.0f64).exp()];
        assert!((p[0] - e[0] / (e[0] + e[1])).abs() < 1e-12);
        // Mass of the top token alone is about 0.64, so top_p 0.5 keeps just it.
        let p = sampling_probs(&logits, 1.0, None, Some(0.5)).unwrap();
        assert_eq!(p, vec![1.0, 0.0, 0.0, 0.0]);
        assert!(sampling_probs(&logits, 0.0, None, None).is_err());
        assert!(sampling_probs(&logits, 1.0, None, Some(1.5)).is_err());
    }

    #[test]
    fn draws_follow_probabilities() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let probs = [0.25, 0.0, 0.75];
        let n = 20_000;
        let hits = (0..n).filter(|_| draw(&probs, &mut rng) == 2).count() as f64 / n as f64;
        assert!((hits - 0.75).abs() < 0.02, "{hits}");
    }
}
