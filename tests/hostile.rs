//! The reliability suite, second part: what the second hostile pass found (issue 21), one module
//! per principle, each test named for what it holds harness to. Every test here failed (or hung)
//! on harness before its principle was kept.

mod common;

use std::path::Path;

use common::*;

/// A small race (runs of 30 + 10 presentations), shared with `tests/race.rs`.
const RACE: &str = include_str!("fixtures/small-race.toml");

/// The journal's lines as JSON values.
fn journal(out: &Path) -> Vec<serde_json::Value> {
    text(out.join("journal.jsonl")).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn write_journal(out: &Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("journal.jsonl"), text).unwrap();
}

/// Every file of a directory and its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir).into_iter().filter(|e| dir.join(e).is_file()).map(|e| (e.clone(), bytes(dir.join(e)))).collect()
}

/// 1. Race journals are checked as strictly as sweep journals.
mod p1_race_journal {
    use super::*;

    fn raced(dir: &Path) -> Vec<serde_json::Value> {
        write(dir, "race.toml", RACE);
        harness_ok(dir, &["race", "race.toml", "--out", "r"]);
        journal(&dir.join("r"))
    }

    /// Positions in the file of the validation runs' lines (journalled in completion order).
    fn validation(lines: &[serde_json::Value]) -> Vec<usize> {
        (0..lines.len()).filter(|&i| lines[i]["race"]["validation"] == true).collect()
    }

    #[test]
    fn a_validation_line_with_another_seeds_results_is_refused_by_resume_and_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        let v = validation(&lines);
        // The line of an elite's validation seed 1, put where its seed 0 goes: run id, position,
        // replicate and race place say seed 0, the seed and the results are seed 1's.
        let at = *v.iter().find(|&&i| lines[i]["race"]["seed_index"] == 0).unwrap();
        let from = *v
            .iter()
            .find(|&&i| lines[i]["race"]["seed_index"] == 1 && lines[i]["config_id"] == lines[at]["config_id"])
            .unwrap();
        let mut forged = lines[from].clone();
        for key in ["index", "run_id", "replicate", "race"] {
            forged[key] = lines[at][key].clone();
        }
        assert_ne!(forged["seed"], lines[at]["seed"]);
        lines[at] = forged;
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r", "--sample", "1"], &["its seed is", "r"]);
        let before = snapshot(&dir.join("r"));
        harness_refused(dir, &["race", "race.toml", "--out", "r"], &["its seed is", "use another --out"]);
        assert!(snapshot(&dir.join("r")) == before, "a refused resume leaves every file as it was");
    }

    #[test]
    fn a_line_the_race_never_asks_for_is_refused_by_resume_and_named_by_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        // A phantom: a copy of the last line, with an unknown configuration, after the race's end.
        let mut phantom = lines.last().unwrap().clone();
        let end = lines.len();
        phantom["index"] = end.into();
        phantom["config_id"] = "00000000deadbeef".into();
        phantom["run_id"] = "00000000deadbeef-v0".into();
        phantom["test_accuracy"] = 1.0.into();
        lines.push(phantom);
        write_journal(&dir.join("r"), &lines);
        let before = snapshot(&dir.join("r"));
        harness_refused(
            dir,
            &["race", "race.toml", "--out", "r"],
            &["00000000deadbeef-v0", &format!("position {end}")],
        );
        assert!(snapshot(&dir.join("r")) == before, "a refused resume leaves every file as it was");
        let o = harness(dir, &["verify", "r", "--sample", "1"]);
        assert!(o.refused(), "{}", o.text());
        assert!(o.text().contains("00000000deadbeef-v0") && o.text().contains("cannot be re-run"), "{}", o.text());

        // Inside the race's positions, with another configuration's id: the replay refuses it.
        let mut lines = journal(&dir.join("r"));
        lines.pop();
        let last = lines.len() - 1;
        lines[last]["config_id"] = "00000000deadbeef".into();
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r"], &["its configuration is 00000000deadbeef"]);
    }

    #[test]
    fn a_sweep_line_with_another_seed_is_refused_at_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        let mut lines = journal(&dir.join("s"));
        lines[0]["seed"] = (lines[0]["seed"].as_u64().unwrap() ^ 1).into();
        write_journal(&dir.join("s"), &lines);
        harness_refused(dir, &["sweep", "grid.toml", "--out", "s"], &["its seed is", "use another --out"]);
        // verify names it whether or not its sample re-runs that run.
        let id = lines[0]["run_id"].as_str().unwrap().to_string();
        harness_refused(dir, &["verify", "s", "--sample", "1"], &[&format!("journal: run {id}"), "its seed is"]);
    }

    #[test]
    fn merge_refuses_a_shard_line_with_another_seed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--shard", "1/2", "--out", "a1"]);
        harness_ok(dir, &["sweep", "grid.toml", "--shard", "2/2", "--out", "a2"]);
        harness_ok(dir, &["merge", "a1", "a2", "--out", "m"]);
        let mut lines = journal(&dir.join("a2"));
        lines[0]["seed"] = (lines[0]["seed"].as_u64().unwrap() ^ 1).into();
        lines[0]["test_accuracy"] = 1.0.into();
        write_journal(&dir.join("a2"), &lines);
        harness_refused(dir, &["merge", "a1", "a2", "--out", "m2"], &["a2", "its seed is", "nothing was merged"]);
        assert!(!dir.join("m2/journal.jsonl").exists());
    }

    #[test]
    fn an_unfinished_race_is_called_unfinished_by_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        lines.truncate(lines.len() - 3);
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r"], &["the race is unfinished"]);
    }
}

/// 3. Every run counts against the limits.
///
/// (Principle 2, a race always ends, is held by the race's own test
/// `a_race_over_an_exhausted_space_ends`.)
mod p3_every_run_counts {
    use super::*;

    #[test]
    fn validation_runs_count_against_the_limits() {
        let tmp = tempfile::tempdir().unwrap();
        // 5,000 racing + 3 elites x 2,000 validation seeds = 11,000 runs: more than 10,000.
        let body = RACE
            .replace("budget = 400", "budget = 5000")
            .replace("validation_replicates = 8", "validation_replicates = 2000");
        write(tmp.path(), "race.toml", &body);
        harness_refused(
            tmp.path(),
            &["race", "race.toml"],
            &["race.budget", "11000 runs (5000 racing + up to 6000 validating", "--yes"],
        );
        let body = body.replace(
            "validation_replicates = 2000",
            "validation_replicates = 100000\nmin_survival = 200\nmax_candidates = 300",
        );
        write(tmp.path(), "race.toml", &body);
        harness_refused(tmp.path(), &["race", "race.toml", "--yes"], &["2.0005e7 runs", "at most 1e7 in all"]);
        assert!(!tmp.path().join("results").exists());
    }
}

/// 5. Files in a results directory are what they seem.
mod p5_no_links {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn links_planted_in_a_results_directory_never_write_outside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        let outside = write(dir, "outside.txt", "precious");
        std::fs::create_dir(dir.join("s")).unwrap();
        // The holder file and the old temporary names, planted before the first run.
        for name in [".harness-writer", "runs.csv.tmp", "manifest.toml.tmp", ".harness-writer.tmp"] {
            symlink(&outside, dir.join("s").join(name)).unwrap();
        }
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        assert_eq!(text(&outside), "precious");
        // A journal that is a link: refused, and the file it points to is untouched.
        let copy = dir.join("copy.jsonl");
        std::fs::rename(dir.join("s/journal.jsonl"), &copy).unwrap();
        let before = text(&copy);
        symlink(&copy, dir.join("s/journal.jsonl")).unwrap();
        harness_refused(dir, &["sweep", "grid.toml", "--out", "s"], &["journal.jsonl", "symbolic link"]);
        harness_refused(dir, &["verify", "s"], &["journal.jsonl", "symbolic link"]);
        assert_eq!(text(&copy), before);
    }

    #[test]
    fn a_manifest_or_table_that_is_a_link_or_not_a_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        std::fs::rename(dir.join("s/runs.parquet"), dir.join("runs.parquet")).unwrap();
        symlink(dir.join("runs.parquet"), dir.join("s/runs.parquet")).unwrap();
        harness_refused(dir, &["verify", "s"], &["runs.parquet", "symbolic link"]);
        std::fs::rename(dir.join("s/manifest.toml"), dir.join("manifest.toml")).unwrap();
        symlink(dir.join("manifest.toml"), dir.join("s/manifest.toml")).unwrap();
        harness_refused(dir, &["verify", "s"], &["manifest.toml", "symbolic link"]);
        harness_refused(dir, &["sweep", "grid.toml", "--out", "s"], &["manifest.toml", "symbolic link"]);
    }
}

/// 6. Reads are bounded.
mod p6_bounded {
    use std::process::Command;
    use std::time::{Duration, Instant};

    use super::*;

    /// Run harness, failing the test if it has not ended within 30 s (a hang).
    fn within(dir: &Path, args: &[&str]) -> Outcome {
        let mut child = command(dir, args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(30) {
                child.kill().unwrap();
                panic!("harness {args:?} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    fn mkfifo(path: &Path) {
        assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    }

    #[test]
    fn a_data_file_that_is_a_device_or_a_fifo_is_refused_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        mkfifo(&dir.join("fifo.csv"));
        for (data, says) in [("/dev/zero", "it is a device"), ("fifo.csv", "it is a FIFO"), (".", "it is a directory")]
        {
            write(dir, "x.toml", &format!("data = \"{data}\"\n{PROTOCOL}"));
            let o = within(dir, &["run", "x.toml"]);
            assert!(o.refused() && o.text().contains(data) && o.text().contains(says), "{data}: {}", o.text());
        }
        let o = within(dir, &["run", "fifo.csv"]);
        assert!(o.refused() && o.text().contains("it is a FIFO"), "an experiment file too: {}", o.text());
    }

    #[test]
    fn results_files_that_are_fifos_are_refused_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        std::fs::remove_file(dir.join("s/journal.jsonl")).unwrap();
        mkfifo(&dir.join("s/journal.jsonl"));
        let o = within(dir, &["sweep", "grid.toml", "--out", "s"]);
        assert!(o.refused() && o.text().contains("it is a FIFO"), "{}", o.text());
        let o = within(dir, &["status", "s"]);
        assert!(!o.text().contains("panicked"), "{}", o.text());
        std::fs::remove_file(dir.join("s/journal.jsonl")).unwrap();
        std::fs::remove_file(dir.join("s/manifest.toml")).unwrap();
        mkfifo(&dir.join("s/manifest.toml"));
        let o = within(dir, &["verify", "s"]);
        assert!(o.refused() && o.text().contains("it is a FIFO"), "{}", o.text());
    }

    #[test]
    fn a_font_that_is_a_device_does_not_hang_a_report() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        let null = std::process::Stdio::null;
        let mut child = command(dir, &["report", "s"])
            .env("HARNESS_FONT", "/dev/zero")
            .stdout(null())
            .stderr(null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "report hung on HARNESS_FONT=/dev/zero");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "the font is skipped for the system's");
    }
}

/// 7. Provenance works from anywhere.
mod p7_provenance {
    use super::*;

    #[test]
    fn an_experiment_given_by_bare_file_name_records_its_absolute_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let exp = tmp.path().join("exp");
        std::fs::create_dir_all(exp.join("data")).unwrap();
        std::fs::copy(root().join("data/digits.csv.gz"), exp.join("data/d.csv.gz")).unwrap();
        write(&exp, "s.toml", &grid_sweep().replace("name = \"grid\"", "name = \"grid\"\ndata = \"data/d.csv.gz\""));
        write(&exp, "r.toml", &RACE.replace("seed = 5", "seed = 5\ndata = \"data/d.csv.gz\""));
        harness_ok(&exp, &["sweep", "s.toml", "--out", "s"]);
        harness_ok(&exp, &["race", "r.toml", "--out", "r"]);
        let base = exp.canonicalize().unwrap();
        for out in ["s", "r"] {
            let manifest = text(exp.join(out).join("manifest.toml"));
            assert!(manifest.contains(&format!("base_dir = \"{}\"", base.display())), "{manifest}");
            let o = harness_ok(tmp.path(), &["verify", &format!("exp/{out}"), "--sample", "2"]);
            assert!(o.stdout.contains("2 runs re-run"), "{}", o.text());
            harness_ok(tmp.path(), &["report", &format!("exp/{out}")]);
        }
    }
}

/// 9. A command that did nothing does not succeed.
mod p9_did_nothing {
    use super::*;

    const TINY: &str = "name = \"tiny\"\nseed = 5\n[protocol]\nclasses = [3, 8]\nsampling = \"holdout\"\n\
                        train_presentations = 30\ntest_presentations = 10\n[random]\nlr = { choice = [0.05, 0.1] }\n\
                        [race]\nbudget = 100\nvalidation_replicates = 4\n";

    #[test]
    fn a_space_with_no_more_points_than_survivors_is_refused_up_front() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "tiny.toml", TINY);
        harness_refused(tmp.path(), &["race", "tiny.toml"], &["tiny.toml", "random", "holds 2 configuration(s)"]);
        assert!(!tmp.path().join("results").exists(), "refused before any directory is made");
        // Three points race (min_survival is 2 for one parameter).
        write(tmp.path(), "tiny.toml", &TINY.replace("[0.05, 0.1]", "[0.05, 0.1, 0.2]"));
        harness_ok(tmp.path(), &["race", "tiny.toml"]);
    }

    #[test]
    fn a_race_whose_every_candidate_failed_fails_and_keeps_its_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let body = TINY
            .replace("[protocol]", "[model]\nc_inp = 1.7e308\n[protocol]")
            .replace("lr = { choice = [0.05, 0.1] }", "lr = { uniform = [0.05, 0.1] }");
        write(tmp.path(), "tiny.toml", &body);
        harness_refused(tmp.path(), &["race", "tiny.toml", "--out", "r"], &["every candidate failed", "not finite"]);
        assert!(read_csv(&tmp.path().join("r/runs.csv")).len() >= 2, "the runs that ran are in the tables");
    }
}

/// 4. The gate compares like with like.
mod p4_gate {
    use super::*;

    const CASES: &str = GATE_CASES;

    #[test]
    fn a_case_under_another_configuration_fails() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "gate.toml", CASES);
        harness_ok(tmp.path(), &["check", "gate.toml", "--baseline", "base.csv", "--update-baseline"]);
        // The hostile pass's file: no learning and 2 test presentations, under the same case names.
        let gutted = CASES
            .replace("test_presentations = 10", "test_presentations = 2")
            .replace("[grid]", "[model]\nc_neg = 0.0\n[grid]");
        write(tmp.path(), "gate.toml", &gutted);
        let o = harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv"],
            &["check FAILED: 2 case(s)"],
        );
        assert_eq!(o.stdout.matches("configuration changed").count(), 2, "{}", o.stdout);
    }

    #[test]
    fn a_baseline_with_fewer_cases_than_the_experiment_fails() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "gate.toml", CASES);
        harness_ok(tmp.path(), &["check", "gate.toml", "--baseline", "base.csv", "--update-baseline"]);
        write(tmp.path(), "gate.toml", &CASES.replace("lr = [0.05, 0.1]", "lr = [0.05, 0.1, 0.2]"));
        let o = harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv"],
            &["check FAILED: 1 case(s)"],
        );
        assert!(o.stdout.contains("lr=0.2") && o.stdout.contains("not in the baseline"), "{}", o.stdout);
    }

    #[test]
    fn a_baseline_is_not_written_from_failed_runs() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "gate.toml", CASES);
        harness_ok(tmp.path(), &["check", "gate.toml", "--baseline", "base.csv", "--update-baseline"]);
        let before = text(tmp.path().join("base.csv"));
        write(tmp.path(), "gate.toml", &CASES.replace("[grid]", "[model]\nc_inp = 1.7e308\n[grid]"));
        harness_refused(
            tmp.path(),
            &["check", "gate.toml", "--baseline", "base.csv", "--update-baseline"],
            &["base.csv", "not written", "failed run(s)"],
        );
        assert_eq!(text(tmp.path().join("base.csv")), before, "the earlier baseline is intact");
    }
}

/// 10. `status` tells the truth.
mod p10_status {
    use super::*;

    #[test]
    fn unrelated_directories_are_not_summed_and_shards_are() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "a.toml", &grid_sweep());
        write(dir, "b.toml", &grid_sweep().replace("seed = 3", "seed = 4"));
        harness_ok(dir, &["sweep", "a.toml", "--shard", "1/2", "--out", "a1"]);
        harness_ok(dir, &["sweep", "a.toml", "--shard", "2/2", "--out", "a2"]);
        harness_ok(dir, &["sweep", "b.toml", "--out", "b"]);
        let o = harness_ok(dir, &["status", "a1", "b"]);
        assert!(
            !o.stdout.lines().any(|l| l.trim_start().starts_with("total"))
                && o.stdout.contains("no total: these directories hold 2 different works"),
            "{}",
            o.stdout
        );
        let o = harness_ok(dir, &["status", "a1", "a2"]);
        let total =
            o.stdout.lines().find(|l| l.trim_start().starts_with("total")).unwrap_or_else(|| panic!("{}", o.stdout));
        assert_eq!(total.split_whitespace().collect::<Vec<_>>(), ["total", "18", "0", "0"], "{}", o.stdout);
        assert!(o.stdout.contains(&format!("18 of {GRID_RUNS} runs of the sweep done")), "{}", o.stdout);
    }

    #[test]
    fn a_race_whose_journal_lost_lines_is_not_finished() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "race.toml", RACE);
        harness_ok(dir, &["race", "race.toml", "--out", "r"]);
        let mut lines = journal(&dir.join("r"));
        lines.truncate(lines.len() / 2);
        write_journal(&dir.join("r"), &lines);
        let o = harness_refused(dir, &["status", "r"], &["damaged", "but the journal holds"]);
        assert!(!o.stdout.lines().any(|l| l.trim_end().ends_with("finished")), "{}", o.stdout);
    }
}

/// 11. The small ones.
mod p11_small {
    use super::*;

    #[test]
    fn concurrent_reports_of_one_directory_both_succeed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        for _ in 0..3 {
            let children: Vec<_> = (0..2).map(|_| spawn(dir, &["report", "s"], true)).collect();
            for c in children {
                let out = c.wait_with_output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let left: Vec<String> =
            entries(&dir.join("s")).into_iter().chain(entries(&dir.join("s/report-best-run"))).collect();
        assert!(!left.iter().any(|e| e.contains(".tmp")), "no temporary file is left: {left:?}");
    }

    #[test]
    fn names_refuse_control_characters_bidi_overrides_and_a_leading_dash() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["-rf", "red\\u001b[31m", "txt\\u202Elmth.exe"] {
            write(tmp.path(), "n.toml", &format!("name = \"{name}\"\n{PROTOCOL}"));
            harness_refused(tmp.path(), &["sweep", "n.toml"], &["n.toml", "key `name`", "is not a plain name"]);
        }
        assert!(!tmp.path().join("results").exists());
    }

    #[test]
    fn messages_show_no_rust_debug_text_and_no_endless_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        let o = harness_refused(
            dir,
            &["sweep", "grid.toml", "--shard", "1/2", "--out", "s"],
            &["the whole work (this run is shard 1/2)"],
        );
        assert!(!o.text().contains("Some(") && !o.text().contains("None"), "{}", o.text());
        write(dir, "big.toml", &format!("[model]\ntau_ms = -1e300\n{PROTOCOL}"));
        let o = harness_refused(dir, &["run", "big.toml"], &["key `model.tau_ms`", "(got -1e300)"]);
        assert!(o.text().len() < 400, "{}", o.text());
    }

    #[test]
    fn an_os_error_is_printed_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        let o =
            harness_refused(dir, &["sweep", "grid.toml", "--out", "grid.toml/x"], &["grid.toml/x", "Not a directory"]);
        assert_eq!(o.stderr.matches("Not a directory").count(), 1, "{}", o.stderr);
    }
}
