//! Analyses of a composition run's checkpoints written into the run folder: the logit lens,
//! causal tracing, attention and integrated gradients at one checkpoint
//! (`analysis/step-N/*.parquet|png|svg`), and the logit lens tracked across checkpoints
//! (`analysis/lens_across_checkpoints.*`).
//!
//! ```no_run
//! use grokked_experiments::report::{analyze_checkpoint, AnalyzeOptions};
//! let report = analyze_checkpoint("runs/composition-small".as_ref(), None, &AnalyzeOptions::default()).unwrap();
//! println!("{}", report.lens.unwrap());
//! ```

use grokked_data::{io::table, Split, TaskKind};
use grokked_lens::composition::{attention_from_last, causal_trace, probe_ids, probes};
use grokked_lens::integrated_gradients::{
    integrated_gradients, Baseline, IgOptions, IgResult, IgTarget,
};
use grokked_lens::logit_lens::{composition_lens, CompositionProbe};
use grokked_model::error::{GrokError, Result};
use grokked_model::{Gpt, LoadPolicy};
use grokked_train::run_dir::{LoadedRun, RunDir};
use grokked_viz::bars::{bars, Bars};
use grokked_viz::charts::{line_chart, LineSpec, Series};
use grokked_viz::heatmap::{heatmap, Heatmap};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Which analyses to run, over how many examples of which split.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeOptions {
    /// Logit lens (MRR of b at r1 and of r2 at r2, per layer).
    pub lens: bool,
    /// Causal tracing.
    pub trace: bool,
    /// Attention from the last input position.
    pub attention: bool,
    /// Integrated gradients of the first example's answer.
    pub ig: bool,
    /// Number of examples (the paper uses 300).
    pub examples: usize,
    /// Where the examples come from.
    pub split: Split,
    /// Seed of the perturbations.
    pub seed: u64,
    /// What loading the run's checkpoints may do (a plugin needs consent).
    pub policy: LoadPolicy,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            lens: true,
            trace: true,
            attention: true,
            ig: true,
            examples: 300,
            split: Split::TrainInferred,
            seed: 0,
            policy: LoadPolicy::data_only(),
        }
    }
}

/// What [`analyze_checkpoint`] computed (and wrote under `dir`).
#[derive(Debug)]
pub struct Report {
    /// The checkpoint's step.
    pub step: u64,
    /// The folder the tables and plots went to.
    pub dir: PathBuf,
    /// `layer, measure, mrr, mean_rank`.
    pub lens: Option<DataFrame>,
    /// `layer, position, metric` (share of answers changed).
    pub trace: Option<DataFrame>,
    /// Row labels `L{l}H{h}` and mean attention to (h, r1, r2) from the r2 position.
    pub attention: Option<(Vec<String>, Vec<Vec<f64>>)>,
    /// Integrated gradients of the first example's answer logit.
    pub ig: Option<IgResult>,
}

/// A composition run's config, task, tokenizer and device.
fn composition_run(run: &RunDir) -> Result<LoadedRun> {
    let loaded = run.load()?;
    if loaded.data.task != TaskKind::Composition {
        return Err(GrokError::Invalid(format!(
            "{}: the mechanistic analyses cover composition runs; this run is {:?}",
            run.path().display(),
            loaded.data.task
        )));
    }
    Ok(loaded)
}

const POSITIONS: [&str; 3] = ["h", "r1", "r2"];

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name)
        .map_err(|e| GrokError::Invalid(e.to_string()))
}

fn pe(e: PolarsError) -> GrokError {
    GrokError::Invalid(e.to_string())
}

/// An integer column (nulls as 0).
fn ints(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(column(df, name)?
        .i64()
        .map_err(pe)?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// An unsigned column (nulls as 0).
fn unsigned(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    Ok(column(df, name)?
        .u64()
        .map_err(pe)?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// A float column (nulls as NaN).
fn floats(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    Ok(column(df, name)?
        .f64()
        .map_err(pe)?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// A string column (nulls as "").
fn strings(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(column(df, name)?
        .str()
        .map_err(pe)?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

fn lens_heatmap(df: &DataFrame, rows: &[String], title: &str, stem: &Path) -> Result<()> {
    let n_layers = rows.len();
    let layer = ints(df, "layer")?;
    let measure = strings(df, "measure")?;
    let mrr = floats(df, "mrr")?;
    let cols = vec!["b@r1".to_string(), "r2@r2".to_string()];
    let mut values = vec![vec![f64::NAN; 2]; n_layers];
    for i in 0..layer.len() {
        let c = usize::from(measure[i] == "r2@r2");
        values[layer[i] as usize][c] = mrr[i];
    }
    let rows = rows.to_vec();
    heatmap(
        &Heatmap {
            title: title.into(),
            rows,
            cols,
            values,
            range: (0.0, 1.0),
        },
        stem,
    )
}

fn trace_heatmap(df: &DataFrame, rows: &[String], title: &str, stem: &Path) -> Result<()> {
    let n_layers = rows.len();
    let layer = ints(df, "layer")?;
    let pos = ints(df, "position")?;
    let metric = floats(df, "metric")?;
    let mut values = vec![vec![f64::NAN; 3]; n_layers];
    for i in 0..layer.len() {
        values[layer[i] as usize][pos[i] as usize] = metric[i];
    }
    let rows = rows.to_vec();
    heatmap(
        &Heatmap {
            title: title.into(),
            rows,
            cols: POSITIONS.map(String::from).to_vec(),
            values,
            range: (0.0, 1.0),
        },
        stem,
    )
}

fn ig_of(gpt: &Gpt, probe: &CompositionProbe) -> Result<IgResult> {
    let ids = probe_ids(std::slice::from_ref(probe), gpt.wte.ws.device());
    let target = IgTarget {
        position: 2,
        token: probe.t,
        prob: false,
    };
    integrated_gradients(
        gpt,
        &ids,
        target,
        Baseline::Zeros,
        &IgOptions {
            n_steps: 128,
            ..Default::default()
        },
    )
}

/// Runs the chosen analyses on checkpoint `step` (default: the latest) of a composition run.
pub fn analyze_checkpoint(run: &Path, step: Option<u64>, opts: &AnalyzeOptions) -> Result<Report> {
    let run = RunDir::new(run);
    let LoadedRun {
        data,
        tokenizer: tok,
        device,
        ..
    } = composition_run(&run)?;
    let (model, step) = run.load_model_with(step, device, &opts.policy)?;
    let gpt = &model.gpt;
    // Rows: `layer i` for the blocks' outputs, a plugin's stage by its own sites.
    let rows = gpt.resid_labels();
    let ps = probes(&data, &tok, opts.split, opts.examples)?;
    if ps.is_empty() {
        return Err(GrokError::Invalid(format!(
            "split {} has no inferred facts to analyse",
            opts.split
        )));
    }
    let dir = run.analysis_dir().join(format!("step-{step}"));
    let mut report = Report {
        step,
        dir: dir.clone(),
        lens: None,
        trace: None,
        attention: None,
        ig: None,
    };
    if opts.lens {
        let mut df = composition_lens(gpt, &ps)?;
        table::write_parquet(&mut df, &dir.join("logit_lens.parquet"))?;
        lens_heatmap(
            &df,
            &rows,
            &format!("Logit lens MRR at step {step}"),
            &dir.join("logit_lens"),
        )?;
        report.lens = Some(df);
    }
    if opts.trace {
        let mut df = causal_trace(gpt, &tok, &ps, opts.seed)?;
        table::write_parquet(&mut df, &dir.join("causal_trace.parquet"))?;
        trace_heatmap(
            &df,
            &rows,
            &format!("Causal tracing: answers changed, step {step}"),
            &dir.join("causal_trace"),
        )?;
        report.trace = Some(df);
    }
    if opts.attention {
        let (labels, rows) = attention_from_last(gpt, &ps)?;
        let h = Heatmap {
            title: format!("Attention from r2 at step {step}"),
            rows: labels.clone(),
            cols: POSITIONS.map(String::from).to_vec(),
            values: rows.clone(),
            range: (0.0, 1.0),
        };
        heatmap(&h, &dir.join("attention"))?;
        report.attention = Some((labels, rows));
    }
    if opts.ig {
        let res = ig_of(gpt, &ps[0])?;
        let labels: Vec<String> = [ps[0].h, ps[0].r1, ps[0].r2]
            .iter()
            .map(|&t| tok.vocab()[t as usize].clone())
            .collect();
        let chart = Bars::signed(
            &format!("Integrated gradients of the answer, step {step}"),
            "attribution to the answer's logit",
            &labels,
            &res.per_token,
        );
        bars(&chart, &dir.join("integrated_gradients"))?;
        report.ig = Some(res);
    }
    Ok(report)
}

/// The logit lens at every checkpoint of a run: a DataFrame `step, layer, measure, mrr, mean_rank`,
/// written with a chart of the bridge's MRR per layer against step.
pub fn lens_across_checkpoints(run: &Path, opts: &AnalyzeOptions) -> Result<DataFrame> {
    let run = RunDir::new(run);
    let LoadedRun {
        data,
        tokenizer: tok,
        device,
        ..
    } = composition_run(&run)?;
    let ps = probes(&data, &tok, opts.split, opts.examples)?;
    let mut frames = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for (step, _) in run.checkpoints()? {
        let (model, _) = run.load_model_with(Some(step), device, &opts.policy)?;
        labels = model.gpt.resid_labels();
        let df = composition_lens(&model.gpt, &ps)?;
        let n = df.height();
        let mut df = df;
        df.with_column(Column::new("step".into(), vec![step; n]))
            .map_err(|e| GrokError::Invalid(e.to_string()))?;
        frames.push(df);
    }
    let mut all = frames
        .into_iter()
        .reduce(|mut a, b| {
            a.vstack_mut(&b).expect("same columns");
            a
        })
        .ok_or_else(|| GrokError::Invalid(format!("{}: no checkpoints", run.path().display())))?;
    let dir = run.analysis_dir();
    table::write_parquet(&mut all, &dir.join("lens_across_checkpoints.parquet"))?;
    let steps = unsigned(&all, "step")?;
    let layers = ints(&all, "layer")?;
    let measure = strings(&all, "measure")?;
    let mrr = floats(&all, "mrr")?;
    let mut series: Series = labels.into_iter().map(|l| (l, Vec::new())).collect();
    for i in 0..steps.len() {
        if measure[i] == "b@r1" {
            series[layers[i] as usize].1.push((steps[i] as f64, mrr[i]));
        }
    }
    let spec = LineSpec {
        title: "Bridge entity at the r1 position: MRR per layer across checkpoints".into(),
        x_desc: "checkpoint step".into(),
        y_desc: "MRR of b@r1".into(),
        log_x: false,
        y_range: (0.0, 1.02),
    };
    line_chart(&spec, &series, &dir.join("lens_across_checkpoints"))?;
    Ok(all)
}
