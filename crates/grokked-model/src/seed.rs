//! libtorch's random generator is one per process: seeding it in one thread while another draws
//! from it gives both threads weights that depend on timing. [`with_seed`] seeds it and runs a
//! closure while holding a process-wide lock that the trainer takes too, so models built in
//! several threads (tests, sweeps, notebooks) stay deterministic by seed.
//!
//! ```
//! use grokked_model::{GptConfig, GptSize, GptModel};
//! use grokked_model::seed::with_seed;
//! let build = || GptModel::new(GptConfig::new(GptSize { vocab_size: 20, n_positions: 8, n_layer: 1, n_embd: 8, n_head: 2 }), tch::Device::Cpu).unwrap();
//! let (a, b) = (with_seed(3, build), with_seed(3, build));
//! let ids = tch::Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
//! assert_eq!(a.gpt.forward(&ids, false).unwrap(), b.gpt.forward(&ids, false).unwrap());
//! ```

use std::sync::{Mutex, MutexGuard};

static TORCH_RNG: Mutex<()> = Mutex::new(());

/// Holds libtorch's process-wide generator until the guard drops (the trainer holds it for
/// each step that draws random numbers: dropout, data order).
pub fn torch_rng() -> MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|p| p.into_inner())
}

/// Seeds libtorch's generator with `seed` and runs `f` while no other thread of this process
/// can seed or draw through this lock (the trainer's initialisation and dropout both take it).
/// The lock is not re-entrant: `f` must not build or step a [`crate::train::Trainer`], nor call
/// `with_seed` again, or the thread waits on itself.
pub fn with_seed<T>(seed: i64, f: impl FnOnce() -> T) -> T {
    let _rng = torch_rng();
    tch::manual_seed(seed);
    f()
}

#[cfg(test)]
mod tests {
    use super::with_seed;
    use tch::{Device, Kind, Tensor};

    fn draw(seed: i64) -> Tensor {
        with_seed(seed, || Tensor::randn([64, 64], (Kind::Float, Device::Cpu)))
    }

    #[test]
    fn threads_seeding_at_once_each_get_their_own_seed_s_draws() {
        let reference: Vec<Tensor> = (0..4).map(draw).collect();
        let threads: Vec<_> = (0..4)
            .map(|seed| std::thread::spawn(move || (0..50).all(|_| draw(seed) == draw(seed))))
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
        for (seed, want) in reference.iter().enumerate() {
            assert_eq!(&draw(seed as i64), want);
        }
    }
}
