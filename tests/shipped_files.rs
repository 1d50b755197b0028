//! The shipped configs, sweep specs and sweep results: every config parses, every point of every
//! spec builds its run config (so each `--set` in a spec is valid), composition-fast differs from
//! composition-small only in its training method and learning rate (and comparison-fast from
//! comparison-small only in that method and its number of values), every shipped result holds
//! exactly the finished points of the spec of the same name (and its summary recomputes from
//! them), and the shipped memory comparison
//! holds the two runs its table reports.

mod support;

use grokked::data::io::table::read_parquet;
use grokked::prelude::*;
use grokked::sweep::status::{current_status, Status};
use grokked::sweep::{SweepDir, SweepSpec};
use grokked::train::{RunDir, Trainer};
use std::path::PathBuf;
use support::{column_text, copy_folder, workspace_root};

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace_root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_config_parses() {
    let configs = toml_files("datasets/configs");
    assert!(configs.len() >= 8, "{configs:?}");
    for path in configs {
        RunConfig::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn composition_fast_is_composition_small_with_a_grokking_method() {
    let dir = workspace_root().join("datasets/configs");
    let small = RunConfig::from_file(&dir.join("composition-small.toml")).unwrap();
    let fast = RunConfig::from_file(&dir.join("composition-fast.toml")).unwrap();
    assert_eq!(fast.data, small.data, "same data and splits");
    assert_eq!(fast.model, small.model, "same model");
    assert!(fast.train.optim.muon.is_some() && small.train.optim.muon.is_none());
    // The learning rate is the one the learning-rate sweep chose for Muon.
    let sweep =
        SweepSpec::from_file(&workspace_root().join("datasets/sweeps/learning-rate.toml")).unwrap();
    assert!(sweep.grid["train.lr"]
        .iter()
        .any(|v| v.as_float() == Some(fast.train.lr)));
    let mut same = fast.train.clone();
    same.optim.muon = None;
    same.lr = small.train.lr;
    same.eval = small.train.eval;
    same.checkpoint = small.train.checkpoint;
    assert_eq!(
        same, small.train,
        "only the method, its learning rate and the eval/checkpoint schedule differ"
    );
}

#[test]
fn comparison_fast_is_comparison_small_with_five_values_and_composition_fasts_method() {
    let dir = workspace_root().join("datasets/configs");
    let fast = RunConfig::from_file(&dir.join("comparison-fast.toml")).unwrap();
    let method = RunConfig::from_file(&dir.join("composition-fast.toml")).unwrap();
    let mut small = RunConfig::from_file(&dir.join("comparison-small.toml")).unwrap();
    for key in [
        "name=\"comparison-fast\"",
        "data.values=5",
        "max_steps=5000",
        "stop_at_id_accuracy=0.95",
        "train.checkpoint={ dense_every = 0, dense_until = 0, sparse_every = 2500 }",
    ] {
        small.set(key).unwrap();
    }
    small.train.lr = method.train.lr;
    small.train.optim = method.train.optim;
    small.train.eval = method.train.eval;
    assert_eq!(
        small, fast,
        "only the values, the method, its learning rate and the schedules differ"
    );
}

#[test]
fn every_point_of_every_shipped_sweep_builds_its_config() {
    let specs = toml_files("datasets/sweeps");
    assert!(specs.len() >= 5, "{specs:?}");
    for path in specs {
        let spec = SweepSpec::from_file(&path).unwrap();
        let dir = path.parent().unwrap();
        for point in spec.points() {
            spec.config(&point, dir)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), point.name));
        }
    }
}

#[test]
fn shipped_results_hold_the_finished_points_of_their_spec() {
    let results = workspace_root().join("datasets/results");
    let mut shipped = 0;
    for entry in std::fs::read_dir(&results).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("sweep.toml").is_file() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let sweep = SweepDir::open(&dir).unwrap();
        let spec_file = workspace_root()
            .join("datasets/sweeps")
            .join(format!("{name}.toml"));
        let spec = SweepSpec::from_file(&spec_file).unwrap();
        let names = |points: Vec<grokked::sweep::Point>| -> Vec<String> {
            points.into_iter().map(|p| p.name).collect()
        };
        assert_eq!(
            names(sweep.points()),
            names(spec.points()),
            "{name}: the spec's points"
        );
        for point in sweep.points() {
            let run = sweep.point_dir(&point);
            assert_eq!(
                current_status(&run).unwrap(),
                Status::Done,
                "{}",
                run.display()
            );
            let log = RunDir::new(&run).metrics().unwrap();
            assert!(!log.rows.is_empty(), "{}: metrics", run.display());
        }
        assert!(sweep.summary_file().is_file(), "{name}: summary.parquet");
        // Every number of the summary recomputes from the shipped points (metrics, task
        // counts, status), intervals and per-hop columns included.
        let shipped_summary = read_parquet(&sweep.summary_file()).unwrap();
        let again = grokked::sweep::collect::summary(&sweep).unwrap();
        assert!(
            again.equals_missing(&shipped_summary),
            "{name}: summary.parquet does not recompute:\n{again}\nvs\n{shipped_summary}"
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains("grokked sweep run"),
            "{name}: README records the command"
        );
        shipped += 1;
    }
    assert!(shipped >= 5, "the five shipped sweeps");
}

/// Notebook 8 reads `datasets/results/compare-memory`: two run folders the loaders open, each with
/// its final checkpoint only, optimizer state included so that a copy resumes where the run
/// stopped, and a table whose model rows are the runs' last recorded `test_hard` accuracies.
#[test]
fn shipped_memory_comparison_holds_the_runs_its_table_reports() {
    let dir = workspace_root().join("datasets/results/compare-memory");
    let table = read_parquet(&dir.join("compare_memory.parquet")).unwrap();
    let methods = column_text(&table, "method");
    let accuracy = table.column("accuracy").unwrap().f64().unwrap().clone();
    for (folder, method) in [
        ("parametric", "parametric transformer"),
        ("retrieval", "retrieval reasoner"),
    ] {
        let run = RunDir::new(dir.join(folder));
        run.load().unwrap();
        let log = run.metrics().unwrap();
        let (last_step, recorded) = *log.series(Split::TestHard).last().unwrap();
        let checkpoints = run.checkpoints().unwrap();
        assert_eq!(checkpoints.len(), 1, "{folder}: one checkpoint");
        assert_eq!(checkpoints[0].0, last_step, "{folder}: the final one");
        let copy = tempfile::tempdir().unwrap();
        copy_folder(run.path(), copy.path());
        let resumed = Trainer::resume(copy.path()).unwrap();
        assert_eq!(
            resumed.step, last_step,
            "{folder}: a copy resumes at its last step"
        );
        let row = methods.iter().position(|m| m.starts_with(method)).unwrap();
        assert_eq!(
            accuracy.get(row),
            Some(recorded),
            "{folder}: the table's row"
        );
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("grokked compare-memory --config"));
}

/// Notebook 9 reads `datasets/results/ood-circuit/plain-seed-0`: a grokked run on the powered
/// composition split (at least 300 OOD two-hop facts) whose final checkpoint loads, intact.
#[test]
fn the_shipped_ood_circuit_run_opens_with_its_powered_split() {
    let run = RunDir::new(workspace_root().join("datasets/results/ood-circuit/plain-seed-0"));
    let loaded = run.load().unwrap();
    assert!(loaded.data.count(Split::TestInferredOod) >= 300);
    let (_, step) = run.load_model(None, Device::Cpu).unwrap();
    assert_eq!(step, 20000);
    let log = run.metrics().unwrap();
    assert!(
        log.summary().id_95_at.is_some(),
        "the model grokked in distribution"
    );
}

/// Notebook 13 reads `datasets/results/hops/models`: the looped models of the hops sweep, shipped
/// without their task (generated again from the config) and opened with this checkout's plugin
/// through `model.plugin.path`; at the trained loop count each scores what its metrics recorded.
#[test]
fn the_shipped_looped_models_open_with_this_plugin_and_score_their_metrics() {
    use grokked::model::overrides::ModelOverrides;
    use grokked::model::trust::LoadPolicy;
    use grokked::train::eval::{eval_sets, evaluate_sets};
    let lib = support::plugin_library("shared_depth");
    let run = RunDir::new(workspace_root().join("datasets/results/hops/models/looped-3hop-seed-1"));
    assert!(!run.data_dir().exists(), "shipped without its task");
    let loaded = run.load().unwrap();
    assert!(
        loaded.data.count(Split::TestInferredOod) >= 300,
        "a powered OOD split"
    );
    let sets = [format!("model.plugin.path={}", lib.display())];
    let policy = LoadPolicy::data_only()
        .allow_plugin(&lib)
        .accept_rebuilt(true)
        .with_overrides(ModelOverrides::parse(&sets).unwrap());
    let (model, step) = run.load_model_with(None, Device::Cpu, &policy).unwrap();
    assert_eq!(step, 8000);
    let log = run.metrics().unwrap();
    let evals = eval_sets(&loaded.data, &loaded.tokenizer, Device::Cpu).unwrap();
    let accs = evaluate_sets(&model.gpt, &evals, 1024).unwrap();
    for (set, (_, acc)) in evals.iter().zip(accs) {
        let recorded = match set.hops {
            None => log.series(set.split).last().unwrap().1,
            Some(_) => log.extra_series(&set.name()).last().unwrap().1,
        };
        assert_eq!(acc, recorded, "{}", set.name());
    }
    // Without the path, the checkpoint's own library path is not this build: refused unless allowed.
    let plain = LoadPolicy::data_only().allow_plugin(&lib);
    assert!(run.load_model_with(None, Device::Cpu, &plain).is_err());
}
