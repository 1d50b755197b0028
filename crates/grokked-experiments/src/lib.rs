//! grokked-experiments: experiments and pipelines that join the crates below: sweeps (local,
//! Slurm, collect), compare-memory, and the analysis report over a run's checkpoints.
//!
//! [`sweep`]: sweeps over run settings and seeds, collected into summary tables and charts.
//! [`compare_memory`]: a grokked (parametric) model against retrieval-augmented reasoning on the
//! complex task. [`report`]: the logit lens, causal tracing and attributions of every checkpoint,
//! written as tables and charts.
//!
//! ```
//! use grokked_experiments::sweep::slurm::array_spec;
//! assert_eq!(array_spec(&[0, 1, 2], 1), "0-2%1");
//! ```

pub mod compare_memory;
pub mod report;
pub mod sweep;
