//! Tests of the run config: the optimizer keys of `[train]`, overrides, and relative plugin paths.

use super::*;
use crate::optim_config::GrokfastConfig;

const BASE: &str = "name = \"x\"\n[data]\ntask = \"composition\"\n";

#[test]
fn the_optimizer_keys_stay_in_the_train_section() {
    let text = format!("{BASE}[train]\nlr = 1e-3\nweight_decay = 1.0\nbetas = [0.8, 0.9]\n");
    let cfg = RunConfig::from_toml_str(&text).unwrap();
    let expect = OptimConfig {
        weight_decay: 1.0,
        betas: (0.8, 0.9),
        ..OptimConfig::paper()
    };
    assert_eq!(
        cfg.train.optim, expect,
        "omitted keys take the paper's values"
    );
    let written = cfg.to_toml().unwrap();
    assert!(
        written.contains("weight_decay = 1.0") && !written.contains("optim"),
        "{written}"
    );
    assert_eq!(RunConfig::from_toml_str(&written).unwrap(), cfg);
    for (bad, field) in [
        ("weight_decai = 1.0", "weight_decai"),
        ("weight_decay = \"x\"", "weight_decay"),
        ("betas = [0.9, 0.99, 0.999]", "betas"),
    ] {
        let err = RunConfig::from_toml_str(&format!("{BASE}[train]\n{bad}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("train.{field}")), "{bad}: {err}");
    }
}

#[test]
fn set_reaches_optional_fields_and_refuses_unknown_ones() {
    let mut cfg = RunConfig::from_toml_str(BASE).unwrap();
    cfg.set("stop_at_id_accuracy=0.9").unwrap();
    assert_eq!(cfg.train.stop_at_id_accuracy, Some(0.9));
    cfg.set("stop_at_id_accuracy=none").unwrap();
    assert_eq!(cfg.train.stop_at_id_accuracy, None);
    cfg.set("train.grokfast={ alpha = 0.9, lambda = 1.0 }")
        .unwrap();
    cfg.set("train.grokfast=none").unwrap();
    assert!(cfg.train.optim.grokfast.is_none());
    let err = cfg.set("lr=none").unwrap_err().to_string();
    assert!(
        err.contains("train.lr") && err.contains("optional"),
        "{err}"
    );
    cfg.set("train.grokfast={ alpha = 0.98, lambda = 2.0 }")
        .unwrap();
    assert_eq!(
        cfg.train.optim.grokfast,
        Some(GrokfastConfig {
            alpha: 0.98,
            lambda: 2.0,
            window: None,
        })
    );
    cfg.set("data.entities=50").unwrap();
    // The hop options of a composition task may be absent from its config and still be set.
    cfg.set("data.hops=3").unwrap();
    cfg.set("data.test_hops=[4, 5]").unwrap();
    cfg.set("min_hops=2").unwrap();
    match &cfg.data {
        grokked_data::DataSource::Generate(grokked_data::TaskSpec::Composition(c)) => {
            assert_eq!(
                (c.hops, c.min_hops, c.test_hops.clone()),
                (3, Some(2), vec![4, 5])
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(cfg
        .set("entitiez=3")
        .unwrap_err()
        .to_string()
        .contains("entitiez"));
    assert!(cfg
        .set("seed=3")
        .unwrap_err()
        .to_string()
        .contains("ambiguous"));
    let err = RunConfig::from_toml_str(
        "name = \"x\"\n[data]\ntask = \"composition\"\n[train]\nlr = \"fast\"\n",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("lr") || err.to_string().contains("invalid type"),
        "{err}"
    );
}

#[test]
fn a_relative_plugin_path_is_taken_from_the_config_files_folder() {
    let dir = tempfile::tempdir().unwrap();
    let configs = dir.path().join("configs");
    std::fs::create_dir_all(&configs).unwrap();
    let file = configs.join("run.toml");
    let plugin = "[model.plugin]\npath = \"../libs/libmodule.so\"\n";
    std::fs::write(&file, format!("{BASE}{plugin}")).unwrap();
    let cfg = RunConfig::from_file(&file).unwrap();
    let path = cfg.model.plugin.unwrap().path;
    assert!(path.is_absolute(), "{}", path.display());
    assert!(
        path.ends_with("configs/../libs/libmodule.so"),
        "{}",
        path.display()
    );
    // The library is missing: the error names the folder it looked in.
    let err = grokked_plugin::host::resolve_library(&path)
        .unwrap_err()
        .to_string();
    let looked_in = std::path::absolute(configs.join("../libs")).unwrap();
    assert!(
        err.contains(&format!("looked in {}", looked_in.display())),
        "{err}"
    );
    // An absolute path is kept as written.
    std::fs::write(
        &file,
        format!("{BASE}[model.plugin]\npath = \"/opt/lib.so\"\n"),
    )
    .unwrap();
    let cfg = RunConfig::from_file(&file).unwrap();
    assert_eq!(
        cfg.model.plugin.unwrap().path,
        std::path::PathBuf::from("/opt/lib.so")
    );
}
