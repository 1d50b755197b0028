//! grokked-experiments: experiments that join grokked's crates. [`sweep`]: sweeps over run
//! settings and seeds, on this machine or on a Slurm cluster, collected into summary tables and
//! charts. [`compare_memory`]: a grokked (parametric) model against retrieval-augmented reasoning
//! on the complex task.
//!
//! ```
//! use grokked_experiments::sweep::slurm::array_spec;
//! assert_eq!(array_spec(&[0, 1, 2], 1), "0-2%1");
//! ```

pub mod compare_memory;
pub mod sweep;
