//! Generates the paper-scale composition set (|E| 2000, |R| 200, phi 18) and prints the time.
//!
//! Run: `scripts/bench.sh data_gen` (release build). Goal: under 5 s on 2 cores.

use grokked_bench::timed;
use grokked_data::{io::folder, io::table, tasks::composition::CompositionSpec};

fn main() -> anyhow::Result<()> {
    let spec = CompositionSpec {
        phi: 18.0,
        ..Default::default()
    };
    let (gen_s, data) = timed(|| spec.generate());
    let data = data?;
    let (df_s, df) = timed(|| table::to_dataframe(&data));
    let dir = std::env::temp_dir().join(format!("grokked-bench-{}", std::process::id()));
    let (save_s, saved) = timed(|| folder::save(&data, &dir));
    saved?;
    std::fs::remove_dir_all(&dir)?;
    println!(
        "composition |E| 2000, phi 18: {} rows ({} train inferred)",
        df?.height(),
        data.train_inferred()
    );
    println!("generate: {gen_s:.2}s  dataframe: {df_s:.2}s  save folder (parquet+tokenizer): {save_s:.2}s");
    println!("generate + save: {:.2}s (goal < 5 s)", gen_s + save_s);
    Ok(())
}
