//! Bad experiment files are rejected with the file, the line and the key.

use std::path::PathBuf;

use harness::config;

/// Write `text` to a fresh experiment file and load it; the error's text.
fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    match config::load(&path) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string().replace(&path.display().to_string(), "bad.toml"),
    }
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let e = error_of("[model]\ndt_ms = 0.1\nc_imp = 0.3\n");
    assert!(e.starts_with("bad.toml:3:"), "{e}");
    assert!(e.contains("unknown field `c_imp`") && e.contains("c_inp"), "{e}");
}

#[test]
fn unknown_table_is_named() {
    let e = error_of("[modle]\ntau_ms = 3.0\n");
    assert!(e.starts_with("bad.toml:1:") && e.contains("modle"), "{e}");
}

#[test]
fn wrong_type_is_named_with_key_and_line() {
    let e = error_of("[model]\n\ntau_ms = \"ten\"\n");
    assert!(e.starts_with("bad.toml:3: key `model.tau_ms`"), "{e}");
    assert!(e.contains("invalid type"), "{e}");
}

#[test]
fn non_positive_time_constant_is_rejected() {
    let e = error_of("[model]\nalpha_ms = 10.0\ntau_ms = 0.0\n");
    assert!(e.starts_with("bad.toml:3: key `model.tau_ms`: a time constant must be > 0 ms (got 0)"), "{e}");
}

#[test]
fn window_not_a_multiple_of_dt_is_rejected() {
    let e = error_of("[model]\ndt_ms = 0.3\n[protocol]\nwindow_ms = 50.0\n");
    assert!(e.contains("bad.toml:4: key `protocol.window_ms`: must be a positive whole number of steps"), "{e}");
}

#[test]
fn refractory_period_not_a_multiple_of_dt_is_rejected() {
    let e = error_of("[model]\nt_ref_ms = 2.05\n");
    assert_eq!(e, "bad.toml:2: key `model.t_ref_ms`: must be a whole number of steps of dt_ms = 0.1 (got 2.05)");
}

#[test]
fn empty_class_list_is_rejected() {
    let e = error_of("[protocol]\nclasses = []\n");
    assert!(e.starts_with("bad.toml:2: key `protocol.classes`: the class list is empty"), "{e}");
}

#[test]
fn class_outside_0_to_9_is_rejected_at_its_element() {
    let e = error_of("[protocol]\nclasses = [\n  0,\n  12,\n]\n");
    assert!(e.starts_with("bad.toml:4: key `protocol.classes[1]`: class 12 is outside 0..9"), "{e}");
}

#[test]
fn duplicate_class_is_rejected() {
    let e = error_of("[protocol]\nclasses = [3, 3]\n");
    assert!(e.contains("key `protocol.classes[1]`: class 3 is listed twice"), "{e}");
}

#[test]
fn notebook_positions_beyond_the_subset_are_rejected() {
    let e = error_of("[protocol]\nclasses = [0]\nsampling = \"notebook\"\nnotebook_positions = [1, 348]\n");
    assert!(e.contains("bad.toml:4: key `protocol.notebook_positions`") && e.contains("178 images"), "{e}");
}

#[test]
fn bad_test_fraction_and_sampling_name_are_rejected() {
    let e = error_of("[protocol]\ntest_fraction = 1.0\n");
    assert!(e.starts_with("bad.toml:2: key `protocol.test_fraction`"), "{e}");
    let e = error_of("[protocol]\nsampling = \"random\"\n");
    assert!(e.starts_with("bad.toml:2: key `protocol.sampling`") && e.contains("notebook"), "{e}");
}

#[test]
fn missing_data_file_is_named() {
    let e = error_of("data = \"nowhere/digits.csv.gz\"\n");
    assert!(e.starts_with("bad.toml:1: key `data`:") && e.contains("nowhere/digits.csv.gz: cannot read"), "{e}");
}

#[test]
fn several_problems_are_reported_together() {
    let e = error_of("[model]\ntau_ms = -1.0\nlr = -0.5\n[protocol]\npredict_steps = 0\n");
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(
        lines,
        [
            "bad.toml:2: key `model.tau_ms`: a time constant must be > 0 ms (got -1)",
            "bad.toml:3: key `model.lr`: must be a finite number >= 0 (got -0.5)",
            "bad.toml:5: key `protocol.predict_steps`: must be between 1 and the steps in a window (500), got 0",
        ],
        "{e}"
    );
}

#[test]
fn shipped_experiments_are_valid() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut checked = 0;
    for dir in [root.clone(), root.join("study")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let exp = config::load(&path).unwrap_or_else(|e| panic!("{e}"));
                if exp.raw.race.is_some() {
                    let plan = harness::race::load(&path, true, None).unwrap_or_else(|e| panic!("{e}"));
                    assert!(!plan.space.params.is_empty());
                } else {
                    let sweep = harness::sweep::expand(&exp.raw, "x", &dir, false)
                        .unwrap_or_else(|p| panic!("{}: {p:?}", path.display()));
                    assert!(!sweep.configs.is_empty());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "{checked} experiment files");
}

#[test]
fn notebook_file_spells_out_the_notebook() {
    let nb = config::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments/notebook.toml")).unwrap();
    assert_eq!(nb.raw.model, harness::model::ModelParams { hold_inc: Some(0.2), ..Default::default() });
    let p = &nb.raw.protocol;
    assert_eq!((p.train_presentations, p.test_presentations), (200, Some(100)));
    assert_eq!(nb.protocol.window_steps, 500);
}
