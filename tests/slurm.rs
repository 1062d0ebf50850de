//! A real SLURM: a single-node cluster on localhost (`tests/slurm/cluster.sh`: Debian's slurm-wlm
//! and munge, private configuration, spool and state) runs a sweep as a job array of shards with
//! `%2` throttling plus the merge job that `harness slurm` wrote; the merged tables must be
//! byte-identical to a single-machine sweep. A second case cancels an array task midway,
//! resubmits it and checks the merge again. Skipped, with the reason, only where the packages
//! cannot be installed. What SLURM did is logged to `<target>/tmp/slurm-test.log`, which `.ci/run`
//! prints.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/slurm/cluster.sh");

struct Log(std::fs::File);

impl Log {
    fn new() -> Log {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slurm-test.log");
        Log(std::fs::File::create(path).expect("log file"))
    }

    fn line(&mut self, s: &str) {
        println!("{s}");
        let _ = writeln!(self.0, "{s}");
    }

    fn output(&mut self, what: &str, o: &Output) {
        self.line(&format!("$ {what}  (exit {:?})", o.status.code()));
        for text in [&o.stdout, &o.stderr] {
            let t = String::from_utf8_lossy(text);
            if !t.trim().is_empty() {
                self.line(t.trim_end());
            }
        }
    }
}

/// The cluster, stopped when dropped (also when a check fails).
struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    fn conf(&self) -> PathBuf {
        self.dir.path().join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(SCRIPT).arg("down").arg(self.dir.path()).output();
    }
}

fn run(log: &mut Log, conf: &Path, cwd: &Path, program: &str, args: &[&str]) -> Output {
    let o = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("SLURM_CONF", conf)
        .env("PATH", format!("{}:/usr/sbin:/sbin", std::env::var("PATH").unwrap_or_default()))
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    log.output(&format!("{program} {}", args.join(" ")), &o);
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Wait until none of `jobs` is in the queue any more.
fn wait_for(log: &mut Log, conf: &Path, cwd: &Path, jobs: &[String], limit: Duration) {
    let start = Instant::now();
    loop {
        let q = run(log, conf, cwd, "squeue", &["-h", "-o", "%i %T %r", "-j", &jobs.join(",")]);
        let left = stdout(&q);
        if left.trim().is_empty() || !q.status.success() {
            return;
        }
        assert!(start.elapsed() < limit, "jobs still queued after {limit:?}:\n{left}");
        std::thread::sleep(Duration::from_millis(1000));
    }
}

fn sweep() -> String {
    common::sweep_file("slurmtest", 11, 6, 60, 30, "", "lr = [0.03, 0.05, 0.08]\nc_neg = [1.0, 2.0]\n")
}

fn bytes(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn sweep_as_a_slurm_job_array_merges_to_the_single_machine_tables() {
    let mut log = Log::new();
    let install = Command::new("bash").arg(SCRIPT).arg("install").output().expect("bash");
    log.output("cluster.sh install", &install);
    if install.status.code() == Some(3) {
        log.line("SKIPPED: no SLURM here (see above): the packages cannot be installed");
        return;
    }
    assert!(install.status.success(), "installing slurm failed");
    let cluster = Cluster { dir: tempfile::Builder::new().prefix("harness-slurm-").tempdir().unwrap() };
    let up = Command::new("bash").arg(SCRIPT).arg("up").arg(cluster.dir.path()).output().expect("bash");
    log.output("cluster.sh up", &up);
    assert!(up.status.success(), "the cluster did not come up");
    let conf = cluster.conf();

    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::write(w.join("sweep.toml"), sweep()).unwrap();
    let harness = env!("CARGO_BIN_EXE_harness");
    let reference = run(&mut log, &conf, w, harness, &["sweep", "sweep.toml", "--out", "whole", "--threads", "1"]);
    assert!(reference.status.success());

    // Case 1: the array (4 shards, at most 2 at once) and the merge job.
    let o = run(
        &mut log,
        &conf,
        w,
        harness,
        &["slurm", "sweep.toml", "--shards", "4", "--parallel", "2", "--harness", harness],
    );
    assert!(o.status.success());
    let o = run(&mut log, &conf, w, "bash", &["slurm/slurmtest/submit.sh"]);
    assert!(o.status.success(), "submission failed");
    let ids: Vec<String> =
        stdout(&o).split_whitespace().filter(|t| t.chars().all(|c| c.is_ascii_digit())).map(str::to_string).collect();
    assert_eq!(ids.len(), 2, "an array job and a merge job: {ids:?}");
    wait_for(&mut log, &conf, w, &ids, Duration::from_secs(240));
    for i in 0..4 {
        let out = w.join(format!("results/slurmtest/slurm-{}_{i}.out", ids[0]));
        log.line(&format!(
            "array task {}_{i}: {}",
            ids[0],
            std::fs::read_to_string(&out).unwrap_or_default().trim_end()
        ));
    }
    let merge_out = w.join(format!("results/slurmtest/slurm-{}-merge.out", ids[1]));
    log.line(&format!("merge job {}: {}", ids[1], std::fs::read_to_string(&merge_out).unwrap_or_default().trim_end()));
    let merged = w.join("results/slurmtest/merged");
    for table in ["runs.parquet", "summary.parquet", "runs.csv", "summary.csv"] {
        assert!(
            bytes(merged.join(table)) == bytes(w.join("whole").join(table)),
            "merged {table} differs from the single-machine sweep"
        );
    }
    log.line("case 1: merged tables are byte-identical to the single-machine sweep");

    // Case 2: cancel one task midway, resubmit it, merge again.
    let w2 = w.join("second");
    std::fs::create_dir(&w2).unwrap();
    // Long enough shards (240 runs, ~3 s each) that a task is certainly cancelled mid-way.
    let long = sweep().replace("replicates = 6", "replicates = 120").replace("= 60", "= 200").replace("= 30", "= 100");
    std::fs::write(w2.join("sweep.toml"), long).unwrap();
    let reference = run(&mut log, &conf, &w2, harness, &["sweep", "sweep.toml", "--out", "whole", "--threads", "2"]);
    assert!(reference.status.success());
    let o = run(
        &mut log,
        &conf,
        &w2,
        harness,
        &["slurm", "sweep.toml", "--shards", "3", "--parallel", "2", "--harness", harness],
    );
    assert!(o.status.success());
    let o = run(&mut log, &conf, &w2, "bash", &["slurm/slurmtest/submit.sh"]);
    let ids: Vec<String> =
        stdout(&o).split_whitespace().filter(|t| t.chars().all(|c| c.is_ascii_digit())).map(str::to_string).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    // Cancel task 1 as soon as it has finished some runs (its journal has lines).
    let journal = w2.join("results/slurmtest/shard-2-of-3/journal.jsonl");
    let start = Instant::now();
    while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "task 1 never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = run(&mut log, &conf, &w2, "scancel", &[&format!("{}_1", ids[0])]);
    assert!(o.status.success());
    let lines_at_cancel = std::fs::read_to_string(&journal).unwrap().lines().count();
    log.line(&format!("cancelled task {}_1 with {lines_at_cancel} of its shard's 240 runs done", ids[0]));
    assert!(lines_at_cancel < 240, "the task finished before it was cancelled");
    // The merge job can no longer run (afterok): cancel it, resubmit the task, merge after it.
    std::thread::sleep(Duration::from_millis(500));
    run(&mut log, &conf, &w2, "scancel", &[&ids[1]]);
    wait_for(&mut log, &conf, &w2, &ids, Duration::from_secs(240));
    let o = run(
        &mut log,
        &conf,
        &w2,
        "sbatch",
        &[
            "--parsable",
            "--array=1",
            "--export=ALL,HARNESS_SHARD_OFFSET=0,HARNESS_SHARDS=3",
            "slurm/slurmtest/array.sbatch",
        ],
    );
    let again = stdout(&o).trim().to_string();
    let o = run(
        &mut log,
        &conf,
        &w2,
        "sbatch",
        &["--parsable", &format!("--dependency=afterok:{again}"), "slurm/slurmtest/merge.sbatch"],
    );
    let merge = stdout(&o).trim().to_string();
    wait_for(&mut log, &conf, &w2, &[again.clone(), merge.clone()], Duration::from_secs(240));
    let status = run(
        &mut log,
        &conf,
        &w2,
        harness,
        &[
            "status",
            "results/slurmtest/shard-1-of-3",
            "results/slurmtest/shard-2-of-3",
            "results/slurmtest/shard-3-of-3",
        ],
    );
    assert!(stdout(&status).contains("done in these directories (0 failed)"));
    let merged = w2.join("results/slurmtest/merged");
    for table in ["runs.parquet", "summary.parquet"] {
        assert!(
            bytes(merged.join(table)) == bytes(w2.join("whole").join(table)),
            "after cancel and resubmit, merged {table} differs"
        );
    }
    let journal_lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    log.line(&format!(
        "case 2: resubmitted task resumed from {lines_at_cancel} to {journal_lines} runs; merged tables byte-identical"
    ));

    race_cases(&mut log, &conf, w);
}

const RACE: &str = include_str!("fixtures/small-race.toml");

/// The tables a race writes that do not depend on timing.
const RACE_TABLES: [&str; 6] =
    ["runs.parquet", "runs.csv", "race.parquet", "race.csv", "summary.parquet", "summary.csv"];

fn race_on_slurm<'a>(harness: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "race",
        "race.toml",
        "--out",
        out,
        "--slurm",
        "--max-tasks",
        "4",
        "--task-seconds",
        "0",
        "--poll",
        "0.2",
        "--harness",
        harness,
    ]
}

/// Cases 3 and 4: `harness race --slurm` against the same race run here; then a race whose driver
/// is killed (kill -9) while an array task it submitted is cancelled, and which is started again.
fn race_cases(log: &mut Log, conf: &Path, w: &Path) {
    let harness = env!("CARGO_BIN_EXE_harness");
    let w3 = w.join("race");
    std::fs::create_dir(&w3).unwrap();
    std::fs::write(w3.join("race.toml"), RACE).unwrap();
    let local = run(log, conf, &w3, harness, &["race", "race.toml", "--out", "local", "--threads", "2"]);
    assert!(local.status.success());
    let o = run(log, conf, &w3, harness, &race_on_slurm(harness, "on-slurm"));
    assert!(o.status.success(), "the race on SLURM failed");
    for t in RACE_TABLES {
        assert!(bytes(w3.join("on-slurm").join(t)) == bytes(w3.join("local").join(t)), "race on SLURM: {t} differs");
    }
    log.line("case 3: the race on SLURM wrote the local race's tables, byte for byte");

    // Case 4: runs of about 0.1 s, so that an array task of the first batch is cancelled midway.
    let w4 = w.join("race-killed");
    std::fs::create_dir(&w4).unwrap();
    std::fs::write(w4.join("race.toml"), RACE.replace("train_presentations = 30", "train_presentations = 3000"))
        .unwrap();
    let local = run(log, conf, &w4, harness, &["race", "race.toml", "--out", "local", "--threads", "2"]);
    assert!(local.status.success());
    let mut driver = Command::new(harness)
        .args(race_on_slurm(harness, "r"))
        .current_dir(&w4)
        .env("SLURM_CONF", conf)
        .env("PATH", format!("{}:/usr/sbin:/sbin", std::env::var("PATH").unwrap_or_default()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the driver starts");
    // Wait for the first batch's task 1 to have journalled two runs, then cancel it and kill the
    // driver at once.
    let start = Instant::now();
    let (batch, job) = loop {
        assert!(start.elapsed() < Duration::from_secs(120), "the first batch never started");
        let found = std::fs::read_dir(w4.join("r/cluster")).ok().and_then(|mut d| d.next()).and_then(|e| e.ok());
        if let Some(b) = found.map(|e| e.path()) {
            let lines = std::fs::read_to_string(b.join("task-1.jsonl")).map_or(0, |t| t.lines().count());
            let job = std::fs::read_to_string(b.join("jobs")).unwrap_or_default();
            if lines >= 2 && !job.is_empty() {
                break (b, job.split_whitespace().next().unwrap().to_string());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = run(log, conf, &w4, "scancel", &[&format!("{job}_1")]);
    assert!(o.status.success());
    driver.kill().expect("kill -9 the driver");
    driver.wait().unwrap();
    let at_cancel = std::fs::read_to_string(batch.join("task-1.jsonl")).unwrap().lines().count();
    log.line(&format!("killed the driver and cancelled task {job}_1 with {at_cancel} of its runs journalled"));
    let o = run(log, conf, &w4, harness, &race_on_slurm(harness, "r"));
    assert!(o.status.success(), "the race started again failed");
    let jobs = std::fs::read_to_string(batch.join("jobs")).unwrap();
    log.line(&format!("the first batch's jobs (job, tasks):\n{}", jobs.trim_end()));
    let lines: Vec<&str> = jobs.lines().collect();
    assert_eq!(lines.len(), 2, "the first submission, then the cancelled task alone: {jobs}");
    assert!(lines[1].ends_with(" 1"), "only task 1 was submitted again: {jobs}");
    for t in RACE_TABLES {
        assert!(bytes(w4.join("r").join(t)) == bytes(w4.join("local").join(t)), "killed and resumed: {t} differs");
    }
    log.line("case 4: killed, cancelled, started again: the local race's tables, byte for byte");
}
