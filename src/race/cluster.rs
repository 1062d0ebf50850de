//! A race whose runs run on a cluster ([`Cluster`], a [`RunSource`]): each time the race needs
//! runs that are neither in the journal nor already computed, they go out as one batch, together
//! with the runs the race announced it will ask for up to its next test ([`RunSource::ahead`]):
//! the first test's seeds for every new candidate go out at once, then each further seed for the
//! survivors, and the validation of every final elite at once. The batch becomes one job array
//! (`<out>/cluster/<key>/`, see [`crate::cluster::batch`]), the driver waits for its tasks,
//! resubmits those that left the queue unfinished (failed, cancelled, a node lost), and then
//! answers the race from the tasks' journals, journalling each run at the position the race asked
//! for it. The race's decisions depend only on the results, and a result only on its run, so the
//! tables are those of the same race run on one machine.
//!
//! A driver killed and started again replays the race from the journal; the first batch it needs
//! has the same key as before, so it takes what the tasks finished, waits for the tasks the jobs
//! it recorded still have in the queue, and submits only the rest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::RaceError;
use super::source::{RunSource, beyond, check};
use crate::cluster::batch::{self, Batch};
use crate::cluster::scheduler::{Scheduler, task_log};
use crate::progress::Progress;
use crate::results::ResultsDir;
use crate::results::journal::RunResult;
use crate::work::{Config, RunSpec};

/// How batches are cut into tasks and followed.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// At most this many array tasks per batch.
    pub max_tasks: usize,
    /// The least work a task is given (s of runs per CPU, once a run's time is known): below it,
    /// scheduling a task costs more than it saves.
    pub task_seconds: f64,
    /// CPUs per task (its threads).
    pub cpus_per_task: usize,
    /// How often the queue and the tasks' journals are looked at.
    pub poll: Duration,
    /// How often one task may be submitted before the race gives up on it.
    pub attempts: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { max_tasks: 32, task_seconds: 30.0, cpus_per_task: 1, poll: Duration::from_secs(2), attempts: 3 }
    }
}

/// What the cluster did, for the account at the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub batches: usize,
    /// Array tasks submitted, and of those resubmissions.
    pub tasks: usize,
    pub resubmitted: usize,
    /// Runs computed on the cluster (the announced ones included).
    pub runs: usize,
    /// Seconds of the runs themselves, and of the finished tasks times their CPUs.
    pub run_s: f64,
    pub task_core_s: f64,
    /// Wall time from each batch's submission to its last result.
    pub wall_s: f64,
}

impl Account {
    /// The account in a line.
    pub fn describe(&self) -> String {
        let share = if self.task_core_s > 0.0 { 100.0 * self.run_s / self.task_core_s } else { 0.0 };
        format!(
            "{} batches, {} array tasks ({} resubmitted), {} runs on the cluster; runs took {:.1} of the {:.1} core-seconds \
             the finished tasks held ({share:.0}%); {:.1} s from submissions to results",
            self.batches, self.tasks, self.resubmitted, self.runs, self.run_s, self.task_core_s, self.wall_s
        )
    }
}

/// A race's runs from a cluster.
pub struct Cluster<'a, S: Scheduler> {
    dir: &'a ResultsDir,
    scheduler: S,
    settings: Settings,
    stop: &'a AtomicBool,
    progress: &'a dyn Progress,
    /// The experiment's name and where its relative paths start (for the tasks).
    name: String,
    base_dir: PathBuf,
    /// Runs announced and not yet run.
    ahead: Vec<RunSpec>,
    /// Results computed and not yet asked for, by run id.
    computed: HashMap<String, RunResult>,
    /// The mean time of a run so far, s.
    run_s: Option<f64>,
    pub account: Account,
    /// Runs journalled now (not found in the journal).
    pub ran: usize,
    pub asked: usize,
}

impl<'a, S: Scheduler> Cluster<'a, S> {
    pub fn new(
        dir: &'a ResultsDir,
        scheduler: S,
        settings: Settings,
        (name, base_dir): (&str, &Path),
        stop: &'a AtomicBool,
        progress: &'a dyn Progress,
    ) -> Cluster<'a, S> {
        Cluster {
            dir,
            scheduler,
            settings,
            stop,
            progress,
            name: name.into(),
            base_dir: base_dir.into(),
            ahead: Vec::new(),
            computed: finished(dir.path()),
            run_s: None,
            account: Account::default(),
            ran: 0,
            asked: 0,
        }
    }

    /// Runs per task for a batch of `n`: spread over `max_tasks`, but no task with less than
    /// `task_seconds` of work per CPU once a run's time is known; a multiple of the CPUs.
    fn per_task(&self, n: usize) -> usize {
        let s = &self.settings;
        let spread = n.div_ceil(s.max_tasks.max(1));
        let least = self.run_s.map_or(1, |r| (s.task_seconds * s.cpus_per_task as f64 / r.max(1e-6)).ceil() as usize);
        let per = spread.max(least.min(n)).max(1);
        per.div_ceil(s.cpus_per_task) * s.cpus_per_task
    }

    /// Run `specs` on the cluster; their results, in order.
    fn run_batch(&mut self, configs: &[Config], specs: &[RunSpec]) -> Result<Vec<RunResult>, RaceError> {
        let fresh = Batch::of(&self.name, &self.base_dir, configs, specs, self.per_task(specs.len()));
        let dir = self.dir.path().join("cluster").join(fresh.key());
        let fail = |e: batch::BatchError| RaceError::Cluster(e.to_string());
        // The same runs written before (by a driver that was stopped) keep their cut into tasks:
        // the tasks' journals follow it, whatever run time this driver has measured since.
        let b = match Batch::read(&dir) {
            Ok(old) if (&old.runs, &old.configs) == (&fresh.runs, &fresh.configs) => old,
            _ => {
                fresh.write(&dir).map_err(fail)?;
                fresh
            }
        };
        let jobs_file = dir.join("jobs");
        let mut jobs: Vec<(String, Vec<usize>)> = std::fs::read_to_string(&jobs_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (id, tasks) = l.split_once(' ')?;
                Some((id.to_string(), tasks.split(',').filter_map(|t| t.parse().ok()).collect()))
            })
            .collect();
        self.account.batches += 1;
        let start = Instant::now();
        let tasks = b.tasks();
        let mut failures_in_a_row = 0;
        loop {
            let results = b.results(&dir).map_err(fail)?;
            let unfinished: Vec<usize> = (0..tasks).filter(|&t| b.range(t).any(|i| results[i].is_none())).collect();
            self.progress.status(&format!(
                "cluster batch {}: {} of {} runs done, {} of {tasks} tasks unfinished",
                b.key(),
                results.iter().filter(|r| r.is_some()).count(),
                b.runs.len(),
                unfinished.len()
            ));
            if unfinished.is_empty() {
                self.account.wall_s += start.elapsed().as_secs_f64();
                return self.finish(&b, &dir, results);
            }
            if self.stop.load(Ordering::SeqCst) {
                return Err(RaceError::Interrupted { done: self.dir.done_count() });
            }
            // Which unfinished tasks are still in the queue (a failed squeue: ask again later).
            let mut queued = Vec::new();
            let mut asked = true;
            for (job, _) in &jobs {
                match self.scheduler.queued(job) {
                    Ok(q) => queued.extend(q.into_iter().map(|t| (job.clone(), t))),
                    Err(e) => {
                        asked = false;
                        failures_in_a_row += 1;
                        if failures_in_a_row >= 30 {
                            return Err(RaceError::Cluster(format!("the scheduler cannot be asked: {e}")));
                        }
                        self.progress.say(&format!("note: {e}; asking again"));
                        break;
                    }
                }
            }
            if asked {
                failures_in_a_row = 0;
                // A task is queued when the last job that holds it still lists it.
                let last_job = |t: usize| jobs.iter().rev().find(|(_, ts)| ts.contains(&t)).map(|(j, _)| j.clone());
                let lost: Vec<usize> = unfinished
                    .iter()
                    .copied()
                    .filter(|&t| last_job(t).is_none_or(|j| !queued.contains(&(j, t))))
                    .collect();
                // A task that left the queue may have finished its last run after the look above.
                let results = b.results(&dir).map_err(fail)?;
                let lost: Vec<usize> = lost.into_iter().filter(|&t| b.range(t).any(|i| results[i].is_none())).collect();
                if !lost.is_empty() {
                    for &t in &lost {
                        let tries = jobs.iter().filter(|(_, ts)| ts.contains(&t)).count();
                        if tries >= self.settings.attempts {
                            let (job, _) = jobs.iter().rev().find(|(_, ts)| ts.contains(&t)).expect("tried");
                            return Err(RaceError::Cluster(format!(
                                "task {t} of batch {} was submitted {tries} times and never finished; its log: {}",
                                dir.display(),
                                task_log(&dir, job, t).display()
                            )));
                        }
                    }
                    let again = lost.iter().filter(|&&t| jobs.iter().any(|(_, ts)| ts.contains(&t))).count();
                    let job = self.scheduler.submit(&dir, &lost).map_err(|e| RaceError::Cluster(e.to_string()))?;
                    if again > 0 {
                        self.progress.say(&format!(
                            "note: {again} task(s) of batch {} left the queue unfinished: resubmitted as job {job}",
                            b.key()
                        ));
                    }
                    self.account.tasks += lost.len();
                    self.account.resubmitted += again;
                    let line = format!("{job} {}\n", crate::cluster::scheduler::array_spec(&lost));
                    append(&jobs_file, &line).map_err(RaceError::Cluster)?;
                    jobs.push((job, lost));
                    continue;
                }
            }
            std::thread::sleep(self.settings.poll);
        }
    }

    /// The batch's results, and what it cost, into the account.
    fn finish(&mut self, b: &Batch, dir: &Path, results: Vec<Option<RunResult>>) -> Result<Vec<RunResult>, RaceError> {
        let results: Vec<RunResult> = results.into_iter().map(|r| r.expect("every run finished")).collect();
        let run_s: f64 = results.iter().map(|r| r.wall_s).sum();
        self.account.runs += results.len();
        self.account.run_s += run_s;
        self.account.task_core_s +=
            (0..b.tasks()).filter_map(|t| batch::task_time(dir, t)).map(|(w, c)| w * c as f64).sum::<f64>();
        let n = self.account.runs as f64;
        self.run_s = Some(self.account.run_s / n.max(1.0));
        Ok(results)
    }
}

/// Every run the batches under `<out>/cluster` finished (an earlier driver's, killed or
/// interrupted), by run id: a race started again takes them as it reaches them.
fn finished(out: &Path) -> HashMap<String, RunResult> {
    let mut found = HashMap::new();
    let Ok(entries) = std::fs::read_dir(out.join("cluster")) else { return found };
    for dir in entries.flatten().map(|e| e.path()) {
        if let Ok(results) = Batch::read(&dir).and_then(|b| b.results(&dir)) {
            found.extend(results.into_iter().flatten().map(|r| (r.run_id.clone(), r)));
        }
    }
    found
}

fn append(path: &Path, line: &str) -> Result<(), String> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(line.as_bytes()).and_then(|()| f.sync_data()).map_err(|e| format!("{}: {e}", path.display()))
}

impl<S: Scheduler> RunSource for Cluster<'_, S> {
    fn get(&mut self, configs: &[Config], specs: Vec<RunSpec>) -> Result<Vec<RunResult>, RaceError> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(RaceError::Interrupted { done: self.dir.done_count() });
        }
        self.asked = self.asked.max(specs.last().map_or(0, |s| s.index + 1));
        // An announcement is for the request right after it, and only for it.
        let ahead = std::mem::take(&mut self.ahead);
        let in_journal = |s: &RunSpec| self.dir.get(s.index);
        let wanted: Vec<RunSpec> = specs.iter().filter(|s| in_journal(s).is_none()).cloned().collect();
        if wanted.iter().any(|s| !self.computed.contains_key(&s.run_id)) {
            if !specs.iter().any(|s| s.race.is_some_and(|t| t.validation)) {
                beyond(self.dir, self.asked)?;
            }
            // The runs asked for and not journalled, then the announced ones beyond this request
            // (never asked yet, so never journalled). What was computed before plays no part: a
            // driver started again forms the same batch (and finds it) whatever it computed since.
            let here: std::collections::HashSet<&str> = specs.iter().map(|s| s.run_id.as_str()).collect();
            let mut batch = wanted;
            batch.extend(ahead.into_iter().filter(|s| !here.contains(s.run_id.as_str())));
            for r in self.run_batch(configs, &batch)? {
                self.computed.insert(r.run_id.clone(), r);
            }
        }
        let mut out = Vec::with_capacity(specs.len());
        for s in &specs {
            let r = match in_journal(s) {
                Some(r) => r,
                None => {
                    let mut r = self.computed.remove(&s.run_id).expect("every missing run was computed");
                    r.index = s.index;
                    r.race = s.race;
                    self.dir.record(&r).map_err(crate::results::ResultsError::from)?;
                    self.progress.advance();
                    self.ran += 1;
                    r
                }
            };
            check(configs, s, &r).map_err(|why| RaceError::ForeignRun {
                dir: self.dir.path().to_path_buf(),
                index: s.index,
                found: r.run_id.clone(),
                why,
            })?;
            out.push(r);
        }
        Ok(out)
    }

    fn ahead(&mut self, _configs: &[Config], specs: Vec<RunSpec>) {
        self.ahead = specs;
    }

    fn counts(&self) -> (usize, usize) {
        (self.ran, self.asked)
    }

    fn account(&self) -> Option<String> {
        Some(self.account.describe())
    }
}

/// Race `plan` (from `experiment_file`) into its results directory with every run on the cluster
/// `scheduler` runs; what the cluster did comes back however the race ended.
pub fn run<S: Scheduler>(
    plan: &super::Plan,
    experiment_file: &Path,
    options: &super::runner::Options,
    (settings, scheduler): (Settings, S),
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> (Result<crate::work::Ended<super::runner::Decided>, RaceError>, Account, S) {
    let opened = match super::runner::open(plan, experiment_file, options, progress) {
        Ok(o) => o,
        Err(e) => return (Err(e), Account::default(), scheduler),
    };
    let mut cluster = Cluster::new(&opened.dir, scheduler, settings, (&plan.name, &plan.base_dir), stop, progress);
    let raced = super::runner::race_with(plan, &mut cluster, progress).map(|(r, _)| r);
    let counts = cluster.counts();
    let Cluster { account, scheduler, .. } = cluster;
    (super::runner::conclude(opened, raced, counts), account, scheduler)
}
