//! Sweeps: a spec (`datasets/sweeps/*.toml`: a base run config, a grid over any `--set` keys,
//! variants, seeds), a folder with one ordinary run folder per point, a local executor that runs
//! points in parallel processes, a Slurm job-array backend, and `collect`, which writes
//! `summary.parquet` and charts with the spread across seeds as bands.
//!
//! ```
//! use grokked_experiments::sweep::spec::SweepSpec;
//! let spec = SweepSpec::from_toml_str("name = \"s\"\nbase = \"b.toml\"\nseeds = [0, 1, 2]").unwrap();
//! assert_eq!(spec.points().len(), 3);
//! ```

pub mod collect;
pub mod export;
pub mod folder;
pub mod local;
pub mod point;
pub mod rebase;
pub mod slurm;
pub mod spec;
pub mod status;
pub mod wilson;

pub use folder::SweepDir;
pub use spec::{Point, SweepSpec};
