//! Parametric versus non-parametric memory on the complex-reasoning task (paper section 5): a
//! transformer trained on the facts, holding them in its weights (the paper's grokked transformer,
//! once it groks), against a transformer of the same family answering from BM25-retrieved facts
//! placed in its context, with the symbolic oracle, chance and the paper's LLM figures as
//! reference rows. Lives here because it joins the trainer (core) with the fact store (retrieval).
//!
//! ```no_run
//! use grokked_experiments::compare_memory::{compare_memory, CompareOptions};
//! use grokked_train::RunConfig;
//! let cfg = RunConfig::from_file("datasets/configs/complex-small.toml".as_ref()).unwrap();
//! let table = compare_memory(&cfg, "runs/complex-small".as_ref(), &CompareOptions::default(), &mut grokked_train::observer::Silent).unwrap();
//! println!("{table}");
//! ```

use grokked_data::{io::table, Split, TaskData};
use grokked_model::error::{GrokError, Result};
use grokked_retrieval::context::{in_context_task, oracle_accuracy};
use grokked_retrieval::facts::{training_facts, Fact};
use grokked_retrieval::store::FactStore;
use grokked_train::observer::TrainObserver;
use grokked_train::{MetricsLog, RunConfig, RunDir, Trainer};
use grokked_viz::bars::{bars, Bars};
use polars::prelude::*;
use std::path::Path;
use std::time::Instant;

/// The comparison's knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Facts retrieved per query.
    pub k: usize,
    /// Training steps of the retrieval reasoner (default: the config's max_steps).
    pub reasoner_steps: Option<u64>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            k: 8,
            reasoner_steps: None,
        }
    }
}

/// Reference rows: the paper's figures on its complex task (section 5) and chance.
pub const REFERENCES: [(&str, f64); 4] = [
    ("chance (3 labels)", 1.0 / 3.0),
    ("paper: GPT-4-Turbo + retrieval", 0.333),
    ("paper: Gemini-1.5-Pro + retrieval", 0.373),
    ("paper: grokked transformer", 0.993),
];

fn last_accuracy(metrics: &MetricsLog, split: Split) -> f64 {
    metrics.series(split).last().map_or(f64::NAN, |(_, a)| *a)
}

/// What the comparison needs of a run: its task and its metrics.
struct Trained {
    data: TaskData,
    metrics: MetricsLog,
}

/// Trains the run in `dir`, resumes it, or, when its newest checkpoint already reached
/// `max_steps`, loads it as it is: a finished run needs no optimizer state, so run folders shipped
/// without one (the final weights only) still give the table.
fn train_or_load(
    cfg: &RunConfig,
    dir: &Path,
    data: Option<TaskData>,
    observer: &mut dyn TrainObserver,
) -> Result<Trained> {
    let run = RunDir::new(dir);
    let latest = run.latest_checkpoint()?.map(|(step, _)| step);
    if latest.is_some_and(|step| step >= cfg.train.max_steps) {
        return Ok(Trained {
            data: run.load()?.data,
            metrics: run.metrics()?,
        });
    }
    let mut t = if latest.is_some() {
        let mut t = Trainer::resume(dir)?;
        t.cfg.train.max_steps = cfg.train.max_steps;
        t
    } else {
        match data {
            Some(d) => Trainer::with_data(cfg.clone(), dir, d)?,
            None => Trainer::new(cfg.clone(), dir)?,
        }
    };
    t.run(observer)?;
    Ok(Trained {
        data: t.data,
        metrics: t.metrics,
    })
}

fn dims(data: &TaskData) -> (usize, usize) {
    let count = |p: &str| {
        data.vocab
            .iter()
            .filter(|t| t.starts_with(p) && !t.contains("attr"))
            .count()
    };
    let values = data
        .vocab
        .iter()
        .filter(|t| {
            t.trim_matches(|c| c == '<' || c == '>')
                .parse::<usize>()
                .is_ok()
        })
        .count();
    (count("<e_"), values)
}

/// Trains, resumes or (when finished) loads the parametric model in `out/parametric` and the
/// retrieval reasoner in `out/retrieval`, scores both and the oracle on `test_hard`, and writes
/// `out/compare_memory.parquet` and `out/compare_memory.png|svg`. Returns the table
/// (`method, source, accuracy, wall_s`; `source` is one of [`SOURCES`]; `wall_s` is the time
/// this call spent on the row, so a loaded run's is its loading, not its training).
pub fn compare_memory(
    cfg: &RunConfig,
    out: &Path,
    opts: &CompareOptions,
    observer: &mut dyn TrainObserver,
) -> Result<DataFrame> {
    if !matches!(cfg.data.name(), "complex" | "folder") {
        return Err(GrokError::config(
            "data.task",
            format!(
                "compare-memory needs the complex task, got {}",
                cfg.data.name()
            ),
        ));
    }
    let mut rows: Vec<(String, f64, f64)> = Vec::new();
    let start = Instant::now();
    let parametric = train_or_load(cfg, &out.join("parametric"), None, observer)?;
    if parametric.data.task != grokked_data::TaskKind::Complex {
        return Err(GrokError::config(
            "data.path",
            format!(
                "compare-memory needs the complex task, got a {:?} task",
                parametric.data.task
            ),
        ));
    }
    rows.push((
        "parametric transformer (facts in the weights)".into(),
        last_accuracy(&parametric.metrics, Split::TestHard),
        start.elapsed().as_secs_f64(),
    ));

    let data = &parametric.data;
    let start = Instant::now();
    let store =
        FactStore::new(training_facts(data)).map_err(|e| GrokError::Invalid(e.to_string()))?;
    let task =
        in_context_task(data, &store, opts.k).map_err(|e| GrokError::Invalid(e.to_string()))?;
    let mut rcfg = cfg.clone();
    rcfg.name = format!("{}-retrieval", cfg.name);
    if let Some(steps) = opts.reasoner_steps {
        rcfg.train.max_steps = steps;
    }
    rcfg.train.stop_at_id_accuracy = None;
    let reasoner = train_or_load(&rcfg, &out.join("retrieval"), Some(task), observer)?;
    rows.push((
        format!("retrieval reasoner (BM25 top-{})", opts.k),
        last_accuracy(&reasoner.metrics, Split::TestHard),
        start.elapsed().as_secs_f64(),
    ));

    let (entities, values) = dims(data);
    let start = Instant::now();
    let all = oracle_accuracy(data, store.facts(), Split::TestHard, entities, values);
    rows.push((
        "symbolic oracle (all training facts)".into(),
        all,
        start.elapsed().as_secs_f64(),
    ));
    let start = Instant::now();
    let retrieved = retrieved_oracle(data, &store, opts.k, entities, values)?;
    rows.push((
        format!("symbolic oracle (retrieved top-{} only)", opts.k),
        retrieved,
        start.elapsed().as_secs_f64(),
    ));
    for (name, acc) in REFERENCES {
        rows.push((name.into(), acc, f64::NAN));
    }
    // Where each row comes from: this run's models, the oracle over this run's facts, or a
    // reference figure (chance and the paper's numbers, not measured here).
    let source = |name: &str| {
        if name.starts_with("paper: ") {
            SOURCES[2]
        } else if name.starts_with("chance") {
            SOURCES[3]
        } else if name.starts_with("symbolic oracle") {
            SOURCES[1]
        } else {
            SOURCES[0]
        }
    };
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "method".into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "source".into(),
                rows.iter().map(|r| source(&r.0)).collect::<Vec<_>>(),
            ),
            Column::new(
                "accuracy".into(),
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "wall_s".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(|e| GrokError::Invalid(e.to_string()))?;
    table::write_parquet(&mut df, &out.join("compare_memory.parquet"))?;
    let chart = Bars {
        title: "Accuracy on the complex-reasoning test queries (test_hard)".into(),
        y_desc: "exact-match accuracy".into(),
        labels: rows.iter().map(|r| short_label(&r.0)).collect(),
        values: rows.iter().map(|r| r.1).collect(),
        series: SOURCES.iter().map(|s| s.to_string()).collect(),
        series_of: rows
            .iter()
            .map(|r| SOURCES.iter().position(|s| *s == source(&r.0)).unwrap_or(0))
            .collect(),
    };
    bars(&chart, &out.join("compare_memory"))?;
    Ok(df)
}

/// The `source` column's values, in the chart's legend order.
pub const SOURCES: [&str; 4] = [
    "trained here",
    "oracle on this run's facts",
    "paper (reported)",
    "chance",
];

/// A bar label: the method without its parenthesised detail, keeping what tells rows apart.
fn short_label(method: &str) -> String {
    let detail = method
        .split_once(" (")
        .map(|(_, d)| d.trim_end_matches(')'));
    let head = method.split(" (").next().unwrap_or(method);
    match (head, detail) {
        ("symbolic oracle", Some(d)) => format!("oracle ({})", d.replace(" training facts", "")),
        (h, _) if h.starts_with("paper: ") => h.replacen("paper: ", "paper ", 1),
        (h, _) => h.to_string(),
    }
}

/// The oracle's accuracy when it sees only each query's retrieved facts.
fn retrieved_oracle(
    data: &TaskData,
    store: &FactStore,
    k: usize,
    entities: usize,
    values: usize,
) -> Result<f64> {
    let queries: Vec<_> = data.split(Split::TestHard).collect();
    let mut right = 0usize;
    for q in &queries {
        let f = |i: usize| {
            q.fields[i]
                .map(|v| v as usize)
                .ok_or_else(|| GrokError::Invalid("query without structure".into()))
        };
        let (a, e1, e2) = (f(0)?, f(1)?, f(2)?);
        let label = grokked_data::tokens::vocab::compare(f(3)?, f(4)?);
        let facts: Vec<Fact> = store
            .retrieve(a, e1, e2, k)
            .map_err(|e| GrokError::Invalid(e.to_string()))?;
        right += usize::from(
            grokked_retrieval::oracle::prove(&facts, a, e1, e2, entities, values)
                .is_some_and(|(l, _)| l == label),
        );
    }
    Ok(if queries.is_empty() {
        f64::NAN
    } else {
        right as f64 / queries.len() as f64
    })
}
