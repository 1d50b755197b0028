//! Compares two run folders exactly: every metrics row (NaN equal to NaN), every tensor of the
//! latest checkpoint's model and optimizer state, and the bytes (SHA-256) of every file of every
//! checkpoint both runs hold, and of `metrics.parquet`. Prints the differences and their count
//! (the last line is `differences: N`); exits non-zero when there are any. Used by
//! `scripts/chaos.sh`.
//!
//! Run: `scripts/bench.sh compare_runs RUN_A RUN_B`.

use grokked_model::fsutil::sha256_file;
use grokked_model::safetensors_io::read_tensors;
use grokked_train::run_dir::OPTIMIZER_FILE;
use grokked_train::RunDir;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [a, b] = args.as_slice() else {
        anyhow::bail!("usage: compare_runs RUN_A RUN_B");
    };
    let (a, b) = (RunDir::new(a), RunDir::new(b));
    let mut diffs = Vec::new();
    let (ma, mb) = (a.metrics()?, b.metrics()?);
    if ma.splits != mb.splits || ma.rows.len() != mb.rows.len() {
        diffs.push(format!(
            "metrics: {} rows over {:?} vs {} rows over {:?}",
            ma.rows.len(),
            ma.splits,
            mb.rows.len(),
            mb.splits
        ));
    }
    for (ra, rb) in ma.rows.iter().zip(&mb.rows) {
        // Debug text compares floats exactly and NaN (the loss before step 1) equal to itself.
        if format!("{ra:?}") != format!("{rb:?}") {
            diffs.push(format!("metrics at step {}: {ra:?} vs {rb:?}", ra.step));
        }
    }
    let (sa, da) = a.checkpoint_at(None)?;
    let (sb, db) = b.checkpoint_at(None)?;
    if sa != sb {
        diffs.push(format!("latest checkpoint: step {sa} vs step {sb}"));
    }
    for file in [grokked_model::hf::WEIGHTS_FILE, OPTIMIZER_FILE] {
        let sorted = |dir: &std::path::Path| -> anyhow::Result<Vec<(String, tch::Tensor)>> {
            let mut t = read_tensors(&dir.join(file))?;
            t.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(t)
        };
        let (ta, tb) = (sorted(&da)?, sorted(&db)?);
        if ta.len() != tb.len() {
            diffs.push(format!("{file}: {} vs {} tensors", ta.len(), tb.len()));
        }
        for ((na, xa), (nb, xb)) in ta.iter().zip(&tb) {
            if na != nb || xa.size() != xb.size() || !xa.equal(xb) {
                diffs.push(format!("{file}: tensor {na} differs"));
            }
        }
    }
    diffs.extend(file_differences(&a, &b)?);
    for d in &diffs {
        println!("{d}");
    }
    println!("differences: {}", diffs.len());
    if !diffs.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// The files whose bytes differ between the two runs: `metrics.parquet` and every file of each
/// checkpoint step that both runs hold (a file only one of them has counts too).
fn file_differences(a: &RunDir, b: &RunDir) -> anyhow::Result<Vec<String>> {
    let mut diffs = Vec::new();
    let mut pairs = vec![(a.metrics_file(), b.metrics_file())];
    let steps_b: Vec<u64> = b.checkpoints()?.into_iter().map(|(s, _)| s).collect();
    let mut compared = 0;
    for (step, dir_a) in a.checkpoints()? {
        if !steps_b.contains(&step) {
            continue;
        }
        compared += 1;
        let dir_b = b.checkpoint_dir(step);
        let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&dir_a)?
            .chain(std::fs::read_dir(&dir_b)?)
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        names.dedup();
        pairs.extend(names.into_iter().map(|n| (dir_a.join(&n), dir_b.join(&n))));
    }
    for (fa, fb) in pairs {
        let hash = |p: &std::path::Path| sha256_file(p).ok();
        if hash(&fa).is_none() || hash(&fa) != hash(&fb) {
            diffs.push(format!(
                "bytes differ: {} vs {}",
                fa.display(),
                fb.display()
            ));
        }
    }
    println!("compared the files of {compared} checkpoints both runs hold");
    Ok(diffs)
}
