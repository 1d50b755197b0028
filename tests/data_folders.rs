//! Training on an existing task folder (`[data] path = "..."`): a folder written by `grokked data
//! gen`, and one in the paper's released format (`train.json`, `valid.json`, `test.json` with a
//! `type` per probe, `vocab.json`), which a sweep can hold fixed while it varies the model.

mod tiny_run;

use grokked::data::{
    io::folder, io::official_json, tasks::composition::CompositionSpec, DataSource,
};
use grokked::prelude::*;
use grokked::train::observer::Silent;
use grokked::train::RunDir;
use std::path::Path;

fn task() -> TaskData {
    CompositionSpec {
        entities: 24,
        relations: 4,
        out_degree: 3,
        phi: 1.5,
        test_id_prob: 0.1,
        ..Default::default()
    }
    .generate()
    .unwrap()
}

fn config_on(path: &Path) -> RunConfig {
    let mut cfg = tiny_run::tiny_run_config(20, 0.0);
    cfg.set(&format!("data={{ path = {:?} }}", path.to_str().unwrap()))
        .unwrap();
    assert_eq!(cfg.data, DataSource::Folder(path.to_path_buf()));
    cfg
}

#[test]
fn a_run_trains_on_a_grokked_task_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = task();
    folder::save(&data, &tmp.path().join("task")).unwrap();
    let cfg = config_on(&tmp.path().join("task"));
    // The config names the folder, in TOML, and reads back equal.
    let text = cfg.to_toml().unwrap();
    assert!(text.contains("path = "), "{text}");
    assert_eq!(RunConfig::from_toml_str(&text).unwrap(), cfg);
    let run = tmp.path().join("run");
    let mut t = Trainer::new(cfg, &run).unwrap();
    t.run(&mut Silent).unwrap();
    assert_eq!(t.data, data);
    assert_eq!(RunDir::new(&run).load().unwrap().data, data);
    drop(t); // releases the run folder's lock
    assert_eq!(Trainer::resume(&run).unwrap().step, 20);
}

#[test]
fn a_run_trains_on_the_papers_released_format() {
    let tmp = tempfile::tempdir().unwrap();
    let data = task();
    let dir = tmp.path().join("released");
    official_json::write(&data, &dir).unwrap();
    assert!(dir.join("valid.json").is_file() && dir.join("vocab.json").is_file());
    let mut t = Trainer::new(config_on(&dir), &tmp.path().join("run")).unwrap();
    // The probes' `type` decides their split (test_inferred_iid is the ID split).
    for split in [
        Split::Train,
        Split::TestInferredId,
        Split::TestInferredOod,
        Split::IdAtomic,
    ] {
        assert_eq!(t.data.count(split), data.count(split), "{split}");
    }
    assert_eq!(t.data.vocab, data.vocab);
    let summary = t.run(&mut Silent).unwrap();
    assert_eq!(summary.last_step, 20);
}

#[test]
fn a_folder_that_holds_no_task_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Trainer::new(config_on(tmp.path()), &tmp.path().join("run"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(tmp.path().to_str().unwrap()) && err.contains("train.json"),
        "{err}"
    );
    let err =
        RunConfig::from_toml_str("name = \"x\"\n[data]\npath = \"somewhere\"\nentities = 5\n")
            .unwrap_err()
            .to_string();
    assert!(err.contains("entities"), "{err}");
}
