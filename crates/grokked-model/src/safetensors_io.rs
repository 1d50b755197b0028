//! Reading and writing `.safetensors` files with the `{"format": "pt"}` header that Hugging Face
//! loaders expect (plus any metadata of ours), atomically, with errors that name the file and
//! tensor. The same tensors give the same bytes in every process (keys in name order), so a
//! checkpoint's recorded SHA-256 identifies its content.
//!
//! ```
//! use grokked_model::safetensors_io::{read_metadata, read_tensors, write_tensors_with_metadata};
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("t.safetensors");
//! let t = tch::Tensor::from_slice(&[1.0f32, 2.0]);
//! write_tensors_with_metadata(&p, &[("a".to_string(), t.shallow_clone())], &[("note", "hi".into())]).unwrap();
//! let back = read_tensors(&p).unwrap();
//! assert_eq!(back[0].0, "a");
//! assert_eq!(back[0].1, t);
//! let meta = read_metadata(&p).unwrap();
//! assert_eq!((meta["format"].as_str(), meta["note"].as_str()), ("pt", "hi"));
//! let bytes = std::fs::read(&p).unwrap();
//! write_tensors_with_metadata(&p, &[("a".to_string(), t)], &[("note", "hi".into())]).unwrap();
//! assert_eq!(std::fs::read(&p).unwrap(), bytes);
//! ```

use crate::error::{GrokError, Result};
use crate::fsutil::write_atomic;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tch::{Kind, Tensor};

struct Bytes {
    dtype: &'static str,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn dtype_of(kind: Kind) -> Result<&'static str> {
    Ok(match kind {
        Kind::Float => "F32",
        Kind::Double => "F64",
        Kind::Half => "F16",
        Kind::BFloat16 => "BF16",
        Kind::Int64 => "I64",
        Kind::Int => "I32",
        Kind::Uint8 => "U8",
        Kind::Bool => "BOOL",
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

/// The bytes of a safetensors file, the same bytes for the same tensors in every process: the
/// header lists the metadata keys and the tensors in name order (a hash map's order would
/// change between processes, and with it the file's checksum).
fn serialize(tensors: &[(String, Bytes)], metadata: &BTreeMap<String, String>) -> Vec<u8> {
    let json = |v: &str| serde_json::Value::from(v).to_string();
    let mut order: Vec<&(String, Bytes)> = tensors.iter().collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    let meta: Vec<String> = metadata
        .iter()
        .map(|(k, v)| format!("{}:{}", json(k), json(v)))
        .collect();
    let mut entries = vec![format!("\"__metadata__\":{{{}}}", meta.join(","))];
    let mut offset = 0usize;
    for (name, b) in &order {
        let shape: Vec<String> = b.shape.iter().map(usize::to_string).collect();
        entries.push(format!(
            "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{}]}}",
            json(name),
            b.dtype,
            shape.join(","),
            offset + b.data.len()
        ));
        offset += b.data.len();
    }
    let mut header = format!("{{{}}}", entries.join(","));
    // The data starts 8-byte aligned, as the reference writer pads it.
    while (8 + header.len()) % 8 != 0 {
        header.push(' ');
    }
    let mut buf = Vec::with_capacity(8 + header.len() + offset);
    buf.extend_from_slice(&(header.len() as u64).to_le_bytes());
    buf.extend_from_slice(header.as_bytes());
    for (_, b) in order {
        buf.extend_from_slice(&b.data);
    }
    buf
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
    let mut meta = BTreeMap::from([("format".to_string(), "pt".to_string())]);
    meta.extend(metadata.iter().map(|(k, v)| (k.to_string(), v.clone())));
    write_atomic(path, &serialize(&bytes, &meta))
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
