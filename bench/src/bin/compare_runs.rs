//! Compares two run folders exactly: every metrics row (NaN equal to NaN) and every tensor of the
//! latest checkpoint's model and optimizer state. Prints the differences and their count (the
//! last line is `differences: N`); exits non-zero when there are any. Used by `scripts/chaos.sh`.
//!
//! Run: `scripts/bench.sh compare_runs RUN_A RUN_B`.

use grokked_core::model::safetensors_io::read_tensors;
use grokked_core::train::checkpoint::OPTIMIZER_FILE;
use grokked_core::train::RunDir;
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
    for file in [grokked_core::model::hf::WEIGHTS_FILE, OPTIMIZER_FILE] {
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
    for d in &diffs {
        println!("{d}");
    }
    println!("differences: {}", diffs.len());
    if !diffs.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
