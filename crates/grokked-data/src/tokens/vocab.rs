//! Token strings of the tasks' vocabularies, spelt as the official repository spells them.
//!
//! ```
//! use grokked_data::tokens::vocab;
//! assert_eq!(vocab::entity(12), "<e_12>");
//! assert_eq!(vocab::label(3, 0), "<attr_3_0>");
//! assert_eq!(vocab::split_tokens("<e_1><r_2></a>"), vec!["<e_1>", "<r_2>", "</a>"]);
//! ```

/// The special tokens, in the official order.
pub const SPECIALS: [&str; 6] = ["<mask>", "<sep>", "<a>", "</a>", "<q>", "</q>"];
/// The end-of-answer token.
pub const END_ANSWER: &str = "</a>";

/// `<e_i>`.
pub fn entity(i: usize) -> String {
    format!("<e_{i}>")
}
/// `<r_j>`.
pub fn relation(j: usize) -> String {
    format!("<r_{j}>")
}
/// `<attr_k>`.
pub fn attribute(k: usize) -> String {
    format!("<attr_{k}>")
}
/// The ordinal value token `<v>`.
pub fn value(v: usize) -> String {
    format!("<{v}>")
}
/// The comparison label `<attr_k_c>` with c = 0 (<), 1 (=), 2 (>).
pub fn label(attr: usize, c: usize) -> String {
    format!("<attr_{attr}_{c}>")
}

/// The comparison class of two values: 0 if a < b, 1 if equal, 2 if a > b.
pub fn compare(a: usize, b: usize) -> usize {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Greater => 2,
    }
}

/// Splits a concatenation of `<...>` tokens. Text outside angle brackets becomes its own piece,
/// so a tokenizer lookup reports it.
pub fn split_tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = if rest.starts_with('<') {
            rest.find('>').map_or(rest.len(), |i| i + 1)
        } else {
            rest.find('<').unwrap_or(rest.len())
        };
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// The composition vocabulary: entities, relations, specials.
pub fn composition_vocab(entities: usize, relations: usize) -> Vec<String> {
    (0..entities)
        .map(entity)
        .chain((0..relations).map(relation))
        .chain(SPECIALS.iter().map(|s| s.to_string()))
        .collect()
}

/// The comparison vocabulary: entities, attributes, values, specials, labels.
pub fn comparison_vocab(entities: usize, attributes: usize, values: usize) -> Vec<String> {
    (0..entities)
        .map(entity)
        .chain((0..attributes).map(attribute))
        .chain((0..values).map(value))
        .chain(SPECIALS.iter().map(|s| s.to_string()))
        .chain((0..attributes).flat_map(|a| (0..3).map(move |c| label(a, c))))
        .collect()
}

/// The first token that `vocab` repeats, as (its first position, the repeat's position).
pub fn first_duplicate(vocab: &[String]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::with_capacity(vocab.len());
    vocab
        .iter()
        .enumerate()
        .find_map(|(i, t)| seen.insert(t.as_str(), i).map(|first| (first, i)))
}
