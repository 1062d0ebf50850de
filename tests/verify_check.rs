//! `harness verify` and `harness check`, run as a user would.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use harness::results::manifest::Manifest;
use harness::results::tables::{Format, encode, read_parquet};
use polars::prelude::*;

fn small() -> String {
    sweep_file("small", 3, 3, 20, 10, "", "lr = [0.03, 0.05]\n")
}

fn small_sweep() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", &small());
    harness_ok(dir.path(), &["sweep", "small.toml", "--out", "res"]);
    let res = dir.path().join("res");
    (dir, res)
}

/// Add `delta` to the test accuracy of row `row` of `runs.parquet` (and of `runs.csv`, so that only
/// the recomputation can tell); returns that run's id.
fn edit_test_accuracy(res: &Path, row: usize, delta: f64) -> String {
    let path = res.join("runs.parquet");
    let mut df = read_parquet(&path).unwrap();
    let run_id = df.column("run_id").unwrap().str().unwrap().get(row).unwrap().to_string();
    let mut acc: Vec<Option<f64>> = df.column("test_accuracy").unwrap().f64().unwrap().iter().collect();
    acc[row] = acc[row].map(|x| x + delta);
    df.with_column(Column::new("test_accuracy".into(), acc)).unwrap();
    std::fs::write(&path, encode(&df, Format::Parquet).unwrap()).unwrap();
    std::fs::write(res.join("runs.csv"), encode(&df, Format::Csv).unwrap()).unwrap();
    run_id
}

#[test]
fn verify_passes_on_fresh_results_and_names_the_run_after_an_edit() {
    let (dir, res) = small_sweep();
    let o = harness_ok(dir.path(), &["verify", "res"]);
    assert!(o.stdout.contains("6 runs re-run, 6 rows") && o.stdout.contains("bit-identical"), "{}", o.text());

    let run_id = edit_test_accuracy(&res, 3, 1e-12);
    let o = harness(dir.path(), &["verify", "res"]);
    let out = o.text();
    assert_eq!(o.code, Some(1), "{out}");
    let line = out.lines().find(|l| l.contains("runs.test_accuracy")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains(&run_id), "the mismatch names the run and the column:\n{out}");
    assert!(out.contains("verify FAILED: 1 mismatch(es) in 1 row(s)"), "{out}");
}

/// `--sample K` re-runs exactly the K runs `harness::verify::sample` names for the directory (the
/// same ones every time): an edited run in the sample fails, one outside it passes.
#[test]
fn sampled_verify_rechecks_the_named_sample_and_every_table() {
    let (dir, res) = small_sweep();
    let identity = Manifest::read(&res).unwrap().identity;
    let chosen = harness::verify::sample(6, 2, &identity);
    assert_eq!(chosen, harness::verify::sample(6, 2, &identity));
    let outside = (0..6).find(|i| !chosen.contains(i)).unwrap();
    let inside = chosen[0];

    // Edit the journal's record of a run (the source the tables are rebuilt from) and its table row
    // consistently, so that only re-running it can tell.
    let edit_everywhere = |row: usize| {
        let id = edit_test_accuracy(&res, row, 0.5);
        let journal = text(res.join("journal.jsonl"));
        let edited: Vec<String> = journal
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                if v["run_id"] == id.as_str() {
                    v["test_accuracy"] = (v["test_accuracy"].as_f64().unwrap() + 0.5).into();
                }
                serde_json::to_string(&v).unwrap()
            })
            .collect();
        std::fs::write(res.join("journal.jsonl"), edited.join("\n") + "\n").unwrap();
        let summary = harness::results::summary::frame(
            &harness::results::journal::read(&res.join("journal.jsonl")).unwrap().results,
        )
        .unwrap();
        std::fs::write(res.join("summary.parquet"), encode(&summary, Format::Parquet).unwrap()).unwrap();
        std::fs::write(res.join("summary.csv"), encode(&summary, Format::Csv).unwrap()).unwrap();
        id
    };
    let id = edit_everywhere(outside);
    let o = harness_ok(dir.path(), &["verify", "res", "--sample", "2"]);
    assert!(o.stdout.contains("2 runs re-run"), "{}", o.text());
    let o = harness(dir.path(), &["verify", "res"]);
    assert!(o.code == Some(1) && o.text().contains(&id), "the full verify finds the edited run:\n{}", o.text());

    let id = edit_everywhere(inside);
    let o = harness(dir.path(), &["verify", "res", "--sample", "2"]);
    assert!(o.code == Some(1) && o.text().contains(&id) && o.text().contains("rerun.test_accuracy"), "{}", o.text());
}

#[test]
fn verify_refuses_a_directory_without_or_with_a_foreign_manifest() {
    let (dir, res) = small_sweep();
    let manifest = text(res.join("manifest.toml"));
    std::fs::write(res.join("manifest.toml"), manifest.replace("format = 2", "format = 99")).unwrap();
    harness_refused(dir.path(), &["verify", "res"], &["results format 99"]);
    std::fs::remove_file(res.join("manifest.toml")).unwrap();
    harness_refused(dir.path(), &["verify", "res"], &["not a harness results directory"]);
}

/// The regression case names, in the committed baseline's order.
fn baseline_cases() -> Vec<String> {
    read_csv(&root().join("baselines/regression.csv")).into_iter().map(|r| r["case"].clone()).collect()
}

/// The acceptance test of the regression gate: a deliberately broken model (no forward learning)
/// fails every case of the committed baseline.
#[test]
fn check_fails_every_case_of_a_broken_model() {
    let dir = tempfile::tempdir().unwrap();
    let real = text(root().join("experiments/regression.toml"));
    let broken = real.replacen("[protocol]", "[model]\nlr = 0.0\n\n[protocol]", 1);
    assert_ne!(broken, real);
    write(dir.path(), "regression.toml", &broken);
    let committed = root().join("baselines/regression.csv");
    let o = harness(dir.path(), &["check", "regression.toml", "--baseline", committed.to_str().unwrap()]);
    let cases = baseline_cases();
    assert_eq!(cases.len(), 6);
    // The file changed a value the case names do not show: not like with like.
    assert_eq!(o.code, Some(1), "{}", o.text());
    assert_eq!(o.stdout.matches("configuration changed").count(), 6, "{}", o.stdout);
    // A broken model under the same configurations (the baseline's ids made the broken file's, as
    // a code change would leave them): every case regresses.
    harness_ok(dir.path(), &["check", "regression.toml", "--baseline", "ids.csv", "--update-baseline"]);
    let ids: std::collections::HashMap<String, String> = read_csv(&dir.path().join("ids.csv"))
        .into_iter()
        .map(|r| (r["case"].clone(), r["config_id"].clone()))
        .collect();
    let mut lines: Vec<String> = text(&committed).lines().map(String::from).collect();
    for line in lines.iter_mut().skip(1) {
        let case = csv_fields(line)[0].clone();
        let old = csv_fields(line)[1].clone();
        *line = line.replacen(&format!(",{old},"), &format!(",{},", ids[&case]), 1);
    }
    write(dir.path(), "baseline.csv", &(lines.join("\n") + "\n"));
    let o = harness(dir.path(), &["check", "regression.toml", "--baseline", "baseline.csv"]);
    let out = o.text();
    assert_eq!(o.code, Some(1), "{out}");
    for case in &cases {
        let line =
            out.lines().find(|l| l.trim_start().starts_with(case.as_str())).unwrap_or_else(|| panic!("{case}:\n{out}"));
        assert!(line.ends_with("REGRESSED"), "every case regresses: {line}");
    }
    assert!(out.contains("check FAILED: 6 case(s)"), "{out}");
}

/// Runs are pure functions of their configuration and seed, so unchanged code gives the committed
/// baseline's numbers exactly (the commit column aside).
#[test]
fn unchanged_code_reproduces_the_baseline_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.csv");
    let exp = root().join("experiments/regression.toml");
    use std::ffi::OsStr;
    let args = [
        OsStr::new("check"),
        exp.as_os_str(),
        OsStr::new("--baseline"),
        fresh.as_os_str(),
        OsStr::new("--update-baseline"),
    ];
    harness_ok(dir.path(), &args);
    let strip = |rows: Vec<std::collections::HashMap<String, String>>| {
        rows.into_iter()
            .map(|mut r| {
                r.remove("commit");
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(read_csv(&fresh)), strip(read_csv(&root().join("baselines/regression.csv"))));
}

#[test]
fn check_without_a_baseline_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", &small());
    harness_refused(dir.path(), &["check", "small.toml", "--baseline", "none.csv"], &["none.csv", "--update-baseline"]);
    harness_ok(dir.path(), &["check", "small.toml", "--baseline", "b/base.csv", "--update-baseline"]);
    let o = harness_ok(dir.path(), &["check", "small.toml", "--baseline", "b/base.csv"]);
    assert!(o.stdout.contains("check passed: 2 case(s)"), "{}", o.text());
}
