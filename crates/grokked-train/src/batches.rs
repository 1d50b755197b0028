//! Data order: a fresh seeded permutation per epoch, read as one endless stream, so the batch of
//! any step follows from (seed, step) alone and a resumed run sees exactly the same batches.
//!
//! ```
//! use grokked_train::batches::BatchOrder;
//! let mut order = BatchOrder::new(10, 4, 7);
//! let all: Vec<i64> = (0..5).flat_map(|s| order.indices(s)).collect();
//! let mut epoch0 = all[..10].to_vec();
//! epoch0.sort();
//! assert_eq!(epoch0, (0..10).collect::<Vec<i64>>());
//! assert_eq!(BatchOrder::new(10, 4, 7).indices(3), all[12..16].to_vec());
//! ```

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Which examples each step trains on.
#[derive(Debug, Clone)]
pub struct BatchOrder {
    n: usize,
    batch: usize,
    seed: u64,
    cached: Option<(u64, Vec<i64>)>,
}

impl BatchOrder {
    /// The order of `n` examples in batches of `batch` (at most `n`) under `seed`.
    pub fn new(n: usize, batch: usize, seed: u64) -> Self {
        BatchOrder {
            n,
            batch: batch.min(n).max(1),
            seed,
            cached: None,
        }
    }

    fn permutation(&mut self, epoch: u64) -> &[i64] {
        if self.cached.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let mut rng =
                ChaCha8Rng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ epoch);
            let mut perm: Vec<i64> = (0..self.n as i64).collect();
            perm.shuffle(&mut rng);
            self.cached = Some((epoch, perm));
        }
        &self.cached.as_ref().expect("just cached").1
    }

    /// The example indices of step `step` (0-based).
    pub fn indices(&mut self, step: u64) -> Vec<i64> {
        let start = step * self.batch as u64;
        (start..start + self.batch as u64)
            .map(|k| {
                let (epoch, pos) = (k / self.n as u64, (k % self.n as u64) as usize);
                self.permutation(epoch)[pos]
            })
            .collect()
    }
}
