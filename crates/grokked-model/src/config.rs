//! [`GptConfig`]: the GPT-2 hyperparameters, read from and written to Hugging Face `config.json`.
//!
//! ```
//! use grokked_model::GptConfig;
//! let cfg = GptConfig::paper();
//! assert_eq!((cfg.n_layer, cfg.n_embd, cfg.n_head), (8, 768, 12));
//! let json = cfg.to_json().unwrap();
//! assert_eq!(GptConfig::from_json(&json).unwrap(), cfg);
//! ```

use crate::activation::Activation;
use crate::error::{GrokError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How fresh parameters are initialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    /// GPT-2's: normal(0, 0.02) weights, residual projections scaled by 1/sqrt(2 n_layer).
    #[default]
    Gpt2,
    /// PyTorch's module defaults (uniform(+-1/sqrt(fan_in)) linears, normal(0, 1) embeddings),
    /// which grok faster on the small composition task.
    Pytorch,
}

fn default_eps() -> f64 {
    1e-5
}
fn default_activation() -> String {
    "gelu_new".to_string()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_true() -> bool {
    true
}
fn default_init_range() -> f64 {
    0.02
}

/// GPT-2 hyperparameters with the field names of Hugging Face's `GPT2Config`.
///
/// Unknown fields of a `config.json` are kept in [`GptConfig::extra`] and written back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GptConfig {
    /// Number of token ids.
    pub vocab_size: i64,
    /// Longest sequence (number of learned positions).
    pub n_positions: i64,
    /// Residual stream width.
    pub n_embd: i64,
    /// Number of transformer blocks.
    pub n_layer: i64,
    /// Number of attention heads.
    pub n_head: i64,
    /// MLP hidden width; `None` means 4 * n_embd.
    #[serde(default)]
    pub n_inner: Option<i64>,
    /// LayerNorm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    /// Activation name, as Hugging Face spells it (see [`Activation::parse`]).
    #[serde(default = "default_activation")]
    pub activation_function: String,
    /// Dropout on the residual branches.
    #[serde(default = "default_dropout")]
    pub resid_pdrop: f64,
    /// Dropout on the embeddings.
    #[serde(default = "default_dropout")]
    pub embd_pdrop: f64,
    /// Dropout on the attention probabilities.
    #[serde(default = "default_dropout")]
    pub attn_pdrop: f64,
    /// Whether the LM head shares the token embedding matrix.
    #[serde(default = "default_true")]
    pub tie_word_embeddings: bool,
    /// Standard deviation of GPT-2's normal initialisation.
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
    /// Beginning-of-sequence token id.
    #[serde(default)]
    pub bos_token_id: Option<i64>,
    /// End-of-sequence token id (the default stop token of generation).
    #[serde(default)]
    pub eos_token_id: Option<i64>,
    /// Initialisation scheme for fresh models (not a Hugging Face field).
    #[serde(default, skip_serializing_if = "is_default_init")]
    pub init: InitScheme,
    /// A reasoning-module plugin in the model (not a Hugging Face field; HF tools ignore it).
    #[serde(
        default,
        rename = "grokked_plugin",
        skip_serializing_if = "Option::is_none"
    )]
    pub plugin: Option<grokked_plugin::host::PluginConfig>,
    /// Every other field of the file, kept so a round trip loses nothing.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn is_default_init(i: &InitScheme) -> bool {
    *i == InitScheme::Gpt2
}

/// The five numbers that size a GPT-2, named as in Hugging Face's `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GptSize {
    /// Vocabulary size.
    pub vocab_size: i64,
    /// Longest sequence (learned positions).
    pub n_positions: i64,
    /// Number of blocks.
    pub n_layer: i64,
    /// Residual width.
    pub n_embd: i64,
    /// Attention heads.
    pub n_head: i64,
}

impl GptConfig {
    /// A GPT-2 of `size`, with GPT-2's defaults for everything else (dropout 0.1, GELU, tied
    /// embeddings).
    pub fn new(size: GptSize) -> Self {
        let GptSize {
            vocab_size,
            n_positions,
            n_layer,
            n_embd,
            n_head,
        } = size;
        let mut extra = serde_json::Map::new();
        extra.insert("model_type".into(), "gpt2".into());
        extra.insert(
            "architectures".into(),
            serde_json::json!(["GPT2LMHeadModel"]),
        );
        GptConfig {
            vocab_size,
            n_positions,
            n_embd,
            n_layer,
            n_head,
            n_inner: None,
            layer_norm_epsilon: default_eps(),
            activation_function: default_activation(),
            resid_pdrop: 0.1,
            embd_pdrop: 0.1,
            attn_pdrop: 0.1,
            tie_word_embeddings: true,
            initializer_range: default_init_range(),
            bos_token_id: None,
            eos_token_id: None,
            init: InitScheme::Gpt2,
            plugin: None,
            extra,
        }
    }

    /// GPT-2 small (124M): 12 layers, 768 wide, 12 heads, 50,257 tokens, 1,024 positions.
    pub fn gpt2() -> Self {
        let mut c = Self::new(GptSize {
            vocab_size: 50257,
            n_positions: 1024,
            n_layer: 12,
            n_embd: 768,
            n_head: 12,
        });
        c.bos_token_id = Some(50256);
        c.eos_token_id = Some(50256);
        c
    }

    /// The paper's model: 8 layers, 768 wide, 12 heads, over the composition vocabulary (2,206).
    pub fn paper() -> Self {
        Self::new(GptSize {
            vocab_size: 2206,
            n_positions: 16,
            n_layer: 8,
            n_embd: 768,
            n_head: 12,
        })
    }

    /// The MLP hidden width.
    pub fn inner_dim(&self) -> i64 {
        self.n_inner.unwrap_or(self.n_embd.saturating_mul(4))
    }

    /// The width of one attention head.
    pub fn head_dim(&self) -> i64 {
        self.n_embd / self.n_head
    }

    /// The parsed activation.
    pub fn activation(&self) -> Result<Activation> {
        Activation::parse(&self.activation_function)
    }

    /// Checks every field, naming the first one at fault.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("n_positions", self.n_positions),
            ("n_embd", self.n_embd),
            ("n_layer", self.n_layer),
            ("n_head", self.n_head),
            ("n_inner", self.inner_dim()),
        ];
        for (field, v) in positive {
            if v <= 0 {
                return Err(GrokError::config(
                    field,
                    format!("must be positive, got {v}"),
                ));
            }
        }
        if self.n_embd % self.n_head != 0 {
            return Err(GrokError::config(
                "n_embd",
                format!(
                    "{} is not divisible by n_head ({})",
                    self.n_embd, self.n_head
                ),
            ));
        }
        for (field, p) in [
            ("resid_pdrop", self.resid_pdrop),
            ("embd_pdrop", self.embd_pdrop),
            ("attn_pdrop", self.attn_pdrop),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(GrokError::config(
                    field,
                    format!("must be in [0, 1), got {p}"),
                ));
            }
        }
        if self.layer_norm_epsilon <= 0.0 {
            return Err(GrokError::config("layer_norm_epsilon", "must be positive"));
        }
        self.check_fits_in_memory()?;
        if let Some(p) = &self.plugin {
            if p.after_layer + p.replace > self.n_layer as usize {
                return Err(GrokError::config(
                    "grokked_plugin",
                    format!(
                        "after_layer {} + replace {} exceeds n_layer {}",
                        p.after_layer, p.replace, self.n_layer
                    ),
                ));
            }
        }
        self.activation().map(|_| ())
    }

    /// The number of parameters of a model of these sizes (blocks, embeddings, final LayerNorm;
    /// a plugin's own parameters are not counted), computed without overflow.
    fn parameters_of(sizes: [u128; 5]) -> u128 {
        let [vocab, positions, embd, layers, inner] = sizes;
        let mul = u128::saturating_mul;
        // Attention (qkv and output projections), MLP, two LayerNorms.
        let block = mul(4, mul(embd, embd))
            .saturating_add(mul(2, mul(embd, inner)))
            .saturating_add(mul(9, embd))
            .saturating_add(inner);
        mul(vocab.saturating_add(positions).saturating_add(2), embd)
            .saturating_add(mul(layers, block))
    }

    /// Refuses sizes whose parameters (4 bytes each) exceed the memory available now, naming the
    /// field whose size costs the most: the model is never allocated only to abort.
    fn check_fits_in_memory(&self) -> Result<()> {
        let sizes = [
            self.vocab_size,
            self.n_positions,
            self.n_embd,
            self.n_layer,
            self.inner_dim(),
        ]
        .map(|v| v.max(1) as u128);
        let bytes = Self::parameters_of(sizes).saturating_mul(4);
        let available = grokked_data::limits::available_bytes();
        if bytes <= available {
            return Ok(());
        }
        // The field that, at 1, would save the most.
        const NAMES: [&str; 5] = ["vocab_size", "n_positions", "n_embd", "n_layer", "n_inner"];
        let culprit = (0..5)
            .max_by_key(|&i| {
                let mut smaller = sizes;
                smaller[i] = 1;
                bytes - Self::parameters_of(smaller).saturating_mul(4).min(bytes)
            })
            .map_or("n_embd", |i| NAMES[i]);
        Err(GrokError::config(
            culprit,
            format!(
                "too large: the model's parameters would need {} of memory, and {} is available \
                 (vocab_size {}, n_positions {}, n_embd {}, n_layer {})",
                grokked_data::limits::human_bytes(bytes),
                grokked_data::limits::human_bytes(available),
                self.vocab_size,
                self.n_positions,
                self.n_embd,
                self.n_layer
            ),
        ))
    }

    /// Parses and validates a `config.json` text.
    pub fn from_json(text: &str) -> Result<Self> {
        let cfg: GptConfig = serde_json::from_str(text)
            .map_err(|e| GrokError::config(json_field(text, &e), e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and validates a `config.json` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = crate::fsutil::read_to_string(path)?;
        Self::from_json(&text).map_err(|e| GrokError::format(path, e.to_string()))
    }

    /// The config as pretty JSON, in Hugging Face's layout.
    /// A model with a plugin does not claim to be `GPT2LMHeadModel` (see [`crate::hf_identity`]).
    pub fn to_json(&self) -> Result<String> {
        let mut marked = self.clone();
        crate::hf_identity::mark(self.plugin.as_ref(), self.n_layer, &mut marked.extra);
        serde_json::to_string_pretty(&marked).map_err(|e| GrokError::Invalid(e.to_string()))
    }

    /// Writes `config.json` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_json()?.as_bytes())
    }

    /// The padding token: `pad_token_id` when the config names one, else `eos_token_id` (as
    /// Hugging Face pads GPT-2).
    pub fn pad_token_id(&self) -> Option<i64> {
        self.extra
            .get("pad_token_id")
            .and_then(serde_json::Value::as_i64)
            .or(self.eos_token_id)
    }

    /// Sets every dropout probability to `p`.
    pub fn with_dropout(mut self, p: f64) -> Self {
        self.resid_pdrop = p;
        self.embd_pdrop = p;
        self.attn_pdrop = p;
        self
    }
}

/// The field a JSON error is about: the one a "missing field" message names, or the key whose
/// value sits where the error points. Never the offending value.
fn json_field(text: &str, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.starts_with("missing field") || msg.starts_with("unknown field") {
        if let Some(name) = msg.split('`').nth(1) {
            return name.to_string();
        }
    }
    let offset: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + e.column().saturating_sub(1);
    let before = &text[..offset.min(text.len())];
    before
        .rfind("\":")
        .and_then(|end| {
            let start = before[..end].rfind('"')? + 1;
            Some(before[start..end].to_string())
        })
        .unwrap_or_else(|| "<document>".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_is_named() {
        let text = r#"{"vocab_size": 10, "n_positions": 8, "n_layer": 1, "n_head": 1}"#;
        let err = GptConfig::from_json(text).unwrap_err().to_string();
        assert!(err.contains("n_embd"), "{err}");
    }

    #[test]
    fn a_mistyped_field_is_named_not_its_value() {
        let text =
            r#"{"vocab_size": 10, "n_positions": 8, "n_embd": "wide", "n_layer": 1, "n_head": 1}"#;
        let err = GptConfig::from_json(text).unwrap_err().to_string();
        assert!(err.starts_with("config field `n_embd`"), "{err}");
    }

    #[test]
    fn unknown_activation_is_named() {
        let mut cfg = GptConfig::new(GptSize {
            vocab_size: 10,
            n_positions: 8,
            n_layer: 1,
            n_embd: 4,
            n_head: 2,
        });
        cfg.activation_function = "gelu_foo".into();
        let err = GptConfig::from_json(&cfg.to_json().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("activation_function") && err.contains("gelu_foo"),
            "{err}"
        );
    }

    #[test]
    fn indivisible_heads_rejected() {
        let err = GptConfig::new(GptSize {
            vocab_size: 10,
            n_positions: 8,
            n_layer: 1,
            n_embd: 10,
            n_head: 4,
        })
        .validate()
        .unwrap_err()
        .to_string();
        assert!(err.contains("n_embd"), "{err}");
    }

    #[test]
    fn extra_fields_round_trip() {
        let text = r#"{"vocab_size": 10, "n_positions": 8, "n_embd": 4, "n_layer": 1, "n_head": 2,
            "transformers_version": "4.0", "summary_type": "cls_index"}"#;
        let cfg = GptConfig::from_json(text).unwrap();
        assert_eq!(cfg.extra["summary_type"], "cls_index");
        let back = GptConfig::from_json(&cfg.to_json().unwrap()).unwrap();
        assert_eq!(back, cfg);
    }
}
