//! Tasks as polars DataFrames, and Parquet files.
//!
//! Columns: `split`, `kind`, `input_text`, `target_text`, the five structure columns of the task
//! (`h r1 b r2 t` or `attr e1 e2 v1 v2`, nullable int64) and `proof` (nullable string).
//!
//! ```
//! use grokked_data::{tasks::composition::CompositionSpec, io::table};
//! let data = CompositionSpec { entities: 20, relations: 4, out_degree: 2, phi: 1.5, ..Default::default() }.generate().unwrap();
//! let df = table::to_dataframe(&data).unwrap();
//! assert_eq!(df.height(), data.examples.len());
//! assert_eq!(table::examples_from_dataframe(&df, data.fields).unwrap(), data.examples);
//! ```

use crate::error::{DataError, Result};
use crate::example::{Example, TaskData};
use crate::split::{FactKind, Split};
use polars::prelude::*;
use std::path::Path;

/// The rows of `data` as a DataFrame.
pub fn to_dataframe(data: &TaskData) -> Result<DataFrame> {
    let ex = &data.examples;
    let mut columns = vec![
        Column::new(
            "split".into(),
            ex.iter().map(|e| e.split.name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "kind".into(),
            ex.iter().map(|e| e.kind.name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "input_text".into(),
            ex.iter().map(|e| e.input_text.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "target_text".into(),
            ex.iter()
                .map(|e| e.target_text.as_str())
                .collect::<Vec<_>>(),
        ),
    ];
    for (i, name) in data.fields.iter().enumerate() {
        columns.push(Column::new(
            (*name).into(),
            ex.iter().map(|e| e.fields[i]).collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "proof".into(),
        ex.iter().map(|e| e.proof.as_deref()).collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new(ex.len(), columns)?)
}

fn strings<'a>(df: &'a DataFrame, name: &str) -> Result<Vec<Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter().collect())
}

fn required<'a>(col: &[Option<&'a str>], row: usize, name: &str) -> Result<&'a str> {
    col[row].ok_or_else(|| DataError::field(format!("row {row}"), name, "is null"))
}

/// Reads rows back from a DataFrame with the columns [`to_dataframe`] writes.
pub fn examples_from_dataframe(df: &DataFrame, fields: [&str; 5]) -> Result<Vec<Example>> {
    let (split, kind) = (strings(df, "split")?, strings(df, "kind")?);
    let (input, target) = (strings(df, "input_text")?, strings(df, "target_text")?);
    let proof = strings(df, "proof")?;
    let ints = fields
        .iter()
        .map(|f| Ok(df.column(f)?.i64()?.iter().collect::<Vec<Option<i64>>>()))
        .collect::<Result<Vec<_>>>()?;
    (0..df.height())
        .map(|row| {
            let kind = match required(&kind, row, "kind")? {
                "atomic" => FactKind::Atomic,
                "inferred" => FactKind::Inferred,
                k => {
                    return Err(DataError::field(
                        format!("row {row}"),
                        "kind",
                        format!("unknown kind `{k}`"),
                    ))
                }
            };
            Ok(Example {
                split: required(&split, row, "split")?.parse::<Split>()?,
                kind,
                input_text: required(&input, row, "input_text")?.to_string(),
                target_text: required(&target, row, "target_text")?.to_string(),
                fields: std::array::from_fn(|i| ints[i][row]),
                proof: proof[row].map(str::to_string),
            })
        })
        .collect()
}

/// Writes a DataFrame to a Parquet file atomically. The table is encoded in memory first, so a
/// failing disk surfaces as the operating system's error on the named file (for example "No
/// space left on device"), not as an encoder's message.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<()> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(df)?;
    crate::io::atomic_file::write(path, &bytes).map_err(|e| DataError::io(path, e))
}

/// Reads a Parquet file.
pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| DataError::field(path.display().to_string(), "parquet", e.to_string()))
}
