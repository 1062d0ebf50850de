//! `harness race`, run as a user would: deterministic whatever the thread count, resumable after
//! `kill -9` and Ctrl-C to the same tables, verified by replay, reported, and refused with the file,
//! line and key when the file is wrong.

mod common;

use std::thread::sleep;
use std::time::{Duration, Instant};

use common::*;

/// A small race: runs of 30 + 10 presentations (about a millisecond each), 3 parameters.
/// Shared with the Python binding's tests (python/tests/test_race.py).
const RACE: &str = include_str!("fixtures/small-race.toml");

#[test]
fn one_thread_and_two_give_the_same_race_and_verify_replays_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", RACE);
    let o = harness_ok(dir, &["race", "race.toml", "--out", "t1", "--threads", "1"]);
    assert!(o.stdout.contains("final elites, validated on 8 fresh seeds"), "{}", o.stdout);
    harness_ok(dir, &["race", "race.toml", "--out", "t2", "--threads", "2"]);
    assert_same_files(&dir.join("t1"), &dir.join("t2"), &RACE_TABLES);
    let race = read_csv(&dir.join("t1/race.csv"));
    let elites: Vec<_> = race.iter().filter(|r| r["final_elite"] == "true").collect();
    assert!(!elites.is_empty() && elites.len() <= 3, "{} elites (min_survival = floor(2 + log2 3) = 3)", elites.len());
    assert!(race.iter().any(|r| r["eliminated_by"] == "conover"), "the first test drops candidates");
    let runs = read_csv(&dir.join("t1/runs.csv"));
    assert_eq!(runs.iter().filter(|r| r["phase"] == "validation").count(), elites.len() * 8);
    assert!(runs.iter().filter(|r| r["phase"] == "race").count() <= 400);
    let summary = read_csv(&dir.join("t1/summary.csv"));
    assert_eq!(summary.len(), elites.len(), "the summary is of the validated elites");
    assert!(summary.iter().all(|r| r["replicates"] == "8"));

    let o = harness_ok(dir, &["verify", "t1", "--sample", "20"]);
    assert!(o.stdout.contains("20 runs re-run"), "{}", o.stdout);
    // An edited race table (a p-value) is caught by the replay.
    let df = harness::results::tables::read_parquet(&dir.join("t1/race.parquet")).unwrap();
    let mut edited = df.clone();
    let p: Vec<Option<f64>> = df.column("p_value").unwrap().f64().unwrap().iter().map(|x| x.map(|x| x * 0.5)).collect();
    edited.with_column(polars::prelude::Column::new("p_value".into(), p)).unwrap();
    use harness::results::tables::{Format, encode};
    std::fs::write(dir.join("t1/race.parquet"), encode(&edited, Format::Parquet).unwrap()).unwrap();
    std::fs::write(dir.join("t1/race.csv"), encode(&edited, Format::Csv).unwrap()).unwrap();
    harness_refused(dir, &["verify", "t1", "--sample", "1"], &["race.p_value"]);

    // With `behind` (0.2: above the noise of its 10 test presentations), candidates go after their
    // first seed, the same on 1 and 2 threads, and the replay agrees.
    write(dir, "behind.toml", &RACE.replace("behind = 0", "behind = 0.2"));
    let o = harness_ok(dir, &["race", "behind.toml", "--out", "b1", "--threads", "1"]);
    assert!(o.stderr.contains("more than 0.2 of accuracy behind the best is dropped"), "{}", o.stderr);
    assert!(!o.stderr.contains("within the noise"), "{}", o.stderr);
    harness_ok(dir, &["race", "behind.toml", "--out", "b2", "--threads", "2"]);
    assert_same_files(&dir.join("b1"), &dir.join("b2"), &RACE_TABLES);
    let race = read_csv(&dir.join("b1/race.csv"));
    let behind: Vec<_> = race.iter().filter(|r| r["eliminated_by"] == "behind").collect();
    assert!(!behind.is_empty(), "some candidates fall behind");
    assert!(behind.iter().any(|r| r["seeds"] == "1"), "some after one seed");
    let o = harness_ok(dir, &["verify", "b1", "--sample", "20"]);
    assert!(o.stdout.contains("20 runs re-run"), "{}", o.stdout);
    // Its default, 0.1, is within the noise of 10 test presentations: said before the race runs.
    write(dir, "default.toml", &RACE.replace("behind = 0\n", ""));
    let o = harness_ok(dir, &["race", "default.toml", "--out", "d"]);
    assert!(
        o.stderr.contains("race.behind = 0.1 is within the noise of one run: with 10 test presentations"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_killed_or_interrupted_race_resumes_to_the_same_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", &RACE.replace("budget = 400", "budget = 1500"));
    harness_ok(dir, &["race", "race.toml", "--out", "reference"]);
    let args = ["race", "race.toml", "--out", "killed"];
    let mut child = spawn(dir, &args, false);
    let t0 = Instant::now();
    while journal_ids(&dir.join("killed")).len() < 50 {
        assert!(t0.elapsed() < Duration::from_secs(60), "the race makes no progress");
        sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = journal_ids(&dir.join("killed")).len();
    // Ctrl-C: the runs in flight finish, the runs table of what finished is written, exit 130.
    let child = spawn(dir, &args, true);
    while journal_ids(&dir.join("killed")).len() < done + 100 {
        assert!(t0.elapsed() < Duration::from_secs(60), "the resumed race makes no progress");
        sleep(Duration::from_millis(2));
    }
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Sent with well over a thousand runs of the race to go: it is interrupted, not finished.
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the same command again to resume"), "{stderr}");
    assert!(dir.join("killed/runs.csv").is_file());
    let o = harness_ok(dir, &args);
    assert!(o.stderr.contains("from the journal"), "{}", o.stderr);
    assert_same_files(&dir.join("reference"), &dir.join("killed"), &RACE_TABLES);
    assert_eq!(journal_ids(&dir.join("killed")).len(), journal_ids(&dir.join("reference")).len());
}

#[test]
fn a_race_is_reported_and_is_not_a_sweep_to_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", RACE);
    harness_ok(dir, &["race", "race.toml", "--out", "r", "--report"]);
    let html = text(dir.join("r/report.html"));
    for id in [
        "fig-race-alive",
        "race-table",
        "iterations-table",
        "fig-race-concentration-lr",
        "fig-best-distribution",
        "fig-best-run-raster",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "report.html lacks {id}");
    }
    assert!(!html.contains("of accuracy behind the best"), "the fixture races without `behind`");
    write(dir, "behind.toml", &RACE.replace("behind = 0", "behind = 0.2"));
    harness_ok(dir, &["race", "behind.toml", "--out", "b", "--report"]);
    let html = text(dir.join("b/report.html"));
    assert!(html.contains("a candidate more than 0.2 of accuracy behind the best on the same seeds was dropped"));
    harness_refused(dir, &["merge", "r", "--out", "m"], &["a race's results are not shards"]);
    let o = harness_ok(dir, &["status", "r"]);
    assert!(o.stdout.contains("finished"), "{}", o.stdout);
}

/// A race file with `body` in place of the `[race]` section (and what follows), refused with the
/// key at its line.
fn refused(body: &str, needle: &str, key: &str, says: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{}{body}", &RACE[..RACE.find("[race]").expect("a [race] section")]);
    assert_ne!(text, RACE);
    write(tmp.path(), "bad.toml", &text);
    let line = 1 + text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle:?}"));
    harness_refused(tmp.path(), &["race", "bad.toml"], &[&format!("bad.toml:{line}: key `{key}`"), says]);
    assert_eq!(entries(tmp.path()), ["bad.toml"], "a refused race writes nothing");
}

#[test]
fn bad_race_files_are_refused_with_file_line_and_key() {
    refused("[race]\nfirst_test = 5\n", "[race]", "race.budget", "needs `budget = N`");
    refused("[race]\nbudget = 0\n", "budget = 0", "race.budget", "positive");
    refused("[race]\nbudget = 10\n", "budget = 10", "race.budget", "give at least 72");
    refused("[race]\nbudget = 400\nfirst_test = 1\n", "first_test", "race.first_test", "at least 2");
    refused("[race]\nbudget = 400\nconfidence = 1.5\n", "confidence", "race.confidence", "between 0 and 1");
    refused("[race]\nbudget = 400\ntest = \"anova\"\n", "anova", "race.test", "friedman");
    refused(
        "[race]\nbudget = 400\n[random.tau_ms]\nuniform = [-5.0, 10.0]\n",
        "[random.tau_ms]",
        "random.tau_ms",
        "cannot be raced",
    );
    refused(
        "[race]\nbudget = 400\n[random.prediction]\nchoice = [\"trace\", \"votes\"]\n",
        "[random.prediction]",
        "random.prediction",
        "votes",
    );
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "nor.toml", &RACE.replace("[race]\nbudget = 400\nvalidation_replicates = 8\n", ""));
    harness_refused(tmp.path(), &["race", "nor.toml"], &["key `race`", "[race]"]);
    write(tmp.path(), "rep.toml", &format!("replicates = 4\n{RACE}"));
    harness_refused(tmp.path(), &["race", "rep.toml"], &["rep.toml:1: key `replicates`"]);
    write(tmp.path(), "trials.toml", &RACE.replace("[random]\n", "[random]\ntrials = 5\n"));
    harness_refused(tmp.path(), &["race", "trials.toml"], &["key `random.trials`", "no trials"]);
}

/// The README's race example is a race file harness takes, and its table of `[race]` keys lists
/// exactly the keys `[race]` accepts.
#[test]
fn readme_race_example_and_keys_are_the_real_ones() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Racing").nth(1).expect("a Racing section").split("\n## ").next().unwrap();
    let example = section.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("race.toml");
    std::fs::write(&file, example).unwrap();
    let plan = harness::race::load(&file, false, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.space.names().len(), 4);
    assert_eq!(plan.settings.budget, 1000);

    let documented: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_start_matches("| `").split('`').next().unwrap().to_string())
        .collect();
    let all = harness::race::settings::RawRace {
        budget: Some(1),
        first_test: Some(1),
        each_test: Some(1),
        confidence: Some(0.5),
        test: Some(harness::race::settings::TestKind::Friedman),
        iterations: Some(1),
        min_survival: Some(1),
        elitist_limit: Some(1),
        max_candidates: Some(1),
        validation_replicates: Some(1),
        pick: Some(harness::race::settings::Pick::Mean),
        sampler: Some(harness::race::settings::Sampler::Tpe),
        screen: Some(vec![vec![0.5, 0.5]]),
        screen_seeds: Some(2),
        behind: Some(0.1),
    };
    let keys: Vec<String> =
        toml::to_string(&all).unwrap().lines().map(|l| l.split(" =").next().unwrap().to_string()).collect();
    assert_eq!(documented, keys);
}
