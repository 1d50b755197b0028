//! TensorBoard event files: every evaluation of a run, appended to
//! `RUN/tensorboard/events.out.tfevents.*` as scalar summaries, so `tensorboard --logdir runs/`
//! (or W&B's `sync_tensorboard`) watches and compares runs while they train.
//!
//! The format is TensorBoard's own: TFRecord framing (length, masked CRC32C of the length, the
//! record, masked CRC32C of the record) around `Event` protos, the first one announcing
//! `brain.Event:2`, the rest holding `Summary` values with `simple_value`, as PyTorch's
//! `SummaryWriter` writes them. Tags group in TensorBoard's sidebar: `train/loss`, `train/lr`,
//! `accuracy/<split>`, `weight_norm/total`, `weight_norm/block_L`, `bridge_mrr/layer_L`,
//! `telemetry/<name>`.
//!
//! A resumed run first drops the events after the step it resumes from (they belong to the
//! attempt that was killed), so what TensorBoard shows equals an uninterrupted run.
//!
//! ```
//! use grokked_train::tensorboard::{read_scalars, EventLog};
//! let dir = tempfile::tempdir().unwrap();
//! let mut log = EventLog::open(dir.path()).unwrap();
//! log.write_scalars(10, &[("accuracy/train_inferred".into(), 0.5)]).unwrap();
//! log.write_scalars(20, &[("accuracy/train_inferred".into(), 0.75)]).unwrap();
//! drop(log);
//! EventLog::keep_through(dir.path(), Some(10)).unwrap();
//! let back = read_scalars(dir.path()).unwrap();
//! assert_eq!(back, vec![(10, "accuracy/train_inferred".to_string(), 0.5)]);
//! ```

use crate::metrics::{MetricsLog, MetricsRow};
use grokked_model::error::{GrokError, Result};
use prost::Message;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `tensorflow.Event`, the fields this writer uses.
#[derive(Clone, PartialEq, prost::Message)]
struct Event {
    #[prost(double, tag = "1")]
    wall_time: f64,
    #[prost(int64, tag = "2")]
    step: i64,
    #[prost(string, optional, tag = "3")]
    file_version: Option<String>,
    #[prost(message, optional, tag = "5")]
    summary: Option<Summary>,
    #[prost(message, optional, tag = "10")]
    source_metadata: Option<SourceMetadata>,
}

/// `tensorflow.SourceMetadata`: which program wrote the file.
#[derive(Clone, PartialEq, prost::Message)]
struct SourceMetadata {
    #[prost(string, tag = "1")]
    writer: String,
}

/// `tensorflow.Summary`.
#[derive(Clone, PartialEq, prost::Message)]
struct Summary {
    #[prost(message, repeated, tag = "1")]
    value: Vec<SummaryValue>,
}

/// `tensorflow.Summary.Value` with a scalar.
#[derive(Clone, PartialEq, prost::Message)]
struct SummaryValue {
    #[prost(string, tag = "1")]
    tag: String,
    #[prost(float, optional, tag = "2")]
    simple_value: Option<f32>,
}

/// The CRC32C of `bytes`, masked as TFRecord stores it.
fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = crc32c::crc32c(bytes);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

/// One TFRecord: `len`, `crc(len)`, `data`, `crc(data)`.
fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// The records of a TFRecord file; a torn last record (a killed writer) ends the list, a bad
/// checksum before it is an error naming the file and offset.
fn records(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(|e| GrokError::io(path, e))?;
    let mut out = Vec::new();
    let mut at = 0usize;
    while bytes.len() - at >= 12 {
        let len_bytes: [u8; 8] = bytes[at..at + 8].try_into().expect("8 bytes");
        let len_crc = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes"));
        if masked_crc(&len_bytes) != len_crc {
            return Err(GrokError::format(
                path,
                format!("bad record length checksum at byte {at}"),
            ));
        }
        let len = u64::from_le_bytes(len_bytes) as usize;
        let end = (at + 12).saturating_add(len).saturating_add(4);
        if end > bytes.len() {
            break; // torn by a kill: the record never finished
        }
        let data = &bytes[at + 12..at + 12 + len];
        let crc = u32::from_le_bytes(bytes[end - 4..end].try_into().expect("4 bytes"));
        if masked_crc(data) != crc {
            return Err(GrokError::format(
                path,
                format!("bad record checksum at byte {at}"),
            ));
        }
        out.push(data.to_vec());
        at = end;
    }
    Ok(out)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The event files of `dir`, by name.
fn event_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| GrokError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("events.out.tfevents."))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The TensorBoard tag of a telemetry column.
fn telemetry_tag(name: &str) -> String {
    if name == "weight_norm" {
        "weight_norm/total".into()
    } else if let Some(block) = name.strip_prefix("weight_norm_h") {
        format!("weight_norm/block_{block}")
    } else if let Some(layer) = name.strip_prefix("bridge_mrr_") {
        format!("bridge_mrr/layer_{layer}")
    } else {
        format!("telemetry/{name}")
    }
}

/// The tagged scalars of one metrics row of `log`.
pub fn row_scalars(log: &MetricsLog, row: &MetricsRow) -> Vec<(String, f64)> {
    let mut out = vec![
        ("train/loss".to_string(), row.train_loss),
        ("train/lr".to_string(), row.lr),
    ];
    for (split, acc) in log.splits.iter().zip(&row.acc) {
        out.push((format!("accuracy/{}", split.name()), *acc));
    }
    for (name, v) in log.extra.iter().zip(&row.extra) {
        out.push((telemetry_tag(name), *v));
    }
    out
}

/// An open event file of a run's `tensorboard/` folder, appended to.
#[derive(Debug)]
pub struct EventLog {
    file: std::fs::File,
    path: PathBuf,
}

impl EventLog {
    /// Opens the newest event file in `dir` for appending, or starts one.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| GrokError::io(dir, e))?;
        let existing = event_files(dir)?.pop();
        let fresh = existing.is_none();
        let path = existing.unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "localhost".into());
            dir.join(format!(
                "events.out.tfevents.{}.{host}.grokked",
                now() as u64
            ))
        });
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| GrokError::io(&path, e))?;
        let mut log = EventLog { file, path };
        if fresh {
            log.write_event(&Event {
                wall_time: now(),
                step: 0,
                file_version: Some("brain.Event:2".into()),
                summary: None,
                source_metadata: Some(SourceMetadata {
                    writer: "grokked".into(),
                }),
            })?;
        }
        Ok(log)
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_event(&mut self, event: &Event) -> Result<()> {
        let framed = frame(&event.encode_to_vec());
        self.file
            .write_all(&framed)
            .and_then(|()| self.file.flush())
            .map_err(|e| GrokError::io(&self.path, e))
    }

    /// Appends one event of scalars at `step`.
    pub fn write_scalars(&mut self, step: u64, scalars: &[(String, f64)]) -> Result<()> {
        let value = scalars
            .iter()
            .map(|(tag, v)| SummaryValue {
                tag: tag.clone(),
                simple_value: Some(*v as f32),
            })
            .collect();
        self.write_event(&Event {
            wall_time: now(),
            step: step as i64,
            file_version: None,
            summary: Some(Summary { value }),
            source_metadata: None,
        })
    }

    /// Drops every event after `step` from the event files of `dir` (each rewritten through a
    /// temporary file), for a run resumed from `step`; `None` drops every scalar (a run that
    /// starts again from scratch).
    pub fn keep_through(dir: &Path, step: Option<u64>) -> Result<()> {
        let keep = |e: &Event| match step {
            Some(s) => e.step <= s as i64,
            None => e.summary.is_none(),
        };
        for path in event_files(dir)? {
            let kept: Vec<u8> = records(&path)?
                .into_iter()
                .filter(|r| Event::decode(r.as_slice()).is_ok_and(|e| keep(&e)))
                .flat_map(|r| frame(&r))
                .collect();
            grokked_model::fsutil::write_atomic(&path, &kept)?;
        }
        Ok(())
    }
}

/// Every scalar of the event files of `dir`, as (step, tag, value), in file order.
pub fn read_scalars(dir: &Path) -> Result<Vec<(u64, String, f64)>> {
    let mut out = Vec::new();
    for path in event_files(dir)? {
        for record in records(&path)? {
            let event = Event::decode(record.as_slice())
                .map_err(|e| GrokError::format(&path, format!("not an Event proto: {e}")))?;
            for v in event.summary.map(|s| s.value).unwrap_or_default() {
                if let Some(x) = v.simple_value {
                    out.push((event.step as u64, v.tag, f64::from(x)));
                }
            }
        }
    }
    Ok(out)
}
