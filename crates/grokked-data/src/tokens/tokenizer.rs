//! The word-level tokenizer of a task vocabulary (`<e_i>`, `<r_j>`, `<attr_k>`, values, labels,
//! specials), through the `tokenizers` crate, saved as a `tokenizer.json` that Python's
//! `tokenizers` loads.
//!
//! ```
//! use grokked_data::{tokens::tokenizer::TaskTokenizer, tokens::vocab};
//! let tok = TaskTokenizer::new(&vocab::composition_vocab(10, 3)).unwrap();
//! let ids = tok.encode("<e_2><r_1></a>").unwrap();
//! assert_eq!(ids, vec![2, 11, 16]);
//! assert_eq!(tok.decode(&ids).unwrap(), "<e_2><r_1></a>");
//! assert!(tok.encode("<e_99>").unwrap_err().to_string().contains("<e_99>"));
//! ```

use crate::error::{DataError, Result};
use crate::tokens::vocab::split_tokens;
use std::path::Path;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{SplitDelimiterBehavior, Tokenizer};

/// The regex that isolates `<...>` tokens.
pub const TOKEN_PATTERN: &str = "<[^<>]*>";

/// A word-level tokenizer over `<...>` tokens.
#[derive(Clone)]
pub struct TaskTokenizer {
    /// The underlying `tokenizers` tokenizer.
    pub inner: Tokenizer,
    vocab: Vec<String>,
}

impl std::fmt::Debug for TaskTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TaskTokenizer({} tokens)", self.vocab.len())
    }
}

fn tok_err(e: impl std::fmt::Display) -> DataError {
    DataError::Tokenizer(e.to_string())
}

impl TaskTokenizer {
    /// A tokenizer whose ids are the positions of `vocab`.
    pub fn new(vocab: &[String]) -> Result<Self> {
        let map = vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        if let Some((first, again)) = crate::tokens::vocab::first_duplicate(vocab) {
            return Err(DataError::Invalid(format!(
                "vocabulary has the token `{}` twice (positions {first} and {again})",
                crate::error::clip(&vocab[again])
            )));
        }
        let model = WordLevel::builder()
            .vocab(map)
            .unk_token("<unk>".into())
            .build()
            .map_err(tok_err)?;
        let mut inner = Tokenizer::new(model);
        let split = Split::new(
            SplitPattern::Regex(TOKEN_PATTERN.into()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(tok_err)?;
        inner.with_pre_tokenizer(Some(split));
        Ok(TaskTokenizer {
            inner,
            vocab: vocab.to_vec(),
        })
    }

    /// Loads a `tokenizer.json` written by [`TaskTokenizer::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let inner = Tokenizer::from_file(path).map_err(|e| {
            DataError::field(path.display().to_string(), "tokenizer", e.to_string())
        })?;
        let mut vocab: Vec<(String, u32)> = inner.get_vocab(false).into_iter().collect();
        vocab.sort_by_key(|(_, i)| *i);
        Ok(TaskTokenizer {
            inner,
            vocab: vocab.into_iter().map(|(t, _)| t).collect(),
        })
    }

    /// Saves as `tokenizer.json` (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.inner.to_string(true).map_err(tok_err)?;
        crate::io::atomic_file::write(path, text.as_bytes()).map_err(|e| DataError::io(path, e))
    }

    /// The ids of a concatenation of tokens; an unknown token is an error that names it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        if let Some(unknown) = split_tokens(text)
            .into_iter()
            .find(|t| self.id(t).is_none())
        {
            return Err(DataError::Tokenizer(format!(
                "unknown token `{unknown}` in `{text}`"
            )));
        }
        let enc = self.inner.encode(text, false).map_err(tok_err)?;
        Ok(enc.get_ids().to_vec())
    }

    /// The concatenated tokens of `ids`.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        ids.iter()
            .map(|&i| {
                self.vocab
                    .get(i as usize)
                    .map(String::as_str)
                    .ok_or_else(|| tok_err(format!("id {i} outside the vocabulary")))
            })
            .collect()
    }

    /// The id of one token.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The tokens, in id order.
    pub fn vocab(&self) -> &[String] {
        &self.vocab
    }

    /// The number of tokens.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
}
