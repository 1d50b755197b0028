//! Collecting a sweep: `summary.parquet` with one row per point (its axis values, seed, status,
//! the step at train saturation and at ID >= 95%, the final accuracy of every split (and of every
//! per-hop column, `<split>_<K>hop`, of a task of several hop counts) with the examples it was
//! measured on, `n_S`, and its 95% Wilson interval, `final_S_lo` / `final_S_hi`,
//! wall seconds) and, per evaluated split, accuracy against step with one line per setting and the
//! spread across seeds as a band (`plots/<split>.png|svg`).
//!
//! ```no_run
//! use grokked_experiments::sweep::{collect::collect, folder::SweepDir};
//! let sweep = SweepDir::open("runs/sweeps/phi-size".as_ref()).unwrap();
//! let summary = collect(&sweep).unwrap();
//! println!("{summary}");
//! ```

use super::folder::SweepDir;
use super::spec::Point;
use super::status::{current_status, read_status};
use super::wilson::wilson95;
use grokked_data::io::folder::{self, Stats};
use grokked_data::split::hop_columns::parse_hop_column;
use grokked_data::{io::table, Split, EVAL_SPLITS};
use grokked_model::error::{GrokError, Result};
use grokked_train::{MetricsLog, RunDir};
use grokked_viz::bands::{band_chart, Band, IntervalCurve};
use grokked_viz::charts::LineSpec;
use polars::prelude::*;
use std::collections::BTreeMap;

/// The splits that get a chart, when the sweep evaluated them.
const CHARTED: [Split; 3] = [
    Split::TestInferredId,
    Split::TestInferredOod,
    Split::TrainInferred,
];

/// Every point with its metrics (when it has any).
pub fn point_metrics(sweep: &SweepDir) -> Result<Vec<(Point, Option<MetricsLog>)>> {
    sweep
        .points()
        .into_iter()
        .map(|p| {
            let run = RunDir::new(sweep.point_dir(&p));
            let log = if run.metrics_file().is_file() {
                Some(run.metrics()?)
            } else {
                None
            };
            Ok((p, log))
        })
        .collect()
}

/// The summary table of `sweep` (not written).
pub fn summary(sweep: &SweepDir) -> Result<DataFrame> {
    let points = point_metrics(sweep)?;
    let pe = |e: PolarsError| GrokError::Invalid(e.to_string());
    let n = points.len();
    let mut columns: Vec<Column> = vec![Column::new(
        "point".into(),
        points
            .iter()
            .map(|(p, _)| p.name.clone())
            .collect::<Vec<_>>(),
    )];
    let axes: Vec<String> = points
        .first()
        .map(|(p, _)| p.keys.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    for (i, axis) in axes.iter().enumerate() {
        columns.push(Column::new(
            axis.as_str().into(),
            points
                .iter()
                .map(|(p, _)| p.keys[i].1.clone())
                .collect::<Vec<_>>(),
        ));
    }
    let (mut status, mut last, mut wall) = (vec![], vec![], vec![]);
    let (mut saturated, mut grokked) = (vec![], vec![]);
    // The examples each split evaluates, from the point's task folder (absent: unknown).
    let mut counts: Vec<Option<Stats>> = vec![];
    for (p, log) in &points {
        let dir = sweep.point_dir(p);
        counts.push(point_counts(sweep, p));
        status.push(current_status(&dir)?.name().to_string());
        let recorded = read_status(&dir)?;
        wall.push(recorded.as_ref().map(|s| s.wall_s));
        let summary = log.as_ref().map(MetricsLog::summary);
        last.push(summary.map(|s| s.last_step));
        saturated.push(summary.and_then(|s| s.train_saturated_at));
        grokked.push(summary.and_then(|s| s.id_95_at));
    }
    columns.push(Column::new("status".into(), status));
    columns.push(Column::new("last_step".into(), last));
    columns.push(Column::new("train_saturated_at".into(), saturated));
    columns.push(Column::new("id_95_at".into(), grokked));
    // Every evaluated split, then every per-hop column (a task of several hop counts).
    let mut measured: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for split in EVAL_SPLITS {
        if points
            .iter()
            .any(|(_, l)| l.as_ref().is_some_and(|l| l.splits.contains(&split)))
        {
            let finals = points
                .iter()
                .map(|(_, l)| {
                    l.as_ref()
                        .and_then(|l| l.series(split).last().map(|(_, a)| *a))
                })
                .collect();
            measured.push((split.name().to_string(), finals));
        }
    }
    let mut per_hop: Vec<String> = points
        .iter()
        .filter_map(|(_, l)| l.as_ref())
        .flat_map(|l| {
            l.extra
                .iter()
                .filter(|n| parse_hop_column(n).is_some())
                .cloned()
        })
        .collect();
    per_hop.sort_by_key(|n| parse_hop_column(n));
    per_hop.dedup();
    for name in per_hop {
        let finals = points
            .iter()
            .map(|(_, l)| {
                l.as_ref()
                    .and_then(|l| l.extra_series(&name).last().map(|(_, a)| *a))
            })
            .collect();
        measured.push((name, finals));
    }
    for (name, finals) in measured {
        let n: Vec<Option<u64>> = counts
            .iter()
            .map(|c| {
                c.as_ref()
                    .and_then(|s| s.evaluated(&name))
                    .map(|n| n as u64)
            })
            .collect();
        let interval: Vec<Option<(f64, f64)>> = finals
            .iter()
            .zip(&n)
            .map(|(a, n)| Some(wilson95((*a)?, (*n)?)))
            .collect();
        columns.push(Column::new(format!("final_{name}").into(), finals));
        columns.push(Column::new(format!("n_{name}").into(), n));
        columns.push(Column::new(
            format!("final_{name}_lo").into(),
            interval.iter().map(|i| i.map(|i| i.0)).collect::<Vec<_>>(),
        ));
        columns.push(Column::new(
            format!("final_{name}_hi").into(),
            interval.iter().map(|i| i.map(|i| i.1)).collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new("wall_s".into(), wall));
    DataFrame::new(n, columns).map_err(pe)
}

/// The summary as a plain text table: one line per point with its status, landmarks, final ID
/// and OOD accuracy and wall time (what `grokked sweep status` prints).
pub fn status_table(df: &DataFrame) -> Result<String> {
    let pe = |e: PolarsError| GrokError::Invalid(e.to_string());
    let text = |name: &str| -> Result<Vec<String>> {
        let Ok(col) = df.column(name) else {
            return Ok(vec![String::new(); df.height()]);
        };
        let col = col.cast(&DataType::String).map_err(pe)?;
        Ok(col
            .str()
            .map_err(pe)?
            .iter()
            .map(|v| v.unwrap_or("-").to_string())
            .collect())
    };
    let percent = |name: &str| -> Result<Vec<String>> {
        let Ok(col) = df.column(name) else {
            return Ok(vec!["-".into(); df.height()]);
        };
        Ok(col
            .f64()
            .map_err(pe)?
            .iter()
            .map(|v| v.map_or("-".into(), |a| format!("{:.1}%", 100.0 * a)))
            .collect())
    };
    let columns = [
        ("point", text("point")?),
        ("status", text("status")?),
        ("last step", text("last_step")?),
        ("train 99%", text("train_saturated_at")?),
        ("ID 95%", text("id_95_at")?),
        ("final ID", percent("final_test_inferred_id")?),
        ("final OOD", percent("final_test_inferred_ood")?),
        ("wall s", {
            let col = df.column("wall_s").map_err(pe)?.f64().map_err(pe)?.clone();
            col.iter()
                .map(|v| v.map_or("-".into(), |w| format!("{w:.0}")))
                .collect()
        }),
    ];
    let widths: Vec<usize> = columns
        .iter()
        .map(|(h, v)| {
            v.iter()
                .map(String::len)
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(columns.iter().map(|(h, _)| *h).collect())];
    for i in 0..df.height() {
        out.push(line(columns.iter().map(|(_, v)| v[i].as_str()).collect()));
    }
    Ok(out.join("\n"))
}

/// A point's setting: its axis values without the seed.
fn setting(point: &Point) -> String {
    point
        .keys
        .iter()
        .filter(|(k, _)| k != "seed")
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The examples of each split `point` was evaluated on: from its task folder, or, where the
/// folder is not there (shipped results carry none before `export` shipped it), from its task
/// generated again from its config, which the seed makes the same task. `None` when neither
/// works (a task read from a folder that is gone).
pub fn point_counts(sweep: &SweepDir, point: &Point) -> Option<Stats> {
    let data_dir = RunDir::new(sweep.point_dir(point)).data_dir();
    folder::read_stats(&data_dir).ok().or_else(|| {
        let cfg = sweep.spec().config(point, sweep.path()).ok()?;
        Some(Stats::of(&cfg.data.load().ok()?))
    })
}

/// The bands of `split`: one per setting, over its seeds (their spread, min to max).
pub fn bands(points: &[(Point, Option<MetricsLog>)], split: Split) -> Vec<Band> {
    bands_with_intervals(points, split, &vec![None; points.len()])
}

/// [`bands`], each point's accuracy widened to its 95% Wilson interval when `counts` gives the
/// number of examples its `split` holds: a band covers the spread over seeds or the intervals,
/// whichever is wider.
pub fn bands_with_intervals(
    points: &[(Point, Option<MetricsLog>)],
    split: Split,
    counts: &[Option<u64>],
) -> Vec<Band> {
    let mut by_setting: BTreeMap<String, Vec<IntervalCurve>> = BTreeMap::new();
    for ((p, log), n) in points.iter().zip(counts) {
        if let Some(log) = log {
            let curve: IntervalCurve = log
                .series(split)
                .into_iter()
                .map(|(s, a)| {
                    let (lo, hi) = n.map_or((a, a), |n| wilson95(a, n));
                    (s as f64, a, lo, hi)
                })
                .collect();
            if !curve.is_empty() {
                by_setting.entry(setting(p)).or_default().push(curve);
            }
        }
    }
    by_setting
        .iter()
        .map(|(name, runs)| {
            let label = if name.is_empty() {
                "all"
            } else {
                name.as_str()
            };
            Band::from_runs_with_intervals(&format!("{label} ({} seeds)", runs.len()), runs)
        })
        .collect()
}

/// Writes `summary.parquet` and the charts; returns the summary.
pub fn collect(sweep: &SweepDir) -> Result<DataFrame> {
    let mut df = summary(sweep)?;
    table::write_parquet(&mut df, &sweep.summary_file())?;
    let points = point_metrics(sweep)?;
    let names: Vec<String> = df
        .column("point")
        .and_then(|c| c.str().cloned())
        .map_err(|e| GrokError::Invalid(e.to_string()))?
        .iter()
        .map(|n| n.unwrap_or_default().to_string())
        .collect();
    for split in CHARTED {
        // The examples each point's split holds (the summary's n_S), to draw its interval.
        let n_col = df.column(&format!("n_{}", split.name())).ok();
        let counts: Vec<Option<u64>> = points
            .iter()
            .map(|(p, _)| {
                let row = names.iter().position(|n| *n == p.name)?;
                n_col?.u64().ok()?.get(row)
            })
            .collect();
        let bands = bands_with_intervals(&points, split, &counts);
        if bands.is_empty() {
            continue;
        }
        let spec = LineSpec {
            title: format!(
                "{}: {} (mean over seeds; band: their range or 95% interval)",
                sweep.spec().name,
                split.name()
            ),
            x_desc: "optimization step".into(),
            y_desc: "exact-match accuracy".into(),
            log_x: false,
            y_range: (0.0, 1.02),
        };
        band_chart(&spec, &bands, &sweep.plots_dir().join(split.name()))?;
    }
    Ok(df)
}
