//! `grokked data gen` and `grokked data stats`.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use grokked_data::{
    io::folder, io::official_json, io::reasoning_csv, tasks::rules::RulesSpec, TaskSpec,
};
use std::path::{Path, PathBuf};

/// `grokked data ...`
#[derive(Subcommand)]
pub enum DataCommand {
    /// Generate a task into a folder (examples.parquet, tokenizer.json, vocab.json, task.json).
    Gen(Box<GenArgs>),
    /// Print the counts of a task folder, an official-format folder, or a reasoning CSV
    /// (validating it; exits non-zero on bad input).
    Stats {
        /// A folder written by `data gen`, a folder of official JSON files, or a CSV file.
        path: PathBuf,
    },
}

/// Generator parameters; each defaults to the paper's setting of the chosen task.
#[derive(Args)]
pub struct GenArgs {
    /// composition, comparison, complex or rules.
    #[arg(long)]
    task: String,
    /// Output folder (for rules: a CSV file path or a folder).
    #[arg(long)]
    out: PathBuf,
    /// Also write the official repository's JSON files into OUT/official.
    #[arg(long)]
    official: bool,
    /// Number of entities (default: 2000 composition, 1000 comparison/complex).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    entities: Option<usize>,
    /// Number of relations (composition; default 200).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    relations: Option<usize>,
    /// Relations per entity (composition; default 20).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    out_degree: Option<usize>,
    /// Hops per inferred fact (composition; default 2, the paper's task): K-hop chains
    /// `<e_h><r_1>...<r_K>` answered with the entity the K atomic facts lead to.
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    hops: Option<usize>,
    /// Train every hop count from MIN_HOPS to HOPS at once (composition; default: HOPS alone).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    min_hops: Option<usize>,
    /// Longer hop counts held out for testing only, e.g. `4,5` (composition).
    #[arg(long, value_delimiter = ',', value_parser = count, allow_hyphen_values = true)]
    test_hops: Vec<usize>,
    /// Share of OOD atomic facts (composition, default 0.05) or of OOD rows (rules, default 0.1).
    #[arg(long)]
    ood_ratio: Option<f64>,
    /// Inferred training facts per ID atomic fact (default 7.2).
    #[arg(long)]
    phi: Option<f64>,
    /// Probability that an ID inferred fact is held out (default 0.005 composition, 0.1 comparison/complex).
    #[arg(long)]
    test_id_prob: Option<f64>,
    /// Cap on each evaluation split (default 3000).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    max_test: Option<usize>,
    /// Number of attributes (comparison/complex; default 20).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    attributes: Option<usize>,
    /// Number of ordinal values (comparison/complex; default 20).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    values: Option<usize>,
    /// Share of ID entities per attribute (comparison/complex; default 0.9).
    #[arg(long)]
    id_ratio: Option<f64>,
    /// Share of ID-ID and ID-OOD comparisons in training (complex; default 0.03).
    #[arg(long)]
    train_ratio: Option<f64>,
    /// Test queries per label (complex; default 50).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    queries_per_label: Option<usize>,
    /// Number of rows (rules; default 300).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    rows: Option<usize>,
    /// Share of ID test rows (rules; default 0.1).
    #[arg(long)]
    test_id_ratio: Option<f64>,
    /// Seed (default 0).
    #[arg(long)]
    seed: Option<u64>,
}

/// A whole number of things: `-5` or `2.5` is refused with what was given (clap alone would
/// read `-5` as an unknown flag).
fn count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| format!("`{text}` is not a count (a whole number, 0 or more)"))
}

impl GenArgs {
    /// The flags given, as (parameter, JSON value) pairs.
    fn overrides(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("entities", self.entities.map(|v| v.to_string()));
        put("relations", self.relations.map(|v| v.to_string()));
        put("out_degree", self.out_degree.map(|v| v.to_string()));
        put("hops", self.hops.map(|v| v.to_string()));
        put("min_hops", self.min_hops.map(|v| v.to_string()));
        put(
            "test_hops",
            (!self.test_hops.is_empty()).then(|| format!("{:?}", self.test_hops)),
        );
        put("ood_ratio", self.ood_ratio.map(|v| v.to_string()));
        put("phi", self.phi.map(|v| v.to_string()));
        put("test_id_prob", self.test_id_prob.map(|v| v.to_string()));
        put("max_test", self.max_test.map(|v| v.to_string()));
        put("attributes", self.attributes.map(|v| v.to_string()));
        put("values", self.values.map(|v| v.to_string()));
        put("id_ratio", self.id_ratio.map(|v| v.to_string()));
        put("train_ratio", self.train_ratio.map(|v| v.to_string()));
        put(
            "queries_per_label",
            self.queries_per_label.map(|v| v.to_string()),
        );
        put("rows", self.rows.map(|v| v.to_string()));
        put("test_id_ratio", self.test_id_ratio.map(|v| v.to_string()));
        put("seed", self.seed.map(|v| v.to_string()));
        out
    }
}

fn gen_rules(args: &GenArgs) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(RulesSpec::default())?;
    for (k, v) in args.overrides() {
        let obj = value.as_object_mut().expect("object");
        if !obj.contains_key(k) {
            bail!("rules task: field `{k}`: no such parameter");
        }
        obj.insert(k.into(), serde_json::from_str(&v)?);
    }
    let spec: RulesSpec = serde_json::from_value(value)?;
    let path = if args.out.extension().is_some_and(|e| e == "csv") {
        args.out.clone()
    } else {
        args.out.join("reasoning_dataset.csv")
    };
    let rows = spec.generate()?;
    reasoning_csv::write(&rows, &path)?;
    println!("wrote {} rows to {}", rows.len(), path.display());
    Ok(())
}

fn gen(args: GenArgs) -> anyhow::Result<()> {
    if args.task == "rules" {
        return gen_rules(&args);
    }
    let spec = TaskSpec::paper(&args.task)?.with_overrides(&args.overrides())?;
    let start = std::time::Instant::now();
    let data = spec.generate()?;
    folder::save(&data, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    if args.official {
        official_json::write(&data, &args.out.join("official"))?;
    }
    println!("{}", folder::Stats::of(&data));
    println!(
        "wrote {} in {:.2}s",
        args.out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn stats(path: &Path) -> anyhow::Result<()> {
    if path.is_file() {
        let rows = reasoning_csv::read(path)?;
        let mut counts = std::collections::BTreeMap::new();
        for r in &rows {
            let key = (
                r.split.clone().unwrap_or_else(|| "-".into()),
                r.case.clone().unwrap_or_else(|| "-".into()),
            );
            *counts.entry(key).or_insert(0usize) += 1;
        }
        println!("{}: {} rows", path.display(), rows.len());
        for ((split, case), n) in counts {
            println!("  {split:<18} {case:<10} {n:>6}");
        }
        return Ok(());
    }
    let data = if path.join(folder::TASK_FILE).is_file() {
        folder::load(path)?
    } else {
        official_json::read(path)?
    };
    println!("{}", folder::Stats::of(&data));
    Ok(())
}

/// Runs a `data` subcommand.
pub fn run(cmd: DataCommand) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Gen(args) => gen(*args),
        DataCommand::Stats { path } => stats(&path),
    }
}
