//! Steps and seconds until ID test accuracy reaches 95% on composition-small, per grokking method,
//! over seeds: the methods are the variants of `datasets/sweeps/methods.toml`, run as a sweep
//! (done points of an earlier run in the same folder are reused), then the Python peer (HF GPT-2
//! with a PyTorch loop, plain AdamW) on the same data. Prints one row per method: median steps to
//! 95% ID, median seconds, speed-up over plain AdamW, median final train / ID / OOD / atomic
//! accuracy. Long (minutes per run on 2 cores): a benchmark, never a test.
//!
//! Run: `scripts/bench.sh time_to_grok [--seeds 0,1,2] [--methods plain,grokfast,...]
//! [--jobs 1] [--threads N] [--out runs/bench/time_to_grok] [--peer-seeds 0,1,2]`.

use anyhow::{bail, Context};
use grokked_bench::{root, run_peer};
use grokked_data::Split;
use grokked_experiments::sweep::collect::point_metrics;
use grokked_experiments::sweep::local::{run_local, LocalOptions};
use grokked_experiments::sweep::status::read_status;
use grokked_experiments::sweep::{SweepDir, SweepSpec};
use grokked_train::Trainer;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One run of a method: steps to 95% ID (None: not within the budget), wall seconds, and the
/// final accuracy of the shown splits.
type Run = (Option<u64>, f64, Vec<f64>);

fn list<T: std::str::FromStr>(text: &str) -> anyhow::Result<Vec<T>> {
    text.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("bad list item `{s}`"))
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn main() -> anyhow::Result<()> {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let key = flag
            .strip_prefix("--")
            .with_context(|| format!("unexpected argument {flag}"))?;
        args.insert(
            key.to_string(),
            it.next().with_context(|| format!("{flag} needs a value"))?,
        );
    }
    let spec_path = root().join("datasets/sweeps/methods.toml");
    let mut spec = SweepSpec::from_file(&spec_path)?;
    spec.base = spec_path.parent().unwrap().join(&spec.base);
    if let Some(seeds) = args.get("seeds") {
        spec.seeds = list(seeds)?;
    }
    if let Some(methods) = args.get("methods") {
        let wanted: Vec<String> = list(methods)?;
        if let Some(m) = wanted
            .iter()
            .find(|m| !spec.variants.iter().any(|v| &v.name == *m))
        {
            bail!("no method `{m}` in {}", spec_path.display());
        }
        spec.variants.retain(|v| wanted.contains(&v.name));
    }
    if !spec.variants.iter().any(|v| v.name == "plain") {
        bail!("the methods must include `plain`, the baseline of the speed-ups");
    }
    let out = PathBuf::from(
        args.get("out")
            .map_or("runs/bench/time_to_grok", String::as_str),
    );
    std::fs::create_dir_all(&out)?;
    let derived = out.join("requested.toml");
    std::fs::write(&derived, toml::to_string(&spec)?)?;
    let sweep = SweepDir::create(&derived, &out.join("sweep"))?;
    let threads = args
        .get("threads")
        .map(|t| t.parse())
        .transpose()?
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let jobs = args
        .get("jobs")
        .map(|j| j.parse())
        .transpose()?
        .unwrap_or(1);
    let exe = std::env::current_exe()?.with_file_name("grokked");
    if !exe.is_file() {
        bail!("{} missing: scripts/bench.sh builds it", exe.display());
    }
    let report = run_local(
        &sweep,
        &LocalOptions {
            jobs,
            threads,
            exe,
            retries: 0,
        },
    )?;
    for (name, err) in &report.failed {
        eprintln!("point {name} failed: {err}");
    }

    let mut rows: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    let shown = [
        Split::TrainInferred,
        Split::TestInferredId,
        Split::TestInferredOod,
        Split::IdAtomic,
    ];
    for (point, log) in point_metrics(&sweep)? {
        let Some(log) = log else { continue };
        let method = point.keys[0].1.clone();
        let wall = read_status(&sweep.point_dir(&point))?.map_or(f64::NAN, |s| s.wall_s);
        let finals = shown
            .iter()
            .map(|s| log.series(*s).last().map_or(f64::NAN, |(_, a)| *a))
            .collect();
        rows.entry(method)
            .or_default()
            .push((log.summary().id_95_at, wall, finals));
    }
    let budget = sweep.config(&sweep.points()[0])?.train.max_steps;
    let steps_of = |runs: &[Run]| {
        // A run that never reached 95% counts as the budget (a lower bound on its steps).
        median(runs.iter().map(|r| r.0.unwrap_or(budget) as f64).collect())
    };
    let plain = rows.get("plain").and_then(|r| steps_of(r));
    println!(
        "composition-small, seeds {:?}, {threads} threads, {jobs} at once: steps to ID test >= 95% \
         (evaluated every 250; budget {budget})",
        spec.seeds
    );
    println!(
        "{:<22} {:>12} {:>9} {:>9}  {:>7} {:>7} {:>7} {:>7}  reached",
        "method", "median steps", "median s", "speed-up", "train", "ID", "OOD", "atomic"
    );
    for v in &spec.variants {
        let Some(runs) = rows.get(&v.name) else {
            continue;
        };
        let steps = steps_of(runs);
        let secs = median(runs.iter().map(|r| r.1).collect());
        let speed = match (plain, steps) {
            (Some(p), Some(s)) if s > 0.0 => format!("{:.2}x", p / s),
            _ => "-".into(),
        };
        let fin = |i: usize| {
            median(runs.iter().map(|r| r.2[i]).collect()).map_or(f64::NAN, |a| 100.0 * a)
        };
        println!(
            "{:<22} {:>12} {:>9.1} {:>9}  {:>6.1}% {:>6.1}% {:>6.1}% {:>6.1}%  {}/{}",
            v.name,
            steps.map_or("-".into(), |s| format!("{s:.0}")),
            secs.unwrap_or(f64::NAN),
            speed,
            fin(0),
            fin(1),
            fin(2),
            fin(3),
            runs.iter().filter(|r| r.0.is_some()).count(),
            runs.len()
        );
    }

    // The peer: plain AdamW in HF GPT-2 + a PyTorch loop, on each seed's data.
    let peer_seeds: Vec<u64> = match args.get("peer-seeds") {
        Some(s) => list(s)?,
        None => spec.seeds.clone(),
    };
    let mut peer_steps = Vec::new();
    let mut peer_secs = Vec::new();
    for seed in peer_seeds {
        let plain_point = sweep
            .points()
            .into_iter()
            .find(|p| {
                p.keys[0].1 == "plain" && p.keys.last().is_some_and(|k| k.1 == seed.to_string())
            })
            .with_context(|| format!("no plain point with seed {seed}"))?;
        let cfg = sweep.config(&plain_point)?;
        let dir = out.join(format!("peer-seed-{seed}"));
        let _ = std::fs::remove_dir_all(&dir);
        tch::set_num_threads(threads as i32);
        let trainer = Trainer::new(cfg.clone(), &dir)?;
        let peer = run_peer(&trainer, &dir, cfg.train.max_steps, 250, 0.95, "cpu")?;
        peer_steps.push(
            peer.curve
                .iter()
                .find(|(_, a)| *a >= 0.95)
                .map_or(budget as f64, |(s, _)| *s as f64),
        );
        peer_secs.push(peer.seconds);
    }
    if !peer_steps.is_empty() {
        println!(
            "{:<22} {:>12.0} {:>9.1} {:>9}  (HF GPT2LMHeadModel + PyTorch AdamW loop, {} seeds)",
            "HF + PyTorch peer",
            median(peer_steps.clone()).unwrap_or(f64::NAN),
            median(peer_secs).unwrap_or(f64::NAN),
            "",
            peer_steps.len()
        );
    }
    Ok(())
}
