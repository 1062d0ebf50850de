//! The `harness` binary, run as a user would.

mod common;

use common::{Outcome, harness as run_in, root};

/// `harness args...` from the repository root.
fn harness(args: &[&str]) -> (bool, String, String) {
    let Outcome { code, stdout, stderr } = run_in(root(), args);
    (code == Some(0), stdout, stderr)
}

fn without_wall_time(s: &str) -> String {
    s.lines().filter(|l| !l.starts_with("wall time")).collect::<Vec<_>>().join("\n")
}

#[test]
fn run_prints_accuracies_spike_counts_and_wall_time() {
    let (ok, out, err) = harness(&["run", "experiments/notebook.toml", "--seed", "1"]);
    assert!(ok, "{err}");
    for needle in
        ["train accuracy", "test accuracy", "input spikes", "output 0 (digit 0)", "output 1 (digit 1)", "wall time"]
    {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    // What it prints is the run's: the library's run of the same file and seed, line for line.
    let exp = harness::config::load(&root().join("experiments/notebook.toml")).unwrap();
    let o = harness::run::run_instance(&exp, 1, &mut ()).unwrap();
    let expected = harness::run::describe(&exp, &o, 0.0);
    assert_eq!(without_wall_time(&out), without_wall_time(&expected));
    assert!(out.contains(&format!("test accuracy   {:.4}", o.test_accuracy())), "{out}");
    assert!(o.test_accuracy() > 0.5, "the notebook's instance learns: {}", o.test_accuracy());
}

#[test]
fn seeded_runs_repeat_bit_for_bit_and_seeds_matter() {
    let a = harness(&["run", "experiments/holdout.toml", "--seed", "7"]).1;
    let b = harness(&["run", "experiments/holdout.toml", "--seed", "7"]).1;
    let c = harness(&["run", "experiments/holdout.toml", "--seed", "8"]).1;
    assert_eq!(without_wall_time(&a), without_wall_time(&b));
    assert_ne!(without_wall_time(&a), without_wall_time(&c));
}

#[test]
fn bad_file_exits_non_zero_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[model]\ntau_ms = -3.0\n").unwrap();
    let (ok, _, err) = harness(&["run", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains(&format!("{}:2: key `model.tau_ms`", path.display())), "{err}");
}

#[test]
fn missing_file_exits_non_zero_and_names_it() {
    let (ok, _, err) = harness(&["run", "experiments/no-such-file.toml"]);
    assert!(!ok);
    assert!(err.contains("experiments/no-such-file.toml: cannot read"), "{err}");
}
