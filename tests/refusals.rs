//! What harness refuses, and how it says so: each case names the file, key, value or directory,
//! exits non-zero without a crash, and leaves earlier results as they were.

mod common;

use common::*;

#[test]
fn status_reports_each_directory_and_names_a_mistyped_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "grid.toml", &grid_sweep());
    harness_ok(dir, &["sweep", "grid.toml", "--shard", "1/2", "--out", "s1"]);
    let o = harness_ok(dir, &["status", "s1"]);
    let row = o.stdout.lines().find(|l| l.trim_start().starts_with("s1")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, ["s1", "1/2", "9", "0", "0", "finished"], "{}", o.stdout);
    assert!(o.stdout.contains(&format!("9 of {GRID_RUNS} runs of the sweep done")), "{}", o.stdout);

    let o = harness_refused(dir, &["status", "s1", "s2-typo"], &["no such directory"]);
    assert!(o.stdout.contains("s2-typo"), "{}", o.stdout);
    std::fs::create_dir(dir.join("empty")).unwrap();
    let o = harness_ok(dir, &["status", "empty"]);
    assert!(o.stdout.contains("not started"), "{}", o.stdout);
}

#[test]
fn merge_refuses_other_experiments_existing_output_and_missing_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a.toml", &grid_sweep());
    write(dir, "b.toml", &grid_sweep().replace("seed = 3", "seed = 4"));
    harness_ok(dir, &["sweep", "a.toml", "--shard", "1/2", "--out", "a1"]);
    harness_ok(dir, &["sweep", "b.toml", "--shard", "2/2", "--out", "b2"]);
    harness_refused(dir, &["merge", "a1", "b2", "--out", "m"], &["b2", "only shards of one sweep merge"]);
    assert!(!dir.join("m").join("journal.jsonl").exists(), "nothing merged");

    harness_ok(dir, &["sweep", "a.toml", "--shard", "2/2", "--out", "a2"]);
    harness_ok(dir, &["merge", "a1", "a2", "--out", "m"]);
    let before = bytes(dir.join("m/runs.parquet"));
    harness_refused(dir, &["merge", "a1", "a2", "--out", "m"], &["already holds results"]);
    assert!(bytes(dir.join("m/runs.parquet")) == before);

    std::fs::create_dir(dir.join("plain")).unwrap();
    harness_refused(dir, &["merge", "a1", "plain", "--out", "m2"], &["plain", "not a harness results directory"]);
}

#[test]
fn bad_shards_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "grid.toml", &grid_sweep());
    for bad in ["0/3", "4/3", "1/0", "x", "2", "1/3/1", "-1/3"] {
        harness_refused(dir, &["sweep", "grid.toml", "--shard", bad, "--out", "o"], &["--shard", "I/N"]);
    }
    harness_refused(dir, &["sweep", "grid.toml", "--shard", "auto", "--out", "o"], &["no scheduler environment"]);
    assert_eq!(entries(dir), ["grid.toml"], "a refused sweep creates nothing");
}

#[test]
fn zero_threads_is_refused_before_loading_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for args in [
        vec!["sweep", "missing.toml", "--threads", "0"],
        vec!["verify", "missing-dir", "--threads", "0"],
        vec!["check", "missing.toml", "--baseline", "b.csv", "--threads", "0"],
        vec!["sweep", "missing.toml", "--threads", "100000"],
    ] {
        let o = harness_refused(dir, &args, &["--threads"]);
        assert!(!o.stderr.contains("missing"), "the thread count is checked first: {}", o.stderr);
    }
}

#[test]
fn a_journal_from_another_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a.toml", &grid_sweep());
    write(dir, "b.toml", &grid_sweep().replace("lr = [0.05, 0.1]", "lr = [0.07]"));
    harness_ok(dir, &["sweep", "a.toml", "--out", "a"]);
    harness_ok(dir, &["sweep", "b.toml", "--out", "b"]);
    // b's manifest with a's journal: the manifest matches b, the journal does not.
    std::fs::copy(dir.join("a/journal.jsonl"), dir.join("b/journal.jsonl")).unwrap();
    let journal = bytes(dir.join("b/journal.jsonl"));
    harness_refused(
        dir,
        &["sweep", "b.toml", "--out", "b"],
        &["journal holds run", "which this sweep does not ask for"],
    );
    assert!(bytes(dir.join("b/journal.jsonl")) == journal, "the journal is left as it was");
}

#[test]
fn an_edited_manifest_is_caught_by_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "grid.toml", &grid_sweep());
    harness_ok(dir, &["sweep", "grid.toml", "--out", "r"]);
    let m = text(dir.join("r/manifest.toml"));
    assert!(m.contains("seed = 3"));
    std::fs::write(dir.join("r/manifest.toml"), m.replacen("seed = 3", "seed = 4", 1)).unwrap();
    harness_refused(dir, &["verify", "r"], &["the manifest was edited", "seed=4"]);
}

#[test]
fn errors_in_an_input_spikes_file_name_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = |file: &str| format!("input_spikes = \"{file}\"\n{PROTOCOL}");
    for (name, table, says) in [
        ("header.csv", "time,neuron\n1,2\n", "header.csv:1: expected the header `step,neuron`"),
        ("line.csv", "step,neuron\n1,2\n3;4\n", "line.csv:3: expected `step,neuron`"),
        ("neuron.csv", "step,neuron\n1,2\n5,64\n", "neuron 64 at step 5 does not exist"),
    ] {
        write(dir, name, table);
        write(dir, "e.toml", &exp(name));
        harness_refused(dir, &["run", "e.toml"], &[says, "key `input_spikes`"]);
    }
    write(dir, "e.toml", &exp("absent.csv"));
    harness_refused(dir, &["run", "e.toml"], &["absent.csv: cannot read"]);
}

/// `data` is relative to the experiment file; verify and report read it from the manifest's
/// absolute base directory, from wherever they are run.
#[test]
fn verify_and_report_work_from_another_directory_with_relative_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("exp/data")).unwrap();
    std::fs::copy(root().join("data/digits.csv.gz"), dir.join("exp/data/d.csv.gz")).unwrap();
    write(
        &dir.join("exp"),
        "s.toml",
        &grid_sweep().replace("name = \"grid\"", "name = \"grid\"\ndata = \"data/d.csv.gz\""),
    );
    harness_ok(dir, &["sweep", "exp/s.toml", "--out", "res"]);
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    let elsewhere = dir.join("elsewhere");
    let o = harness_ok(&elsewhere, &["verify", "../res", "--sample", "3"]);
    assert!(o.stdout.contains("3 runs re-run"), "{}", o.text());
    let o = harness_ok(&elsewhere, &["report", "../res"]);
    assert!(o.stdout.contains("report.html"), "{}", o.text());
}

/// A refusal reads the same whether or not the user's shell sets RUST_BACKTRACE: the message, and
/// no stack dump under it (that is for panics).
#[test]
fn errors_carry_no_backtrace_even_with_rust_backtrace_set() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.toml"), "[model]\ntau_ms = 0.0\n").unwrap();
    for value in ["1", "full"] {
        let out = command(tmp.path(), &["run", "bad.toml"])
            .env("RUST_BACKTRACE", value)
            .env("RUST_LIB_BACKTRACE", value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(
            stderr, "Error: bad.toml:2: key `model.tau_ms`: a time constant must be > 0 ms (got 0)\n",
            "RUST_BACKTRACE={value}"
        );
    }
}
