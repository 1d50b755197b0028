//! From text to token ids: the task vocabularies, their word-level tokenizer, and the encoding of
//! examples into padded id rows with loss masks.
//!
//! ```
//! use grokked_data::tokens::{tokenizer::TaskTokenizer, vocab};
//! let tok = TaskTokenizer::new(&vocab::composition_vocab(3, 2)).unwrap();
//! assert_eq!(tok.encode("<e_1><r_0>").unwrap().len(), 2);
//! ```

pub mod encode;
pub mod tokenizer;
pub mod vocab;
