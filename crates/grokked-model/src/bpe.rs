//! GPT-2's byte-level BPE tokenizer through the `tokenizers` crate.
//!
//! Loads a `tokenizer.json`, or `vocab.json` + `merges.txt`, or, with no files, GPT-2's own
//! vocabulary and merges (embedded at build time).
//!
//! ```
//! use grokked_model::bpe::Gpt2Tokenizer;
//! let tok = Gpt2Tokenizer::gpt2().unwrap();
//! let ids = tok.encode("The quick brown fox").unwrap();
//! assert_eq!(ids, vec![464, 2068, 7586, 21831]);
//! assert_eq!(tok.decode(&ids).unwrap(), "The quick brown fox");
//! ```

use crate::error::{GrokError, Result};
use std::collections::HashMap;
use std::path::Path;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

/// GPT-2's end-of-text token.
pub const END_OF_TEXT: &str = "<|endoftext|>";

const GPT2_VOCAB: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../datasets/gpt2/encoder.json"
));
const GPT2_MERGES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../datasets/gpt2/vocab.bpe"
));

/// A byte-level BPE tokenizer.
#[derive(Clone)]
pub struct Gpt2Tokenizer {
    /// The underlying `tokenizers` tokenizer.
    pub inner: Tokenizer,
    /// The file it was read from (named by encoding errors), if any.
    pub source: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Gpt2Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gpt2Tokenizer({} tokens)", self.vocab_size())
    }
}

fn tok_err(e: impl std::fmt::Display) -> GrokError {
    GrokError::Tokenizer(e.to_string())
}

fn parse_merges(text: &str) -> Result<Vec<(String, String)>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with("#version") && !l.trim().is_empty())
        .map(|(n, l)| {
            l.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| {
                    tok_err(format!(
                        "merges line {}: expected two tokens, got `{l}`",
                        n + 1
                    ))
                })
        })
        .collect()
}

impl Gpt2Tokenizer {
    /// Builds the GPT-2 pipeline (byte-level pre-tokenizer and decoder, `<|endoftext|>` special)
    /// around a vocabulary and merges.
    pub fn from_vocab_merges(
        vocab: HashMap<String, u32>,
        merges: Vec<(String, String)>,
    ) -> Result<Self> {
        let vocab: Vocab = vocab.into_iter().collect();
        let bpe = BPE::builder()
            .vocab_and_merges(vocab, merges)
            .build()
            .map_err(tok_err)?;
        let mut inner = Tokenizer::new(bpe);
        inner.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
        inner.with_decoder(Some(ByteLevelDecoder::default()));
        inner.add_special_tokens(&[AddedToken::from(END_OF_TEXT, true)]);
        Ok(Gpt2Tokenizer {
            inner,
            source: None,
        })
    }

    /// GPT-2's tokenizer, from the embedded files.
    pub fn gpt2() -> Result<Self> {
        let vocab: HashMap<String, u32> = serde_json::from_slice(GPT2_VOCAB).map_err(tok_err)?;
        Self::from_vocab_merges(vocab, parse_merges(GPT2_MERGES)?)
    }

    /// From `vocab.json` and `merges.txt` files.
    pub fn from_files(vocab: &Path, merges: &Path) -> Result<Self> {
        let text = crate::fsutil::read_to_string(vocab)?;
        let v: HashMap<String, u32> =
            serde_json::from_str(&text).map_err(|e| GrokError::format(vocab, e.to_string()))?;
        let m = parse_merges(&crate::fsutil::read_to_string(merges)?)
            .map_err(|e| GrokError::format(merges, e.to_string()))?;
        Self::from_vocab_merges(v, m)
    }

    /// From a `tokenizer.json`.
    pub fn from_tokenizer_json(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(GrokError::io(
                path,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        let inner =
            Tokenizer::from_file(path).map_err(|e| GrokError::format(path, e.to_string()))?;
        Ok(Gpt2Tokenizer {
            inner,
            source: Some(path.to_path_buf()),
        })
    }

    /// The tokenizer of a model folder: its `tokenizer.json`, else its `vocab.json` +
    /// `merges.txt`, else GPT-2's.
    pub fn for_model_dir(dir: &Path) -> Result<Self> {
        let json = dir.join("tokenizer.json");
        let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        if json.is_file() {
            Self::from_tokenizer_json(&json)
        } else if vocab.is_file() && merges.is_file() {
            Self::from_files(&vocab, &merges)
        } else {
            Self::gpt2()
        }
    }

    /// Writes GPT-2's own `vocab.json` and `merges.txt` into `dir` (for Python peers).
    pub fn write_gpt2_files(dir: &Path) -> Result<()> {
        crate::fsutil::write_atomic(&dir.join("vocab.json"), GPT2_VOCAB)?;
        crate::fsutil::write_atomic(&dir.join("merges.txt"), GPT2_MERGES.as_bytes())
    }

    /// Saves as `tokenizer.json`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.inner.to_string(true).map_err(tok_err)?;
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    /// Token ids of `text`.
    /// An error names the first word the tokenizer cannot encode and the file it came from (a
    /// task's word-level tokenizer knows only the task's tokens).
    pub fn encode(&self, text: &str) -> Result<Vec<i64>> {
        match self.inner.encode(text, false) {
            Ok(enc) => Ok(enc.get_ids().iter().map(|&i| i as i64).collect()),
            Err(e) => {
                let word = text
                    .split_whitespace()
                    .find(|w| self.inner.encode(*w, false).is_err());
                let file = self
                    .source
                    .as_ref()
                    .map_or("GPT-2's tokenizer".to_string(), |p| p.display().to_string());
                Err(tok_err(match word {
                    Some(w) => format!(
                        "{file} cannot encode the word `{w}`: it is not in the tokenizer's \
                         vocabulary ({e})"
                    ),
                    None => format!("{file} cannot encode the text: {e}"),
                }))
            }
        }
    }

    /// The text of `ids` (special tokens kept).
    pub fn decode(&self, ids: &[i64]) -> Result<String> {
        let ids = ids
            .iter()
            .map(|&i| {
                u32::try_from(i)
                    .map_err(|_| tok_err(format!("token id {i} is negative or too large")))
            })
            .collect::<Result<Vec<_>>>()?;
        self.inner.decode(&ids, false).map_err(tok_err)
    }

    /// The id of a token string.
    pub fn token_id(&self, token: &str) -> Option<i64> {
        self.inner.token_to_id(token).map(i64::from)
    }

    /// Number of ids, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_unicode_and_whitespace() {
        let tok = Gpt2Tokenizer::gpt2().unwrap();
        let text = "Grüße,  世界!\n\n\tspaces   and 12345 digits <|endoftext|>";
        let ids = tok.encode(text).unwrap();
        assert_eq!(tok.decode(&ids).unwrap(), text);
        assert_eq!(*ids.last().unwrap(), 50256);
        assert_eq!(tok.vocab_size(), 50257);
    }

    #[test]
    fn tokenizer_json_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let tok = Gpt2Tokenizer::gpt2().unwrap();
        tok.save(&dir.path().join("tokenizer.json")).unwrap();
        let back = Gpt2Tokenizer::for_model_dir(dir.path()).unwrap();
        let text = "Round trip: naïve café, 42 <|endoftext|>";
        assert_eq!(back.encode(text).unwrap(), tok.encode(text).unwrap());
        std::fs::write(dir.path().join("tokenizer.json"), "{ not json").unwrap();
        let err = Gpt2Tokenizer::for_model_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("tokenizer.json"), "{err}");
    }

    #[test]
    fn bad_merges_line_is_named() {
        let err = parse_merges("#version: 0.2\nab\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
