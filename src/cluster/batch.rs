//! A batch of runs handed to a cluster as one job array (`harness race --slurm`), and one array
//! task's share of it (`harness race-task`).
//!
//! The driver writes `<batch>/batch.json`: the configurations (each its experiment as TOML, as the
//! race resolved it, and its id), the runs (configuration, seed, replicate, run id, race tag) and
//! how many runs each task takes. Task `t` runs `runs[t * per_task ..][.. per_task]` and journals
//! each result, synced, in `<batch>/task-<t>.jsonl`, where a result's `index` is its position in
//! the batch; a task started again (requeued, resubmitted) skips what its journal holds. At its end
//! a task writes `task-<t>.done` with its wall time, for the driver's account of core time. A run
//! is a pure function of its configuration and seed, so a result is the same wherever it ran.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::DataCache;
use crate::results::journal::{self, Journal, JournalError, RaceTag, RunResult};
use crate::work::driver::{self, Sink};
use crate::work::{Config, RunSpec};

/// A configuration as a task rebuilds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchConfig {
    /// Its configuration id (checked against the rebuilt experiment's).
    pub id: u64,
    /// Its experiment, as TOML.
    pub experiment: String,
}

/// One run of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRun {
    pub config: usize,
    pub replicate: u64,
    pub seed: u64,
    pub run_id: String,
    pub race: Option<RaceTag>,
}

/// What `batch.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The experiment's name (for its resolution).
    pub name: String,
    /// The directory relative data paths start from.
    pub base_dir: PathBuf,
    pub configs: Vec<BatchConfig>,
    pub runs: Vec<BatchRun>,
    /// Runs per array task.
    pub per_task: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}: not a batch of harness race --slurm ({message})")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: configuration {index} ({id:016x}) {message}")]
    Config { path: PathBuf, index: usize, id: u64, message: String },
    #[error("{path}: task {task} does not exist: the batch has {tasks} task(s) (0 to {last})", last = tasks.saturating_sub(1))]
    NoSuchTask { path: PathBuf, task: usize, tasks: usize },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{threads} threads: {message}")]
    Threads { threads: usize, message: String },
}

/// The file names inside a batch directory.
pub fn batch_file(dir: &Path) -> PathBuf {
    dir.join("batch.json")
}

pub fn task_journal(dir: &Path, task: usize) -> PathBuf {
    dir.join(format!("task-{task}.jsonl"))
}

pub fn task_done(dir: &Path, task: usize) -> PathBuf {
    dir.join(format!("task-{task}.done"))
}

impl Batch {
    /// The batch of `specs` (of `configs`), `per_task` runs per task. Results come back with their
    /// position in `specs` as their index.
    pub fn of(name: &str, base_dir: &Path, configs: &[Config], specs: &[RunSpec], per_task: usize) -> Batch {
        let mut used: Vec<usize> = Vec::new();
        let runs = specs
            .iter()
            .map(|s| {
                let config = used.iter().position(|&c| c == s.config).unwrap_or_else(|| {
                    used.push(s.config);
                    used.len() - 1
                });
                BatchRun { config, replicate: s.replicate, seed: s.seed, run_id: s.run_id.clone(), race: s.race }
            })
            .collect();
        let configs = used
            .iter()
            .map(|&c| BatchConfig {
                id: configs[c].id,
                experiment: toml::to_string(&configs[c].exp.raw).expect("experiments serialise"),
            })
            .collect();
        Batch { name: name.into(), base_dir: base_dir.into(), configs, runs, per_task: per_task.max(1) }
    }

    pub fn tasks(&self) -> usize {
        self.runs.len().div_ceil(self.per_task)
    }

    /// The positions task `t` runs.
    pub fn range(&self, t: usize) -> std::ops::Range<usize> {
        let start = (t * self.per_task).min(self.runs.len());
        start..(start + self.per_task).min(self.runs.len())
    }

    /// The batch's name for its directory: a hash of the runs it holds (not of how they are cut
    /// into tasks), so a driver started again on the same race finds the batch (and whatever its
    /// tasks finished) of the driver before.
    pub fn key(&self) -> String {
        let text: String = self.runs.iter().map(|r| format!("{}:{}\n", r.run_id, r.seed)).collect();
        format!("{:016x}", crate::rng::fnv1a(text.as_bytes()))
    }

    pub fn write(&self, dir: &Path) -> Result<(), BatchError> {
        let path = batch_file(dir);
        let io = |e: crate::fsio::PathError| BatchError::Io { path: path.clone(), message: e.to_string() };
        crate::fsio::create_dir_all(dir).map_err(io)?;
        let bytes = serde_json::to_vec(self).expect("batches serialise");
        crate::fsio::write_atomic(&path, &bytes).map_err(io)
    }

    pub fn read(dir: &Path) -> Result<Batch, BatchError> {
        let path = batch_file(dir);
        let bytes = crate::fsio::read_own(&path, crate::fsio::Limit::LARGE)
            .map_err(|e| BatchError::Io { path: path.clone(), message: e.to_string() })?;
        let b: Batch = serde_json::from_slice(&bytes)
            .map_err(|e| BatchError::Corrupt { path: path.clone(), message: e.to_string() })?;
        if b.per_task == 0 || b.runs.iter().any(|r| r.config >= b.configs.len()) {
            let message = "a run names no configuration, or no run per task".into();
            return Err(BatchError::Corrupt { path, message });
        }
        Ok(b)
    }

    /// The results the tasks have journalled so far, by position.
    pub fn results(&self, dir: &Path) -> Result<Vec<Option<RunResult>>, BatchError> {
        let mut out = vec![None; self.runs.len()];
        for t in 0..self.tasks() {
            for r in journal::read(&task_journal(dir, t))?.results {
                if self.range(t).contains(&r.index) && r.run_id == self.runs[r.index].run_id {
                    let i = r.index;
                    out[i] = Some(r);
                }
            }
        }
        Ok(out)
    }
}

/// Journal each result into the task's file as it finishes.
struct TaskSink<'a> {
    journal: Mutex<Journal>,
    stop: &'a AtomicBool,
}

impl Sink for TaskSink<'_> {
    type Error = JournalError;

    fn record(&self, r: &RunResult) -> Result<(), JournalError> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner()).append(r)
    }

    fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What one task did.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDone {
    /// Runs of the task, and those run now (the rest were in its journal).
    pub runs: usize,
    pub ran: usize,
    /// Every run of the task is in its journal (false: stopped).
    pub complete: bool,
    pub wall_s: f64,
}

/// Run task `task` of the batch in `dir` on `threads` threads (skipping what its journal holds).
pub fn run_task(dir: &Path, task: usize, threads: usize, stop: &AtomicBool) -> Result<TaskDone, BatchError> {
    let start = Instant::now();
    let batch = Batch::read(dir)?;
    let path = batch_file(dir);
    if task >= batch.tasks() {
        return Err(BatchError::NoSuchTask { path, task, tasks: batch.tasks() });
    }
    let (journal, contents) = Journal::open(&task_journal(dir, task))?;
    let have: std::collections::HashSet<usize> = contents.results.iter().map(|r| r.index).collect();
    let range = batch.range(task);
    let todo: Vec<usize> = range.clone().filter(|i| !have.contains(i)).collect();
    // Only the configurations this task needs, each resolved once.
    let mut cache = DataCache::default();
    let mut configs: Vec<Config> = Vec::new();
    let mut slot: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut specs = Vec::with_capacity(todo.len());
    for &i in &todo {
        let run = &batch.runs[i];
        let c = match slot.get(&run.config) {
            Some(&c) => c,
            None => {
                let bc = &batch.configs[run.config];
                let bad =
                    |message: String| BatchError::Config { path: path.clone(), index: run.config, id: bc.id, message };
                let raw = crate::config::parse_text("batch.json", &bc.experiment).map_err(|e| bad(e.to_string()))?;
                let exp = crate::config::resolve(&raw, &batch.name, &batch.base_dir, &mut cache).map_err(|ps| {
                    bad(ps.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("; "))
                })?;
                let id = crate::work::identity::config_id(&raw);
                if id != bc.id {
                    return Err(bad(format!("rebuilds as configuration {id:016x}")));
                }
                configs.push(Config { index: configs.len(), id, swept: Vec::new(), exp });
                slot.insert(run.config, configs.len() - 1);
                configs.len() - 1
            }
        };
        specs.push(RunSpec {
            index: i,
            config: c,
            replicate: run.replicate,
            seed: run.seed,
            run_id: run.run_id.clone(),
            race: run.race,
        });
    }
    let sink = TaskSink { journal: Mutex::new(journal), stop };
    let ran = driver::execute(&configs, &specs, threads, &sink).map_err(|e| match e {
        driver::DriverError::Pool { threads, message } => BatchError::Threads { threads, message },
        driver::DriverError::Sink(e) => BatchError::Journal(e),
    })?;
    let complete = ran.len() == todo.len();
    let done = TaskDone { runs: range.len(), ran: ran.len(), complete, wall_s: start.elapsed().as_secs_f64() };
    if complete {
        let line = format!("{{\"wall_s\":{},\"threads\":{threads}}}\n", done.wall_s);
        crate::fsio::write_atomic(&task_done(dir, task), line.as_bytes())
            .map_err(|e| BatchError::Io { path: task_done(dir, task), message: e.to_string() })?;
    }
    Ok(done)
}

/// A finished task's wall time and threads, from its `.done` file.
pub fn task_time(dir: &Path, task: usize) -> Option<(f64, usize)> {
    #[derive(Deserialize)]
    struct Done {
        wall_s: f64,
        threads: usize,
    }
    let bytes = crate::fsio::read_own(&task_done(dir, task), crate::fsio::Limit::HOLDER).ok()?;
    let d: Done = serde_json::from_slice(&bytes).ok()?;
    Some((d.wall_s, d.threads))
}
