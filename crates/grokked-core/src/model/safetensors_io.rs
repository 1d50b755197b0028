//! Reading and writing `.safetensors` files with the `{"format": "pt"}` header that Hugging Face
//! loaders expect, atomically, with errors that name the file and tensor.
//!
//! ```
//! use grokked_core::model::safetensors_io::{read_tensors, write_tensors};
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("t.safetensors");
//! let t = tch::Tensor::from_slice(&[1.0f32, 2.0]);
//! write_tensors(&p, &[("a".to_string(), t.shallow_clone())]).unwrap();
//! let back = read_tensors(&p).unwrap();
//! assert_eq!(back[0].0, "a");
//! assert_eq!(back[0].1, t);
//! ```

use crate::error::{GrokError, Result};
use crate::fsutil::write_atomic;
use safetensors::tensor::{Dtype, View};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use tch::{Kind, Tensor};

struct Bytes {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Bytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

fn dtype_of(kind: Kind) -> Result<Dtype> {
    Ok(match kind {
        Kind::Float => Dtype::F32,
        Kind::Double => Dtype::F64,
        Kind::Half => Dtype::F16,
        Kind::BFloat16 => Dtype::BF16,
        Kind::Int64 => Dtype::I64,
        Kind::Int => Dtype::I32,
        Kind::Uint8 => Dtype::U8,
        Kind::Bool => Dtype::BOOL,
        k => {
            return Err(GrokError::Invalid(format!(
                "cannot save tensors of kind {k:?}"
            )))
        }
    })
}

fn to_bytes(t: &Tensor) -> Result<Bytes> {
    let t = t.to_device(tch::Device::Cpu).contiguous();
    let numel = t.numel();
    let mut data = vec![0u8; numel * t.kind().elt_size_in_bytes()];
    t.f_copy_data_u8(&mut data, numel)?;
    Ok(Bytes {
        dtype: dtype_of(t.kind())?,
        shape: t.size().iter().map(|&d| d as usize).collect(),
        data,
    })
}

/// Writes named tensors to `path` (through a temporary file and a rename).
pub fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let bytes = tensors
        .iter()
        .map(|(n, t)| Ok((n.clone(), to_bytes(t)?)))
        .collect::<Result<Vec<_>>>()?;
    let meta = Some(HashMap::from([("format".to_string(), "pt".to_string())]));
    let views = bytes.iter().map(|(n, b)| (n.as_str(), b));
    let buf = safetensors::tensor::serialize(views, &meta)
        .map_err(|e| GrokError::format(path, format!("{e:?}")))?;
    write_atomic(path, &buf)
}

/// Reads every tensor of a safetensors file.
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>> {
    if !path.exists() {
        return Err(GrokError::io(
            path,
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    Tensor::read_safetensors(path)
        .map_err(|e| GrokError::format(path, format!("not a valid safetensors file: {e}")))
}
