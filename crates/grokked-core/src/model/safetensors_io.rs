//! Reading and writing `.safetensors` files with the `{"format": "pt"}` header that Hugging Face
//! loaders expect (plus any metadata of ours), atomically, with errors that name the file and
//! tensor.
//!
//! ```
//! use grokked_core::model::safetensors_io::{read_metadata, read_tensors, write_tensors_with_metadata};
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("t.safetensors");
//! let t = tch::Tensor::from_slice(&[1.0f32, 2.0]);
//! write_tensors_with_metadata(&p, &[("a".to_string(), t.shallow_clone())], &[("note", "hi".into())]).unwrap();
//! let back = read_tensors(&p).unwrap();
//! assert_eq!(back[0].0, "a");
//! assert_eq!(back[0].1, t);
//! let meta = read_metadata(&p).unwrap();
//! assert_eq!((meta["format"].as_str(), meta["note"].as_str()), ("pt", "hi"));
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
    write_tensors_with_metadata(path, tensors, &[])
}

/// [`write_tensors`] with extra `__metadata__` entries next to `format: pt`.
pub fn write_tensors_with_metadata(
    path: &Path,
    tensors: &[(String, Tensor)],
    metadata: &[(&str, String)],
) -> Result<()> {
    let bytes = tensors
        .iter()
        .map(|(n, t)| Ok((n.clone(), to_bytes(t)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    meta.extend(metadata.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let meta = Some(meta);
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

/// The `__metadata__` of a safetensors file (read from its header only).
pub fn read_metadata(path: &Path) -> Result<HashMap<String, String>> {
    use std::io::Read;
    let bad = |msg: String| GrokError::format(path, format!("not a valid safetensors file: {msg}"));
    let mut file = std::fs::File::open(path).map_err(|e| GrokError::io(path, e))?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|e| bad(format!("no header ({e})")))?;
    let len = u64::from_le_bytes(len);
    let size = file.metadata().map_err(|e| GrokError::io(path, e))?.len();
    if len > size.saturating_sub(8) {
        return Err(bad(format!("header of {len} bytes in a file of {size}")));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header)
        .map_err(|e| bad(e.to_string()))?;
    let mut header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| bad(format!("header: {e}")))?;
    match header.remove("__metadata__") {
        None => Ok(HashMap::new()),
        Some(m) => serde_json::from_value(m).map_err(|e| bad(format!("__metadata__: {e}"))),
    }
}
