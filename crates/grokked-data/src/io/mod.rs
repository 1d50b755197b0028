//! Tasks on disk and at the edges: task folders (Parquet and JSON), the paper's released JSON
//! format, the tutorial's reasoning CSV, Parquet tables, atomic writes, and where a run's task
//! comes from ([`source::DataSource`]).
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("x.txt");
//! grokked_data::io::atomic_file::write(&p, b"x").unwrap();
//! assert!(p.is_file());
//! ```

pub mod atomic_file;
pub mod folder;
pub mod official_json;
pub mod reasoning_csv;
pub mod source;
pub mod table;
