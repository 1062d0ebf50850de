//! The acceptance test of resuming: sweeps killed (SIGKILL) or interrupted (SIGINT) part-way,
//! then run again with the same command, end with the same tables, byte for byte, as a sweep
//! that was never interrupted, and with exactly one journal line per run.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{DETERMINISTIC, assert_same_tables, bytes, harness_ok, interrupt, journal_ids, spawn, sweep_file};

/// 5 x 4 = 20 configurations x 15 replicates = 300 runs of 60 + 30 presentations: about 1.2 s on
/// 2 threads (~4 ms a run), long enough for kills at 80-350 ms to land mid-sweep.
fn long() -> String {
    sweep_file("resume", 11, 15, 60, 30, "", "c_inp = [0.1, 0.2, 0.3, 0.4, 0.5]\nlr = [0.025, 0.05, 0.1, 0.2]\n")
}
const LONG_RUNS: usize = 300;

/// 6 configurations x 3 replicates = 18 short runs.
fn short() -> String {
    sweep_file("short", 3, 3, 20, 10, "", "c_inp = [0.1, 0.2, 0.4]\nlr = [0.05, 0.1]\n")
}
const SHORT_RUNS: usize = 18;

/// Run to the end; return stderr.
fn run_ok(dir: &Path, args: &[&str]) -> String {
    harness_ok(dir, args).stderr
}

fn csv_rows(path: &Path) -> usize {
    String::from_utf8(bytes(path)).unwrap().lines().count() - 1
}

#[test]
fn killed_sweeps_resume_to_identical_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("long.toml"), long()).unwrap();
    let args = |out: &'static str| ["sweep", "long.toml", "--threads", "2", "--out", out];

    let start = Instant::now();
    run_ok(dir, &args("reference"));
    let took = start.elapsed();
    eprintln!("reference sweep of {LONG_RUNS} runs: {:.2} s", took.as_secs_f64());
    let reference_ids: HashSet<String> = journal_ids(&dir.join("reference")).into_iter().collect();
    assert_eq!(reference_ids.len(), LONG_RUNS);

    let out = dir.join("killed");
    let mut interrupted = 0;
    let mut kill_at = |delay_ms: u64| {
        let mut child = spawn(dir, &args("killed"), false);
        sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        let status = child.wait().unwrap();
        let done = journal_ids(&out).len();
        eprintln!("SIGKILL after {delay_ms} ms ({status}): {done} of {LONG_RUNS} runs in the journal");
        if done < LONG_RUNS {
            interrupted += 1;
        }
    };
    kill_at(80);

    // SIGINT once the journal has grown (so the handler is surely installed): the runs in flight
    // finish, the tables of what is done are written, the exit code is 130.
    let before = journal_ids(&out).len();
    let child = spawn(dir, &args("killed"), true);
    let t0 = Instant::now();
    while journal_ids(&out).len() < before + 3 {
        assert!(t0.elapsed() < Duration::from_secs(20), "the resumed sweep makes no progress");
        sleep(Duration::from_millis(2));
    }
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "SIGINT: exit code 130\n{stderr}");
    assert!(stderr.contains("run the same command again to resume"), "{stderr}");
    let done = journal_ids(&out).len();
    eprintln!("SIGINT: {done} of {LONG_RUNS} runs in the journal");
    assert!(done < LONG_RUNS, "SIGINT came after the sweep had finished");
    assert_eq!(csv_rows(&out.join("runs.csv")), done, "runs.csv holds the runs finished so far");

    kill_at(200);
    kill_at(350);
    assert!(interrupted >= 1, "no SIGKILL landed mid-sweep (reference took {took:?}): make the sweep longer");

    let stderr = run_ok(dir, &args("killed"));
    assert!(stderr.contains("already done"), "{stderr}");
    let ids = journal_ids(&out);
    assert_eq!(ids.len(), LONG_RUNS, "one journal line per run");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), reference_ids);
    assert_same_tables(&dir.join("reference"), &out);
    let manifest = String::from_utf8(bytes(out.join("manifest.toml"))).unwrap();
    assert!(manifest.contains(&format!("runs_done = {LONG_RUNS}")) && manifest.contains("finished = "), "{manifest}");
}

#[test]
fn torn_journal_line_is_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("short.toml"), short()).unwrap();
    let args = ["sweep", "short.toml", "--threads", "2", "--out", "out"];
    run_ok(dir, &args);
    let out = dir.join("out");
    std::fs::create_dir(dir.join("reference")).unwrap();
    for f in DETERMINISTIC {
        std::fs::copy(out.join(f), dir.join("reference").join(f)).unwrap();
    }
    let ids: HashSet<String> = journal_ids(&out).into_iter().collect();
    assert_eq!(ids.len(), SHORT_RUNS);

    // A crash in the middle of writing the last line: drop it, and write back half of it.
    let text = String::from_utf8(bytes(out.join("journal.jsonl"))).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.pop().unwrap();
    let torn = format!("{}\n{}", lines.join("\n"), &last[..last.len() / 2]);
    std::fs::write(out.join("journal.jsonl"), torn).unwrap();

    let stderr = run_ok(dir, &args);
    assert!(stderr.contains("torn"), "a note about the torn line:\n{stderr}");
    assert!(stderr.contains(&format!("{} already done, 1 to run", SHORT_RUNS - 1)), "{stderr}");
    let after = journal_ids(&out);
    assert_eq!(after.len(), SHORT_RUNS, "one journal line per run");
    assert_eq!(after.into_iter().collect::<HashSet<_>>(), ids);
    assert!(bytes(out.join("journal.jsonl")).ends_with(b"\n"));
    assert_same_tables(&dir.join("reference"), &out);
}
