//! Nothing wrong passes: one module per principle of the reliability issue, each test named for
//! what it holds harness to. Every test here failed on harness before these principles were kept.

mod common;

use std::path::Path;

use common::*;

/// 1. The regression gate never passes on missing evidence.
mod p1_gate {
    use super::*;

    const CASES: &str = GATE_CASES;

    fn baseline(dir: &Path) -> String {
        write(dir, "gate.toml", CASES);
        harness_ok(dir, &["check", "gate.toml", "--baseline", "base.csv", "--update-baseline"]);
        text(dir.join("base.csv"))
    }

    #[test]
    fn a_case_whose_every_run_fails_fails() {
        let tmp = tempfile::tempdir().unwrap();
        baseline(tmp.path());
        // c_inp = 1.7e308 overflows every run (see sweep_cli's failed-run test).
        write(tmp.path(), "gate.toml", &CASES.replace("[grid]", "[model]\nc_inp = 1.7e308\n[grid]"));
        let o = harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv"],
            &["check FAILED: 2 case(s)"],
        );
        assert_eq!(o.stdout.matches("FAILED: 4 run(s) failed").count(), 2, "{}", o.stdout);
    }

    #[test]
    fn fewer_replicates_than_the_baseline_fail() {
        let tmp = tempfile::tempdir().unwrap();
        baseline(tmp.path());
        write(tmp.path(), "gate.toml", &CASES.replace("replicates = 4", "replicates = 3"));
        harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv"],
            &["3 successful replicates, the baseline has 4"],
        );
    }

    #[test]
    fn a_baseline_row_without_a_standard_error_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let base = baseline(tmp.path());
        let mut lines: Vec<String> = base.lines().map(String::from).collect();
        let mut cells = csv_fields(&lines[1]);
        cells[4] = String::new();
        lines[1] =
            cells
                .iter()
                .map(|c| {
                    if c.contains(',') || c.contains('"') {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
        write(tmp.path(), "base.csv", &(lines.join("\n") + "\n"));
        harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv"],
            &["base.csv", "`test_accuracy_se` is empty"],
        );
    }

    #[test]
    fn a_baseline_without_rows_or_malformed_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let base = baseline(tmp.path());
        write(tmp.path(), "base.csv", &(base.lines().next().unwrap().to_string() + "\n"));
        harness_refused(tmp.path(), &["check", "gate.toml", "--baseline", "base.csv"], &["has no cases"]);
        write(tmp.path(), "base.csv", "this is not,a baseline\n1,2\n");
        harness_refused(tmp.path(), &["check", "gate.toml", "--baseline", "base.csv"], &["not a baseline table"]);
    }
}

/// 2. A result is tied to everything it depends on.
mod p2_identity {
    use super::*;

    fn sweep_with_data(dir: &Path) {
        std::fs::copy(root().join("data/digits.csv.gz"), dir.join("d.csv.gz")).unwrap();
        write(dir, "s.toml", &grid_sweep().replace("name = \"grid\"", "name = \"grid\"\ndata = \"d.csv.gz\""));
        harness_ok(dir, &["sweep", "s.toml", "--out", "r", "--shard", "1/2"]);
    }

    /// The bundled digits with one pixel changed, written uncompressed.
    fn changed_data(dir: &Path) {
        let bundled = harness::data::Dataset::bundled();
        let mut csv = String::new();
        for row in 0..bundled.len() {
            let mut px: Vec<u8> = bundled.image(row).to_vec();
            if row == 0 {
                px[0] = 1;
            }
            let cells: Vec<String> = px.iter().map(|p| p.to_string()).chain([bundled.label(row).to_string()]).collect();
            csv.push_str(&(cells.join(",") + "\n"));
        }
        write(dir, "d.csv.gz", &csv);
    }

    #[test]
    fn resume_and_merge_refuse_data_whose_contents_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        sweep_with_data(dir);
        harness_ok(dir, &["sweep", "s.toml", "--out", "r2", "--shard", "2/2"]);
        changed_data(dir);
        let journal = bytes(dir.join("r/journal.jsonl"));
        harness_refused(dir, &["sweep", "s.toml", "--out", "r", "--shard", "1/2"], &["data.contents"]);
        assert!(bytes(dir.join("r/journal.jsonl")) == journal);
        harness_ok(dir, &["sweep", "s.toml", "--out", "r3", "--shard", "2/2"]);
        harness_refused(dir, &["merge", "r", "r3", "--out", "m"], &["only shards of one sweep merge"]);
        harness_refused(dir, &["verify", "r"], &["has changed since", "data.contents"]);
    }

    #[test]
    fn an_input_spikes_table_is_part_of_the_identity() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "spikes.csv", "step,neuron\n10,3\n20,4\n");
        write(
            dir,
            "s.toml",
            &grid_sweep().replace("name = \"grid\"", "name = \"grid\"\ninput_spikes = \"spikes.csv\""),
        );
        harness_ok(dir, &["sweep", "s.toml", "--out", "r"]);
        harness_ok(dir, &["sweep", "s.toml", "--out", "r"]);
        write(dir, "spikes.csv", "step,neuron\n10,3\n21,4\n");
        harness_refused(dir, &["sweep", "s.toml", "--out", "r"], &["input_spikes.contents"]);
    }

    #[test]
    fn another_build_is_refused_unless_allowed_and_then_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "g.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "g.toml", "--out", "r", "--shard", "1/2"]);
        let m = text(dir.join("r/manifest.toml"));
        let edited = m
            .lines()
            .map(|l| if l.starts_with("git_commit = ") { "git_commit = \"0123abc\"" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(dir.join("r/manifest.toml"), edited + "\n").unwrap();
        harness_refused(dir, &["sweep", "g.toml", "--out", "r", "--shard", "1/2"], &["0123abc", "--allow-other-build"]);
        harness_ok(dir, &["sweep", "g.toml", "--out", "r", "--shard", "1/2", "--allow-other-build"]);
        let m = text(dir.join("r/manifest.toml"));
        assert!(m.contains("other_builds = [\"0.1.0 0123abc\"]"), "{m}");

        harness_ok(dir, &["sweep", "g.toml", "--out", "r2", "--shard", "2/2"]);
        harness_refused(dir, &["merge", "r", "r2", "--out", "m"], &["more than one build", "0123abc"]);
        harness_ok(dir, &["merge", "r", "r2", "--out", "m", "--allow-other-build"]);
        assert!(text(dir.join("m/manifest.toml")).contains("0123abc"));
    }

    /// The identity of a shipped experiment, pinned: its text (every parameter of the base
    /// configuration is at its default, so none is listed) and its hash, computed independently in
    /// Python (FNV-1a of the lines joined by newlines). A toml crate that writes numbers differently,
    /// or a new parameter with a default, must not change either.
    #[test]
    fn the_identity_of_a_shipped_experiment_is_pinned() {
        let sweep = harness::sweep::load(&root().join("experiments/grid.toml"), false).unwrap();
        let want = "data.contents=8ddff3e8f21bbc62\ngrid[0].c_inp=[0.1, 0.2, 0.4]\ngrid[1].c_neg=[0.85, 1.7, 3.4]\n\
                    grid[2].lr=[0.025, 0.05, 0.1]\nkind=sweep\nreplicates=8\nseed=2026";
        assert_eq!(sweep.identity.text, want);
        assert_eq!(format!("{:016x}", sweep.identity.hash), PINNED_GRID_IDENTITY);
    }

    const PINNED_GRID_IDENTITY: &str = "2c1393d47fbf3607";
}

/// 3. One writer per results directory.
mod p3_one_writer {
    use std::thread::sleep;
    use std::time::{Duration, Instant};

    use super::*;

    /// 300 runs, about a second on two threads.
    const LONG: &str = "name = \"long\"\nseed = 11\nreplicates = 15\n[protocol]\nsampling = \"holdout\"\n\
                        train_presentations = 60\ntest_presentations = 30\n[grid]\nc_inp = [0.1, 0.2, 0.3, 0.4, 0.5]\n\
                        lr = [0.025, 0.05, 0.1, 0.2]\n";

    #[test]
    fn a_second_writer_is_refused_with_the_holders_pid_and_force_cannot_move_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "long.toml", LONG);
        let mut first = spawn(dir, &["sweep", "long.toml", "--out", "r", "--threads", "2"], false);
        let t0 = Instant::now();
        while journal_ids(&dir.join("r")).is_empty() {
            assert!(t0.elapsed() < Duration::from_secs(30), "the first sweep never started");
            sleep(Duration::from_millis(5));
        }
        let pid = format!("pid {}", first.id());
        harness_refused(dir, &["sweep", "long.toml", "--out", "r"], &[&pid, "is writing"]);
        harness_refused(dir, &["sweep", "long.toml", "--out", "r", "--force"], &[&pid]);
        harness_refused(dir, &["verify", "r"], &["is writing"]);
        assert!(first.wait().unwrap().success());
        assert_eq!(journal_ids(&dir.join("r")).len(), 300, "every run once");
        assert!(text(dir.join("r/manifest.toml")).contains("runs_done = 300"));
        assert!(entries(dir).iter().all(|e| !e.contains("replaced")), "nothing was moved aside");
        harness_ok(dir, &["verify", "r", "--sample", "5"]);
    }

    #[test]
    fn a_run_journalled_twice_is_counted_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "g.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "g.toml", "--out", "r"]);
        let reference = tmp.path().join("reference");
        std::fs::create_dir(&reference).unwrap();
        for f in DETERMINISTIC {
            std::fs::copy(dir.join("r").join(f), reference.join(f)).unwrap();
        }
        let journal = text(dir.join("r/journal.jsonl"));
        std::fs::write(dir.join("r/journal.jsonl"), journal.clone() + &journal).unwrap();
        let o = harness_ok(dir, &["sweep", "g.toml", "--out", "r"]);
        assert!(
            o.stderr.contains(&format!("{GRID_RUNS} journal line(s) repeated a run and were counted once")),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains(&format!("{GRID_RUNS} already done, 0 to run")), "{}", o.stderr);
        assert_same_tables(&reference, &dir.join("r"));
        assert!(text(dir.join("r/manifest.toml")).contains(&format!("runs_done = {GRID_RUNS}")));
    }
}

/// 4. `verify` checks the whole table, not only the metrics.
mod p4_verify_whole {
    use harness::results::tables::{Format, encode, read_parquet};
    use polars::prelude::*;

    use super::*;

    fn swept(dir: &Path) {
        write(dir, "g.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "g.toml", "--out", "r"]);
    }

    /// Replace a table (Parquet and CSV alike, so that only the recomputation can tell).
    fn replace(dir: &Path, name: &str, df: &DataFrame) {
        std::fs::write(dir.join(format!("r/{name}.parquet")), encode(df, Format::Parquet).unwrap()).unwrap();
        std::fs::write(dir.join(format!("r/{name}.csv")), encode(df, Format::Csv).unwrap()).unwrap();
    }

    fn table(dir: &Path, name: &str) -> DataFrame {
        read_parquet(&dir.join(format!("r/{name}.parquet"))).unwrap()
    }

    #[test]
    fn a_changed_parameter_column_fails() {
        let tmp = tempfile::tempdir().unwrap();
        swept(tmp.path());
        let mut df = table(tmp.path(), "runs");
        let lr: Vec<Option<f64>> = df.column("lr").unwrap().f64().unwrap().iter().map(|x| x.map(|x| x * 2.0)).collect();
        df.with_column(Column::new("lr".into(), lr)).unwrap();
        replace(tmp.path(), "runs", &df);
        let o = harness_refused(tmp.path(), &["verify", "r", "--sample", "1"], &["runs.lr"]);
        assert!(o.stdout.contains(&format!("{GRID_RUNS} mismatch(es)")), "{}", o.stdout);
    }

    #[test]
    fn a_dropped_duplicated_or_renumbered_row_fails() {
        let tmp = tempfile::tempdir().unwrap();
        swept(tmp.path());
        let df = table(tmp.path(), "runs");
        replace(tmp.path(), "runs", &df.slice(0, GRID_RUNS - 1));
        harness_refused(tmp.path(), &["verify", "r", "--sample", "1"], &["runs:", "17 rows"]);
        let doubled = df.vstack(&df.slice(3, 1)).unwrap();
        replace(tmp.path(), "runs", &doubled);
        harness_refused(tmp.path(), &["verify", "r", "--sample", "1"], &["out of order or repeated"]);
        let mut renumbered = df.clone();
        let rep: Vec<u64> =
            renumbered.column("replicate").unwrap().u64().unwrap().iter().map(|r| r.unwrap() + 1).collect();
        renumbered.with_column(Column::new("replicate".into(), rep)).unwrap();
        replace(tmp.path(), "runs", &renumbered);
        harness_refused(tmp.path(), &["verify", "r", "--sample", "1"], &["runs.replicate"]);
    }

    #[test]
    fn an_edited_summary_fails() {
        let tmp = tempfile::tempdir().unwrap();
        swept(tmp.path());
        let mut df = table(tmp.path(), "summary");
        let m: Vec<Option<f64>> =
            df.column("test_accuracy_mean").unwrap().f64().unwrap().iter().map(|x| x.map(|x| x + 0.01)).collect();
        df.with_column(Column::new("test_accuracy_mean".into(), m)).unwrap();
        replace(tmp.path(), "summary", &df);
        harness_refused(
            tmp.path(),
            &["verify", "r", "--sample", "1"],
            &["summary.test_accuracy_mean", "6 mismatch(es)"],
        );
    }

    #[test]
    fn a_csv_that_disagrees_with_its_parquet_fails() {
        let tmp = tempfile::tempdir().unwrap();
        swept(tmp.path());
        let csv = text(tmp.path().join("r/runs.csv"));
        std::fs::write(tmp.path().join("r/runs.csv"), csv.replacen("ok", "failed", 1)).unwrap();
        harness_refused(tmp.path(), &["verify", "r", "--sample", "1"], &["runs.csv: differs from runs.parquet"]);
    }

    #[test]
    fn sample_zero_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        swept(tmp.path());
        harness_refused(tmp.path(), &["verify", "r", "--sample", "0"], &["--sample 0"]);
    }
}

/// 5. No input aborts the process.
mod p5_no_abort {
    use super::*;

    fn refused_run(body: &str, says: &[&str]) {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "e.toml", body);
        harness_refused(tmp.path(), &["sweep", "e.toml", "--yes"], says);
        harness_refused(tmp.path(), &["run", "e.toml"], says);
    }

    #[test]
    fn sizes_beyond_the_limits_are_refused_not_allocated() {
        refused_run(
            "[protocol]\ntrain_presentations = 1000000000000000\n",
            &["protocol.train_presentations", "at most 1000000 per phase"],
        );
        refused_run("[protocol]\ntest_presentations = 1000000000000000\n", &["protocol.test_presentations"]);
        refused_run("[protocol]\nneurons_per_class = 1000000000\n", &["protocol.neurons_per_class", "at most 1000"]);
        refused_run("[protocol]\nwindow_ms = 1e12\n", &["protocol.window_ms"]);
    }

    #[test]
    fn a_grid_of_more_than_2_to_the_64_points_is_refused() {
        let values: Vec<String> = (0..256).map(|i| format!("{}", 0.01 + i as f64 * 1e-4)).collect();
        let axes = ["c_inp", "c_neg", "lr", "lr_n", "decay", "wmax", "alpha_ms", "beta_ms"];
        let grid: String = axes.iter().map(|a| format!("{a} = [{}]\n", values.join(", "))).collect();
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "huge.toml", &format!("[grid]\n{grid}"));
        harness_refused(tmp.path(), &["sweep", "huge.toml", "--yes"], &["key `grid`", "2^64"]);
        write(
            tmp.path(),
            "big.toml",
            &format!("replicates = 100000\n[grid]\n{}", &grid[..grid.find('\n').unwrap() + 1]),
        );
        harness_refused(
            tmp.path(),
            &["sweep", "big.toml", "--yes"],
            &["25600000 runs", "more than harness runs in one sweep"],
        );
    }

    #[test]
    fn a_path_that_is_not_utf8_does_not_panic() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "g.toml", &grid_sweep());
        let out = std::ffi::OsStr::from_bytes(b"out-\xff");
        let o = harness(
            tmp.path(),
            &[std::ffi::OsStr::new("sweep"), std::ffi::OsStr::new("g.toml"), std::ffi::OsStr::new("--out"), out],
        );
        assert!(o.ok(), "{}", o.text());
        assert!(tmp.path().join(std::ffi::OsStr::from_bytes(b"out-\xff")).join("runs.csv").is_file());
    }

    #[test]
    fn a_trace_too_large_for_memory_is_refused_before_the_run() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "e.toml",
            "[protocol]\ntrain_presentations = 100000\nclasses = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
        );
        let o = harness_refused(
            tmp.path(),
            &["run", "e.toml", "--trace", "t", "--record-every", "1"],
            &["--record-every", "MB"],
        );
        assert!(!o.stdout.contains("train accuracy"), "refused before running: {}", o.stdout);
    }
}

/// 6. Every value a sweep may use is validated before the first run.
mod p6_up_front {
    use super::*;

    #[test]
    fn every_choice_is_checked_whatever_the_seed() {
        for seed in 1..=6 {
            let tmp = tempfile::tempdir().unwrap();
            write(
                tmp.path(),
                "e.toml",
                &format!("seed = {seed}\n[random]\ntrials = 1\nc_inp = {{ choice = [0.1, \"oops\", -5.0] }}\n"),
            );
            harness_refused(tmp.path(), &["sweep", "e.toml"], &["key `random.c_inp`"]);
            assert_eq!(entries(tmp.path()), ["e.toml"], "seed {seed}: refused before anything was written");
        }
    }

    #[test]
    fn a_bound_that_makes_the_model_invalid_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "e.toml", "[random]\ntrials = 1\nc_neg = { uniform = [-1.0, 2.0] }\n");
        harness_refused(tmp.path(), &["sweep", "e.toml"], &["key `random.c_neg`", "-1"]);
        write(tmp.path(), "e.toml", "[random]\ntrials = 1\nc_inp = { uniform = [-1.7e308, 1.7e308] }\n");
        harness_refused(tmp.path(), &["sweep", "e.toml"], &["key `random.c_inp`", "wider than the largest number"]);
    }
}

/// 7. Names are names.
mod p7_names {
    use super::*;

    #[test]
    fn names_that_are_not_one_plain_component_are_refused() {
        for name in ["../../x", "/abs", "", ".", "a/b"] {
            let tmp = tempfile::tempdir().unwrap();
            write(tmp.path(), "e.toml", &format!("name = {name:?}\n{PROTOCOL}"));
            harness_refused(tmp.path(), &["sweep", "e.toml"], &["key `name`", "not a plain name"]);
            assert_eq!(entries(tmp.path()), ["e.toml"]);
        }
    }
}

/// 8. Every I/O error names its path.
mod p8_paths {
    use super::*;

    #[test]
    fn an_output_that_is_a_file_or_a_table_that_is_a_directory_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "g.toml", &grid_sweep());
        write(dir, "taken", "a file where the results should go");
        harness_refused(dir, &["sweep", "g.toml", "--out", "taken"], &["taken"]);
        harness_ok(dir, &["sweep", "g.toml", "--out", "r"]);
        std::fs::remove_file(dir.join("r/summary.csv")).unwrap();
        std::fs::create_dir(dir.join("r/summary.csv")).unwrap();
        std::fs::write(dir.join("r/summary.csv/x"), "keep").unwrap();
        harness_refused(dir, &["sweep", "g.toml", "--out", "r"], &["writing r/summary.csv"]);
        harness_refused(dir, &["run", "g.toml", "--trace", "taken/sub"], &["taken/sub"]);
    }
}

/// 9. The small ones.
mod p9_small {
    use super::*;

    #[test]
    fn a_shard_without_runs_writes_the_parameter_columns() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "one.toml", &format!("replicates = 2\n{PROTOCOL}"));
        harness_ok(tmp.path(), &["sweep", "one.toml", "--shard", "3/3", "--out", "s"]);
        let header = text(tmp.path().join("s/runs.csv")).lines().next().unwrap().to_string();
        for col in ["run_id", "c_inp", "classes", "train_presentations", "test_accuracy"] {
            assert!(csv_fields(&header).iter().any(|c| c == col), "{col} in {header}");
        }
    }

    #[test]
    fn slurm_options_cannot_inject_directives() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "g.toml", &grid_sweep());
        let base = ["slurm", "g.toml", "--shards", "2", "--max-array-size", "10", "--harness", "/bin/h"];
        let with = |extra: &[&'static str]| base.iter().chain(extra).copied().collect::<Vec<&str>>();
        harness_refused(tmp.path(), &with(&["--partition", "gpu\n#SBATCH --mem=1T"]), &["--partition"]);
        harness_refused(tmp.path(), &with(&["--time", "1 hour"]), &["--time"]);
        harness_refused(tmp.path(), &with(&["--parallel", "0"]), &["--parallel"]);
        harness_refused(tmp.path(), &["slurm", "g.toml", "--shards", "0"], &["--shards"]);
        assert!(!tmp.path().join("slurm").exists());
    }

    #[test]
    fn negative_thresholds_and_teacher_are_refused() {
        for (body, key) in [
            ("[model]\nhold0 = -1.0\n", "model.hold0"),
            ("[model]\nhold_inc = -0.1\n", "model.hold_inc"),
            ("[protocol]\nteacher = -100.0\n", "protocol.teacher"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            write(tmp.path(), "e.toml", body);
            harness_refused(tmp.path(), &["run", "e.toml"], &[key, ">= 0"]);
        }
    }

    #[test]
    fn replayed_spikes_after_the_end_of_the_run_are_warned_about() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "s.csv", "step,neuron\n10,3\n99999999,4\n");
        write(tmp.path(), "e.toml", &format!("input_spikes = \"s.csv\"\n{PROTOCOL}"));
        let o = harness_ok(tmp.path(), &["run", "e.toml"]);
        assert!(o.stderr.contains("warning: s.csv: 1 spike(s) at or after step"), "{}", o.stderr);
    }

    #[test]
    fn report_shows_the_first_successful_replicate_of_the_best() {
        use harness::results::tables::{Format, encode, read_parquet};
        use polars::prelude::*;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(
            dir,
            "e.toml",
            &format!(
                "replicates = 3
{PROTOCOL}"
            ),
        );
        harness_ok(dir, &["sweep", "e.toml", "--out", "r"]);
        // The first replicate failed, as far as the tables go (a diverging run; no parameter makes
        // one diverge for some seeds only, fast enough for a test).
        let mut df = read_parquet(&dir.join("r/runs.parquet")).unwrap();
        let failed = |c: &str, v: Option<&str>| {
            Column::new(
                c.into(),
                [v, df.column(c).unwrap().str().unwrap().get(1), df.column(c).unwrap().str().unwrap().get(2)],
            )
        };
        let status = failed("status", Some("failed"));
        let error = Column::new("error".into(), [Some("diverged"), None, None]);
        let acc: Vec<Option<f64>> = df
            .column("test_accuracy")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, x)| if i == 0 { None } else { x })
            .collect();
        df.with_column(status).unwrap();
        df.with_column(error).unwrap();
        df.with_column(Column::new("test_accuracy".into(), acc)).unwrap();
        std::fs::write(dir.join("r/runs.parquet"), encode(&df, Format::Parquet).unwrap()).unwrap();
        let o = harness_ok(dir, &["report", "r"]);
        assert!(o.stderr.contains("replicate 1 is shown (the earlier ones failed)"), "{}", o.stderr);
        assert!(text(dir.join("r/report.html")).contains("replicate 1, seed"));
    }

    #[test]
    fn plots_of_a_diverging_run_are_drawn_not_hung() {
        // c_inp = 1e307 drives currents to 1e307 and beyond; this seed's run stays finite (the others
        // diverge), and its figures have ranges whose width overflows a double.
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "e.toml", &format!("[model]\nc_inp = 1e307\n{PROTOCOL}"));
        let o = harness(tmp.path(), &["run", "e.toml", "--seed", &HUGE_BUT_FINITE_SEED.to_string(), "--plots", "p"]);
        assert!(o.ok(), "{}", o.text());
        assert!(tmp.path().join("p/currents.png").is_file());
    }

    const HUGE_BUT_FINITE_SEED: u64 = 6894545501225473209;
}
