//! Encoding examples into padded token-id rows and loss masks.
//!
//! Row `i` holds the target tokens (input, answer, `</a>`) padded on the right; `loss_mask` is 1
//! exactly at the answer tokens and `</a>` (positions `input_len[i] .. len[i]`), so a causal LM
//! trained on it learns only to answer.
//!
//! ```
//! use grokked_data::{tokens::encode::encode, tokens::tokenizer::TaskTokenizer, tokens::vocab, Example, FactKind, Split};
//! let tok = TaskTokenizer::new(&vocab::composition_vocab(10, 3)).unwrap();
//! let ex = [
//!     Example::new(Split::Train, FactKind::Atomic, &["<e_1>", "<r_0>"], &["<e_4>"], [None; 5]),
//!     Example::new(Split::Train, FactKind::Inferred, &["<e_1>", "<r_0>", "<r_2>"], &["<e_5>"], [None; 5]),
//! ];
//! let enc = encode(&tok, ex.iter()).unwrap();
//! assert_eq!((enc.rows, enc.width), (2, 5));
//! assert_eq!(enc.loss_mask, vec![0, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
//! assert_eq!(&enc.ids[..4], &[1, 10, 4, 16]);
//! ```

use crate::error::Result;
use crate::example::Example;
use crate::tokens::tokenizer::TaskTokenizer;

/// Padded id rows with their loss masks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// `[rows * width]` token ids, row-major, right-padded with `pad_id`.
    pub ids: Vec<i64>,
    /// `[rows * width]`: 1 at answer tokens and `</a>`, else 0.
    pub loss_mask: Vec<u8>,
    /// Number of input tokens of each row.
    pub input_len: Vec<usize>,
    /// Number of real tokens of each row.
    pub len: Vec<usize>,
    /// Number of rows.
    pub rows: usize,
    /// Row width (the longest row).
    pub width: usize,
    /// The padding id.
    pub pad_id: i64,
}

impl Encoded {
    /// The real (unpadded) ids of row `i`.
    pub fn row(&self, i: usize) -> &[i64] {
        &self.ids[i * self.width..i * self.width + self.len[i]]
    }

    /// The input ids of row `i` (the prompt for generation).
    pub fn input(&self, i: usize) -> &[i64] {
        &self.ids[i * self.width..i * self.width + self.input_len[i]]
    }

    /// The answer ids of row `i` (answer and `</a>`).
    pub fn answer(&self, i: usize) -> &[i64] {
        &self.row(i)[self.input_len[i]..]
    }
}

/// Encodes `examples`; the padding id is the vocabulary's `<mask>` (or 0).
pub fn encode<'a>(
    tok: &TaskTokenizer,
    examples: impl Iterator<Item = &'a Example>,
) -> Result<Encoded> {
    let mut rows: Vec<(Vec<u32>, usize)> = Vec::new();
    for ex in examples {
        let target = tok.encode(&ex.target_text)?;
        let input_len = tok.encode(&ex.input_text)?.len();
        rows.push((target, input_len));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let pad_id = tok.id("<mask>").unwrap_or(0) as i64;
    let mut enc = Encoded {
        ids: Vec::with_capacity(rows.len() * width),
        loss_mask: Vec::with_capacity(rows.len() * width),
        input_len: Vec::with_capacity(rows.len()),
        len: Vec::with_capacity(rows.len()),
        rows: rows.len(),
        width,
        pad_id,
    };
    for (target, input_len) in rows {
        for pos in 0..width {
            enc.ids.push(target.get(pos).map_or(pad_id, |&i| i as i64));
            enc.loss_mask
                .push(u8::from(pos >= input_len && pos < target.len()));
        }
        enc.input_len.push(input_len);
        enc.len.push(target.len());
    }
    Ok(enc)
}
