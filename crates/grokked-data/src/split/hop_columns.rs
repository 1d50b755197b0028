//! Per-hop-count metric names: a composition task trained or tested on several hop counts
//! reports each evaluation split's accuracy per hop count K in a column `<split>_<K>hop`.
//!
//! ```
//! use grokked_data::split::hop_columns::{hop_column, parse_hop_column};
//! use grokked_data::Split;
//! assert_eq!(hop_column(Split::TestInferredOod, 4), "test_inferred_ood_4hop");
//! assert_eq!(parse_hop_column("test_inferred_id_3hop"), Some((Split::TestInferredId, 3)));
//! assert_eq!(parse_hop_column("weight_norm"), None);
//! ```

use super::names::Split;

/// The column of `split`'s accuracy on its `hops`-hop facts.
pub fn hop_column(split: Split, hops: usize) -> String {
    format!("{}_{hops}hop", split.name())
}

/// The split and hop count a [`hop_column`] name stands for.
pub fn parse_hop_column(name: &str) -> Option<(Split, usize)> {
    let rest = name.strip_suffix("hop")?;
    let (split, hops) = rest.rsplit_once('_')?;
    Some((split.parse().ok()?, hops.parse().ok()?))
}
