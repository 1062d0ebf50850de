//! Learning curves: `checkpoints` in `[protocol]` (and `harness run --checkpoints`) measure the
//! test phase on a copy of the network during training, and change nothing else: not the run,
//! not a configuration's id or seeds, not the tables' other columns.

mod common;

use common::*;

fn grid(checkpoints: &str) -> String {
    sweep_file("curve", 5, 2, 20, 10, checkpoints, "c_inp = [0.2, 0.4]\n")
}

/// The runs table's rows as maps, without the columns named in `drop`.
fn rows_without(path: &std::path::Path, drop: &[&str]) -> Vec<Vec<(String, String)>> {
    read_csv(path)
        .into_iter()
        .map(|r| {
            let mut kv: Vec<(String, String)> = r.into_iter().filter(|(k, _)| !drop.contains(&k.as_str())).collect();
            kv.sort();
            kv
        })
        .collect()
}

#[test]
fn a_sweep_with_checkpoints_gains_their_columns_and_changes_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "plain.toml", &grid(""));
    write(dir, "curve.toml", &grid("checkpoints = [5, 12]\n"));
    harness_ok(dir, &["sweep", "plain.toml", "--out", "plain", "--threads", "2"]);
    harness_ok(dir, &["sweep", "curve.toml", "--out", "curve", "--threads", "2"]);

    let runs = read_csv(&dir.join("curve/runs.csv"));
    assert_eq!(runs.len(), 4);
    let mut distinct = std::collections::BTreeSet::new();
    for r in &runs {
        for col in ["test_accuracy_at_5", "test_accuracy_at_12"] {
            let a: f64 = r[col].parse().unwrap_or_else(|_| panic!("{col} in {r:?}"));
            assert!((0.0..=1.0).contains(&a), "{col} = {a}");
            distinct.insert(r[col].clone());
        }
    }
    assert!(distinct.len() > 1, "checkpoint accuracies differ between runs and lengths: {distinct:?}");
    // Same ids, seeds and results as the sweep without checkpoints: only the new columns differ.
    let dropped = ["test_accuracy_at_5", "test_accuracy_at_12"];
    assert_eq!(rows_without(&dir.join("curve/runs.csv"), &dropped), rows_without(&dir.join("plain/runs.csv"), &[]));
    let summary = read_csv(&dir.join("curve/summary.csv"));
    for r in &summary {
        for col in ["test_accuracy_at_5_mean", "test_accuracy_at_12_ci95_high", "test_accuracy_mean"] {
            assert!(r[col].parse::<f64>().is_ok(), "{col} in {r:?}");
        }
    }
    // The results re-run bit for bit, checkpoints included.
    harness_ok(dir, &["verify", "curve"]);
    // The report draws the curves, and only where there are some.
    harness_ok(dir, &["report", "curve"]);
    harness_ok(dir, &["report", "plain"]);
    assert!(text(dir.join("curve/report.html")).contains("id=\"fig-learning-curves\""));
    assert!(!text(dir.join("plain/report.html")).contains("fig-learning-curves"));
    // Other checkpoints are other work: the directory is refused, not mixed.
    write(dir, "other.toml", &grid("checkpoints = [5]\n"));
    harness_refused(dir, &["sweep", "other.toml", "--out", "curve"], &["curve"]);
    // A forged checkpoint accuracy in the journal is found by the re-run.
    let journal = dir.join("curve/journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let at = text.find("\"checkpoints\":[[5,").expect("checkpoints in the journal") + "\"checkpoints\":[[5,".len();
    let end = at + text[at..].find(']').unwrap();
    let forged = format!("{}0.123456{}", &text[..at], &text[end..]);
    assert_ne!(forged, text);
    std::fs::write(&journal, forged).unwrap();
    harness_refused(dir, &["verify", "curve"], &["test_accuracy_at_5"]);
}

#[test]
fn checkpoints_cannot_be_an_axis_or_outside_the_training_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "axis.toml", &sweep_file("a", 1, 1, 20, 10, "", "checkpoints = [[5], [10]]\n"));
    harness_refused(dir, &["sweep", "axis.toml"], &["grid.checkpoints", "a measurement, not a parameter"]);
    write(dir, "late.toml", &sweep_file("b", 1, 1, 20, 10, "checkpoints = [5, 20]\n", "lr = [0.1]\n"));
    harness_refused(dir, &["sweep", "late.toml"], &["checkpoints[1]", "between 1 and train_presentations - 1 (19)"]);
    assert_eq!(entries(dir), ["axis.toml", "late.toml"], "nothing was written");
}

#[test]
fn run_prints_the_curve_and_the_same_run() {
    let dir = root();
    let plain = harness_ok(dir, &["run", "experiments/notebook.toml", "--seed", "3"]);
    let curve = harness_ok(dir, &["run", "experiments/notebook.toml", "--seed", "3", "--checkpoints", "50,150"]);
    let lines = |o: &Outcome| -> Vec<String> {
        o.stdout
            .lines()
            .filter(|l| !l.starts_with("wall time") && !l.starts_with("  after"))
            .map(String::from)
            .collect()
    };
    assert_eq!(lines(&curve), lines(&plain));
    let after: Vec<&str> = curve.stdout.lines().filter(|l| l.starts_with("  after")).collect();
    assert_eq!(after.len(), 2, "{}", curve.stdout);
    assert!(after[0].starts_with("  after 50 ") && after[1].starts_with("  after 150 "), "{after:?}");
    let o = harness_refused(
        dir,
        &["run", "experiments/notebook.toml", "--checkpoints", "300"],
        &["key `--checkpoints[0]`"],
    );
    let located = (0..10).any(|d| o.stderr.contains(&format!("notebook.toml:{d}")));
    assert!(!located, "not located on a line of the file: {}", o.stderr);
}
