//! The seeded draws that split a task: ID/OOD subsets, held-out facts, phi's inferred training
//! facts and the evaluation samples (ChaCha8, so a seed means the same data on
//! every machine).
//!
//! ```
//! use grokked_data::split::draw::{choose, rng};
//! let v: Vec<u32> = (0..100).collect();
//! let a = choose(&v, 10, &mut rng(1));
//! assert_eq!(a.len(), 10);
//! assert_eq!(a, choose(&v, 10, &mut rng(1)));
//! assert_eq!(choose(&v, 500, &mut rng(1)), v);
//! let err = grokked_data::split::draw::choose_phi(&v, 3.0, 50, "demo", &mut rng(1)).unwrap_err();
//! assert!(err.to_string().contains("at most 2.00"));
//! ```

use super::names::Split;
use crate::error::{DataError, Result};
use crate::example::Example;
use rand::seq::index;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator type of every task.
pub type Rng = ChaCha8Rng;

/// A generator seeded with `seed`.
pub fn rng(seed: u64) -> Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `count` distinct items of `items` in random order, or all of them (in order) when `count`
/// reaches their number, as the official notebooks' `choose` does.
pub fn choose<T: Clone>(items: &[T], count: usize, rng: &mut Rng) -> Vec<T> {
    if count >= items.len() {
        return items.to_vec();
    }
    index::sample(rng, items.len(), count)
        .into_iter()
        .map(|i| items[i].clone())
        .collect()
}

/// `round(ratio * n)`, the count the official notebooks derive from a ratio.
pub fn ratio_count(ratio: f64, n: usize) -> usize {
    (ratio * n as f64).round() as usize
}

/// A random subset of `0..n` of size `count`, as a membership mask.
pub fn subset_mask(n: usize, count: usize, rng: &mut Rng) -> Vec<bool> {
    let mut mask = vec![false; n];
    for i in index::sample(rng, n, count.min(n)) {
        mask[i] = true;
    }
    mask
}

/// The inferred training facts a task's `phi` asks for: `round(phi * per)` of `candidates` (as
/// [`choose`] picks them). Asking for more than the graph holds is an error naming the largest
/// `phi` the graph allows, never a silent cap.
pub fn choose_phi<T: Clone>(
    candidates: &[T],
    phi: f64,
    per: usize,
    task: &str,
    rng: &mut Rng,
) -> Result<Vec<T>> {
    let want = ratio_count(phi, per);
    if want > candidates.len() {
        let max = (candidates.len() as f64 / per.max(1) as f64 * 100.0).floor() / 100.0;
        return Err(DataError::field(
            format!("{task} task"),
            "phi",
            format!(
                "{phi} asks for {want} inferred training facts ({phi} x {per} atomic facts), but \
                 the graph holds only {}: phi can be at most {max:.2} here",
                candidates.len()
            ),
        ));
    }
    Ok(choose(candidates, want, rng))
}

/// The evaluation splits every generator samples: for each `(split, pool)` in order, up to `cap`
/// items of the pool (as [`choose`] picks them), made examples of that split by `make`.
pub fn eval_examples<T: Clone>(
    pools: &[(Split, &[T])],
    cap: usize,
    rng: &mut Rng,
    make: impl Fn(Split, T) -> Example,
) -> Vec<Example> {
    let mut out = Vec::new();
    for (split, pool) in pools {
        out.extend(choose(pool, cap, rng).into_iter().map(|t| make(*split, t)));
    }
    out
}

/// A random graph for the split tests: `entities` heads with `out_degree` facts each, every
/// fact's tail uniform and OOD with probability `ood_share` (tails drawn first, then OOD marks).
#[cfg(test)]
pub(crate) fn random_graph(
    seed: u64,
    entities: usize,
    out_degree: usize,
    ood_share: f64,
) -> (Vec<u32>, Vec<bool>) {
    use rand::Rng as _;
    let mut g = rng(seed);
    let facts = entities * out_degree;
    let tails = (0..facts)
        .map(|_| g.gen_range(0..entities as u32))
        .collect();
    let ood = (0..facts).map(|_| g.gen::<f64>() < ood_share).collect();
    (tails, ood)
}
