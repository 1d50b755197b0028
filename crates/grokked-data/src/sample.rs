//! Seeded sampling helpers shared by the generators (ChaCha8, so a seed means the same data on
//! every machine).
//!
//! ```
//! use grokked_data::sample::{choose, rng};
//! let v: Vec<u32> = (0..100).collect();
//! let a = choose(&v, 10, &mut rng(1));
//! assert_eq!(a.len(), 10);
//! assert_eq!(a, choose(&v, 10, &mut rng(1)));
//! assert_eq!(choose(&v, 500, &mut rng(1)), v);
//! ```

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
