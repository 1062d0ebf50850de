//! A race on a cluster, with a scheduler that runs each submitted task in this process (the real
//! SLURM is in tests/slurm.rs): the tables equal the local race's byte for byte; a cancelled task
//! is resubmitted; a driver that dies mid-race resumes from the journal and the batches, and
//! submits only what is missing.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::*;
use harness::cluster::scheduler::{InProcess, Scheduler, SchedulerError};
use harness::race::cluster::{self, Account, Settings};
use harness::race::runner::Options;

const RACE: &str = include_str!("fixtures/small-race.toml");

fn settings(max_tasks: usize) -> Settings {
    Settings { max_tasks, task_seconds: 0.0, cpus_per_task: 1, poll: Duration::from_millis(1), attempts: 3 }
}

fn race_on<S: Scheduler>(dir: &Path, out: &str, scheduler: S, max_tasks: usize) -> (bool, Account, S) {
    let plan = harness::race::load(&dir.join("race.toml"), false, None).unwrap();
    let options = Options { out: Some(dir.join(out)), threads: 1, policy: Default::default() };
    let stop = AtomicBool::new(false);
    let (ended, account, s) = cluster::run(
        &plan,
        &dir.join("race.toml"),
        &options,
        (settings(max_tasks), scheduler),
        &stop,
        &harness::progress::Silent,
    );
    (ended.is_ok(), account, s)
}

#[test]
fn a_race_on_the_cluster_has_the_local_race_s_tables_and_a_cancelled_task_is_resubmitted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", RACE);
    harness_ok(dir, &["race", "race.toml", "--out", "local", "--threads", "2"]);

    let (ok, account, s) = race_on(dir, "cluster", InProcess::default(), 4);
    assert!(ok);
    assert_same_files(&dir.join("local"), &dir.join("cluster"), &RACE_TABLES);
    let runs = read_csv(&dir.join("cluster/runs.csv")).len();
    // The first test's seeds of every first candidate went out as one batch of several tasks.
    assert!(s.submissions[0].len() == 4, "{:?}", &s.submissions[..3]);
    assert!(account.batches < runs / 3, "{} batches for {runs} runs", account.batches);
    assert_eq!(account.resubmitted, 0);
    assert!(account.runs >= runs, "{account:?}");

    // Task 1 of the second batch is cancelled after 2 runs: it is resubmitted, alone.
    let cut = InProcess { cut: Some((1, 2)), ..Default::default() };
    let (ok, account, s) = race_on(dir, "cut", cut, 4);
    assert!(ok);
    assert_same_files(&dir.join("local"), &dir.join("cut"), &RACE_TABLES);
    assert_eq!(account.resubmitted, 1, "{:?}", &s.submissions[..3]);
    assert_eq!(s.submissions[1], vec![1], "the cancelled task alone");

    // With `behind` the announcements change (a race's first seed goes out alone), the decisions
    // do not: the cluster's tables are the local race's.
    write(dir, "race.toml", &RACE.replace("behind = 0", "behind = 0.2"));
    harness_ok(dir, &["race", "race.toml", "--out", "local-behind", "--threads", "2"]);
    let (ok, _, _) = race_on(dir, "cluster-behind", InProcess::default(), 4);
    assert!(ok);
    assert_same_files(&dir.join("local-behind"), &dir.join("cluster-behind"), &RACE_TABLES);
    let race = read_csv(&dir.join("cluster-behind/race.csv"));
    assert!(race.iter().any(|r| r["eliminated_by"] == "behind"));
}

/// Runs `InProcess` until `live` submissions, then fails like a driver that dies.
struct Dies {
    inner: InProcess,
    live: usize,
}

impl Scheduler for Dies {
    fn submit(&mut self, dir: &Path, tasks: &[usize]) -> Result<String, SchedulerError> {
        if self.inner.submissions.len() == self.live {
            // The driver dies after submitting: the task runs, nobody waits for it.
            self.inner.submit(dir, tasks)?;
            return Err(SchedulerError::Command { command: "sbatch".into(), message: "the driver died".into() });
        }
        self.inner.submit(dir, tasks)
    }

    fn queued(&mut self, job: &str) -> Result<Vec<usize>, SchedulerError> {
        self.inner.queued(job)
    }
}

#[test]
fn a_driver_that_dies_resumes_from_the_journal_and_the_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", RACE);
    harness_ok(dir, &["race", "race.toml", "--out", "local", "--threads", "2"]);
    let (_, whole, _) = race_on(dir, "whole", InProcess::default(), 4);

    let (ok, _, s) = race_on(dir, "r", Dies { inner: InProcess::default(), live: 5 }, 4);
    assert!(!ok, "the first driver died");
    let journalled = read_csv(&dir.join("r/runs.csv")).len();
    let first = s.inner.submissions.iter().map(Vec::len).sum::<usize>();
    let (ok, again, s2) = race_on(dir, "r", InProcess::default(), 4);
    assert!(ok);
    assert_same_files(&dir.join("local"), &dir.join("r"), &RACE_TABLES);
    // The task submitted as the driver died had finished: nothing is submitted twice.
    assert_eq!(first + s2.submissions.iter().map(Vec::len).sum::<usize>(), whole.tasks, "journalled {journalled}");
    assert!(again.tasks < whole.tasks);
}

/// A scheduler whose tasks never run (a broken node, a binary the nodes cannot start).
struct Never(usize);

impl Scheduler for Never {
    fn submit(&mut self, _: &Path, _: &[usize]) -> Result<String, SchedulerError> {
        self.0 += 1;
        Ok(self.0.to_string())
    }

    fn queued(&mut self, _: &str) -> Result<Vec<usize>, SchedulerError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_task_that_never_finishes_stops_the_race_naming_its_log_and_a_task_of_nothing_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "race.toml", RACE);
    let plan = harness::race::load(&dir.join("race.toml"), false, None).unwrap();
    let options = Options { out: Some(dir.join("r")), threads: 1, policy: Default::default() };
    let stop = AtomicBool::new(false);
    let (ended, _, s) = cluster::run(
        &plan,
        &dir.join("race.toml"),
        &options,
        (settings(4), Never(0)),
        &stop,
        &harness::progress::Silent,
    );
    let e = ended.unwrap_err().to_string();
    assert!(e.contains("submitted 3 times and never finished") && e.contains("slurm-3_0.out"), "{e}");
    assert_eq!(s.0, 3, "three submissions, then the race stops");
    // The worker refuses a task the batch does not have, and a directory without a batch.
    let batch = std::fs::read_dir(dir.join("r/cluster")).unwrap().next().unwrap().unwrap().path();
    harness_refused(dir, &["race-task", batch.to_str().unwrap(), "--task", "9"], &["task 9 does not exist"]);
    harness_refused(dir, &["race-task", dir.to_str().unwrap(), "--task", "0"], &["batch.json"]);
    harness_refused(dir, &["race-task", batch.to_str().unwrap()], &["SLURM_ARRAY_TASK_ID is not set"]);
}
