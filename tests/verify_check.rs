//! `harness verify` and `harness check`, run as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::sweep::tables::{Format, encode, read_parquet};
use polars::prelude::*;

fn harness(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness")).args(args).current_dir(dir).output().expect("run harness")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const SMALL: &str = r#"
name = "small"
seed = 3
replicates = 3
[protocol]
sampling = "holdout"
train_presentations = 20
test_presentations = 10
[grid]
lr = [0.03, 0.05]
"#;

fn small_sweep() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let o = harness(dir.path(), &["sweep", "small.toml", "--out", "res"]);
    assert!(o.status.success(), "{}", text(&o));
    let res = dir.path().join("res");
    (dir, res)
}

#[test]
fn verify_passes_on_fresh_results_and_names_the_run_after_an_edit() {
    let (dir, res) = small_sweep();
    let o = harness(dir.path(), &["verify", "res"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("verified 6 runs: all 66 metrics bit-identical"), "{}", text(&o));

    // Edit one value: the test accuracy of the fourth run.
    let path = res.join("runs.parquet");
    let mut df = read_parquet(&path).unwrap();
    let run_id = df.column("run_id").unwrap().str().unwrap().get(3).unwrap().to_string();
    let acc: Vec<Option<f64>> = df.column("test_accuracy").unwrap().f64().unwrap().iter().collect();
    let mut edited = acc.clone();
    edited[3] = edited[3].map(|x| x + 1e-12);
    df.with_column(Column::new("test_accuracy".into(), edited)).unwrap();
    std::fs::write(&path, encode(&df, Format::Parquet).unwrap()).unwrap();

    let o = harness(dir.path(), &["verify", "res"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&run_id) && out.contains("test_accuracy"), "the mismatch names the run and metric:\n{out}");
    assert!(out.contains("verify FAILED: 1 mismatch(es) in 1 run(s)"), "{out}");

    // A sample that misses the edited run passes; sampling is repeatable.
    let a = text(&harness(dir.path(), &["verify", "res", "--sample", "2"]));
    let b = text(&harness(dir.path(), &["verify", "res", "--sample", "2"]));
    assert_eq!(a, b);
}

#[test]
fn verify_refuses_a_directory_without_or_with_a_foreign_manifest() {
    let (dir, res) = small_sweep();
    let manifest = std::fs::read_to_string(res.join("manifest.toml")).unwrap();
    std::fs::write(res.join("manifest.toml"), manifest.replace("format = 1", "format = 99")).unwrap();
    let o = harness(dir.path(), &["verify", "res"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("results format 99"), "{}", text(&o));

    std::fs::remove_file(res.join("manifest.toml")).unwrap();
    let o = harness(dir.path(), &["verify", "res"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no manifest.toml: not a harness results directory"), "{}", text(&o));
}

/// The acceptance test of the regression gate: a deliberately broken model (no forward learning)
/// fails the committed baseline.
#[test]
fn check_fails_on_a_broken_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read_to_string(root.join("experiments/regression.toml")).unwrap();
    let broken = real.replacen("[protocol]", "[model]\nlr = 0.0\n\n[protocol]", 1);
    assert_ne!(broken, real);
    std::fs::write(dir.path().join("regression.toml"), broken).unwrap();
    let baseline = root.join("baselines/regression.csv");
    let o = harness(dir.path(), &["check", "regression.toml", "--baseline", baseline.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("REGRESSED") && out.contains("check FAILED"), "{out}");
}

#[test]
fn check_without_a_baseline_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let o = harness(dir.path(), &["check", "small.toml", "--baseline", "none.csv"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("none.csv") && text(&o).contains("--update-baseline"), "{}", text(&o));
    let o = harness(dir.path(), &["check", "small.toml", "--baseline", "b/base.csv", "--update-baseline"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = harness(dir.path(), &["check", "small.toml", "--baseline", "b/base.csv"]);
    assert!(o.status.success() && text(&o).contains("check passed: 2 case(s)"), "{}", text(&o));
}
