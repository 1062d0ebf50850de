//! Running a race into its results directory: the same [`ResultsDir`] as a sweep's (lock,
//! manifest, journal, resume), with the race's runs numbered in the order its decisions asked for
//! them. A resumed race replays its decisions from the start, taking every run it asks for from the
//! journal when it is there (and checking it is the same run), so it ends with the same tables as
//! a race that never stopped. After the races, the final elites are re-run on
//! `validation_replicates` fresh seeds (a stream no race uses): the summary reports those.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::Plan;
pub use super::error::RaceError;
use super::iterate::{self, History};
use super::settings::Rung;
use super::source::beyond;
pub use super::source::{Journalled, Live, RunSource};
use super::space::Value;
use crate::config::DataCache;
use crate::progress::Progress;
use crate::results::cells::failures;
use crate::results::journal::{RaceTag, RunResult};
use crate::results::manifest::Kind;
use crate::results::schema::table;
use crate::results::{Foreign, Policy, ResultsDir, ResultsError, Work, schema};
use crate::work::identity::{config_id, race_seed, validation_seed};
use crate::work::{Config, Ended, RunSpec, Stopped};

/// How to run a race.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The results directory (default: `results/<name>`).
    pub out: Option<PathBuf>,
    pub threads: usize,
    pub policy: Policy,
}

/// What a finished race made: its decisions, the configurations it met, the validation of its
/// final elites (best first: configuration index, results), and its tables.
#[derive(Debug)]
pub struct Decided {
    pub history: History,
    pub configs: Vec<Config>,
    pub validation: Vec<(usize, Vec<RunResult>)>,
    pub tables: super::tables::RaceTables,
}

/// A finished race.
pub type Finished = crate::work::Finished<Decided>;

/// Whether the journal `runs` can be a (possibly unfinished) journal of the race `plan`: the race,
/// replayed on it, finds every line it meets to be the run it asks for, and no line lies past the
/// runs it has asked for. Checked when a race's directory is opened, under its lock and before
/// anything is written, as a sweep's journal is: a refused resume leaves the directory as it was.
pub fn check_journal(plan: &Plan, runs: &[RunResult]) -> Result<(), Foreign> {
    let by_index: HashMap<usize, RunResult> = runs.iter().map(|r| (r.index, r.clone())).collect();
    let mut source = Journalled::new(&by_index);
    let end = match race_with(plan, &mut source, &crate::progress::Silent) {
        Ok(_) => Some(source.asked.len()),
        Err(RaceError::Unfinished { .. }) => match source.missing_batch {
            // An older build asked for every validation run at once: the race's end checks those.
            Some((_, true)) => None,
            Some((end, false)) => Some(end),
            None => None,
        },
        Err(RaceError::Replay { index, run_id, why }) => return Err(Foreign { index, run_id, why }),
        Err(e) => return Err(Foreign { index: 0, run_id: String::new(), why: e.to_string() }),
    };
    match end.and_then(|end| runs.iter().find(|r| r.index >= end).map(|r| (end, r))) {
        Some((end, r)) => Err(Foreign {
            index: r.index,
            run_id: r.run_id.clone(),
            why: format!("the race asks for {end} runs before it could ask for this one"),
        }),
        None => Ok(()),
    }
}

/// The cost of a run: minus its test accuracy; a failed run costs infinity (it eliminates).
fn cost(r: &RunResult) -> f64 {
    r.test_accuracy.map_or(f64::INFINITY, |a| -a)
}

/// What the results directory of `plan` is for.
pub fn work(plan: &Plan, experiment_file: &Path, threads: usize) -> Work {
    Work {
        kind: Kind::Race,
        identity: plan.identity.hash,
        identity_text: plan.identity.text.clone(),
        experiment_file: experiment_file.display().to_string(),
        base_dir: plan.base_dir.clone(),
        experiment: plan.raw.clone(),
        shard: None,
        total_runs: plan.settings.budget,
        runs: plan.settings.budget,
        threads,
    }
}

/// The race's evaluator: candidates become configurations, runs come from a [`RunSource`].
struct Evaluator<'a, S: RunSource> {
    plan: &'a Plan,
    source: S,
    configs: Vec<Config>,
    by_id: HashMap<u64, usize>,
    next_index: usize,
    cache: DataCache,
    progress: &'a dyn Progress,
}

/// A request for one run: `(configuration id, seed, replicate, run id, tag)`.
type Request = (u64, u64, u64, String, RaceTag);

impl<S: RunSource> Evaluator<'_, S> {
    fn spec(&self, index: usize, (id, seed, replicate, run_id, tag): Request) -> RunSpec {
        RunSpec { index, config: self.by_id[&id], replicate, seed, run_id, race: Some(tag) }
    }

    /// Results of `requests`, numbered in order.
    fn get(&mut self, requests: Vec<Request>) -> Result<Vec<RunResult>, RaceError> {
        let specs = requests
            .into_iter()
            .map(|r| {
                self.next_index += 1;
                self.spec(self.next_index - 1, r)
            })
            .collect();
        self.source.get(&self.configs, specs)
    }

    /// Runs the race may ask for next (not numbered: they have no place in the journal yet).
    fn ahead(&mut self, requests: Vec<Request>) {
        let specs = requests.into_iter().map(|r| self.spec(usize::MAX, r)).collect();
        self.source.ahead(&self.configs, specs);
    }
}

/// The request for candidate `id` on race seed index `i` of iteration `iteration` (screening it at
/// rung `screen`, from 1, or racing it).
fn race_request(seed: u64, iteration: usize, screen: Option<u32>, (id, i): (u64, u32)) -> Request {
    let tag = RaceTag { iteration: iteration as u32, seed_index: i, validation: false, screen };
    let run_id = match screen {
        Some(r) => format!("{id:016x}-r{r}-{i}"),
        None => format!("{id:016x}-{i}"),
    };
    (id, race_seed(seed, i), u64::from(i), run_id, tag)
}

/// The validation requests of final elite `id` after `iterations` races.
fn validation_requests(seed: u64, iterations: u32, id: u64, v: usize) -> Vec<Request> {
    (0..v as u64)
        .map(|j| {
            let tag = RaceTag { iteration: iterations, seed_index: j as u32, validation: true, screen: None };
            (id, validation_seed(seed, j), j, format!("{id:016x}-v{j}"), tag)
        })
        .collect()
}

impl<S: RunSource> iterate::Evaluator for Evaluator<'_, S> {
    type Error = RaceError;

    fn identify(&mut self, values: &[Value]) -> Option<u64> {
        let plan = self.plan;
        let raw = plan.space.raw_of(&plan.base, values).ok()?;
        let id = config_id(&raw);
        if !self.by_id.contains_key(&id) {
            let exp = crate::config::resolve(&raw, &plan.name, &plan.base_dir, &mut self.cache).ok()?;
            let swept = plan.space.params.iter().zip(values).map(|(p, &v)| (p.name.clone(), p.toml(v))).collect();
            self.by_id.insert(id, self.configs.len());
            self.configs.push(Config { index: self.configs.len(), id, swept, exp });
        }
        Some(id)
    }

    fn identify_at(&mut self, values: &[Value], rung: Rung) -> Option<u64> {
        let full_id = self.identify(values)?;
        let full = &self.configs[self.by_id[&full_id]];
        let raw = rung.cut(&full.exp);
        let id = config_id(&raw);
        if !self.by_id.contains_key(&id) {
            let mut swept = full.swept.clone();
            for (name, v) in &mut swept {
                match name.as_str() {
                    "train_presentations" => *v = toml::Value::Integer(raw.protocol.train_presentations as i64),
                    "test_presentations" => {
                        *v = toml::Value::Integer(raw.protocol.test_presentations.unwrap_or(0) as i64)
                    }
                    _ => {}
                }
            }
            let exp = crate::config::resolve(&raw, &self.plan.name, &self.plan.base_dir, &mut self.cache).ok()?;
            self.by_id.insert(id, self.configs.len());
            self.configs.push(Config { index: self.configs.len(), id, swept, exp });
        }
        Some(id)
    }

    fn evaluate(&mut self, iteration: usize, batch: &[(u64, u32)]) -> Result<Vec<f64>, RaceError> {
        let requests = batch.iter().map(|&b| race_request(self.plan.seed, iteration, None, b)).collect();
        Ok(self.get(requests)?.iter().map(cost).collect())
    }

    fn screen(&mut self, iteration: usize, rung: usize, batch: &[(u64, u32)]) -> Result<Vec<f64>, RaceError> {
        let rung = Some(rung as u32);
        let requests = batch.iter().map(|&b| race_request(self.plan.seed, iteration, rung, b)).collect();
        Ok(self.get(requests)?.iter().map(cost).collect())
    }

    fn ahead(&mut self, iteration: usize, batch: &[(u64, u32)]) {
        let requests = batch.iter().map(|&b| race_request(self.plan.seed, iteration, None, b)).collect();
        Evaluator::ahead(self, requests);
    }

    fn progress(&mut self, p: &iterate::Progress) {
        let best = self.configs.get(p.best).map_or(String::new(), |c| c.id_hex());
        self.progress.status(&format!(
            "iteration {}, seed {}: {} alive, {} of {} runs used, best so far {} ({:.4})",
            p.iteration,
            p.task.seed_index,
            p.task.alive,
            p.used,
            p.budget,
            &best[..best.len().min(8)],
            -p.task.best_mean
        ));
    }
}

/// What racing produced, before any table: the races, the configurations, the validation.
pub struct Raced {
    pub history: History,
    pub configs: Vec<Config>,
    /// Validation results of each final elite, best first: (configuration index, results).
    pub validation: Vec<(usize, Vec<RunResult>)>,
}

/// Race `plan` with runs from `source`, then validate the final elites.
pub fn race_with<S: RunSource>(plan: &Plan, source: S, progress: &dyn Progress) -> Result<(Raced, S), RaceError> {
    let s = &plan.settings;
    progress.start(s.expected_runs(), "race runs");
    let mut ev = Evaluator {
        plan,
        source,
        configs: Vec::new(),
        by_id: HashMap::new(),
        next_index: 0,
        cache: DataCache::default(),
        progress,
    };
    let history = iterate::iterate(s, &plan.space, plan.seed, &mut ev);
    progress.finish();
    let history = history?;
    // One elite at a time: the work is built in batches of `validation_replicates`, never all
    // at once.
    let v = s.validation_replicates;
    progress.start(history.elites.len() * v, "validation runs");
    let iteration = history.iterations.len() as u32;
    let ids: Vec<u64> = history.elites.iter().map(|&c| history.candidates[c].id).collect();
    ev.ahead(ids.iter().flat_map(|&id| validation_requests(plan.seed, iteration, id, v)).collect());
    let mut validation = Vec::with_capacity(history.elites.len());
    for id in ids {
        match ev.get(validation_requests(plan.seed, iteration, id, v)) {
            Ok(rs) => validation.push((ev.by_id[&id], rs)),
            Err(e) => {
                progress.finish();
                return Err(e);
            }
        }
    }
    progress.finish();
    Ok((Raced { history, configs: ev.configs, validation }, ev.source))
}

/// Replay a race from its journal (no run is run): what `harness verify` compares the tables with,
/// and the runs the race asked for, in order.
pub fn replay(plan: &Plan, journal: &HashMap<usize, RunResult>) -> Result<(Raced, Vec<RunSpec>), RaceError> {
    let mut source = Journalled::new(journal);
    let (raced, _) = race_with(plan, &mut source, &crate::progress::Silent)?;
    Ok((raced, source.asked))
}

/// Run `plan` (from `experiment_file`) into its results directory, on this machine.
pub fn run(
    plan: &Plan,
    experiment_file: &Path,
    options: &Options,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Ended<Decided>, RaceError> {
    let opened = open(plan, experiment_file, options, progress)?;
    let mut live = Live::new(&opened.dir, options.threads, stop, progress);
    let raced = race_with(plan, &mut live, progress).map(|(r, _)| r);
    let counts = live.counts();
    conclude(opened, raced, counts)
}

/// A race's results directory, opened (locked, its journal checked) for racing.
pub struct Opened {
    pub dir: ResultsDir,
    out: PathBuf,
    start: Instant,
}

/// Open the results directory of `plan` (from `experiment_file`) for racing; notes go to `progress`.
pub fn open(
    plan: &Plan,
    experiment_file: &Path,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Opened, RaceError> {
    let start = Instant::now();
    let out = options.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&plan.name));
    let (dir, notes) = ResultsDir::open(&out, &work(plan, experiment_file, options.threads), options.policy, |runs| {
        check_journal(plan, runs)
    })?;
    for n in &notes {
        progress.say(&format!("note: {}", n.describe()));
    }
    Ok(Opened { dir, out, start })
}

/// After racing (`raced`, with `(ran, asked)` from the source): the tables, or the tables of what
/// finished when the race stopped.
pub fn conclude(
    opened: Opened,
    raced: Result<Raced, RaceError>,
    (ran, asked): (usize, usize),
) -> Result<Ended<Decided>, RaceError> {
    let Opened { mut dir, out, start } = opened;
    let raced = match raced.and_then(|r| beyond(&dir, asked).map(|()| r)) {
        Ok(raced) => raced,
        // A journal that changed under the race (checked at opening) is left as it is.
        Err(e @ RaceError::ForeignRun { .. }) => return Err(e),
        Err(RaceError::Interrupted { done }) => {
            write_partial(&mut dir)?;
            let elapsed_s = start.elapsed().as_secs_f64();
            return Ok(Ended::Stopped(Stopped { out, done, of: None, ran, elapsed_s }));
        }
        Err(e) => {
            write_partial(&mut dir)?;
            return Err(e);
        }
    };
    let results = dir.results();
    let tables = super::tables::RaceTables::build(&results, &raced.history, &raced.configs, &raced.validation)
        .map_err(ResultsError::from)?;
    dir.write_tables(&tables.named()).map_err(ResultsError::from)?;
    dir.update_manifest(true).map_err(ResultsError::from)?;
    let failures = failures(&results);
    if raced.history.elites.is_empty() {
        let why = match &raced.history.stop {
            super::iterate::Stop::EveryCandidateFailed => format!(
                "every candidate failed (most often: {})",
                failures.first().map_or_else(|| "no run succeeded".into(), |(m, n)| format!("{n} x {m}"))
            ),
            stop => format!("the race stopped before its first race ended: {stop}"),
        };
        return Err(RaceError::NoElite { dir: out, runs: results.len(), why });
    }
    let Raced { history, configs, validation } = raced;
    Ok(Ended::Finished(Finished {
        out,
        ran,
        elapsed_s: start.elapsed().as_secs_f64(),
        failures,
        what: Decided { history, configs, validation, tables },
    }))
}

/// After an interruption: the runs and timings of what finished (the race and summary tables need
/// the whole race).
fn write_partial(dir: &mut ResultsDir) -> Result<(), ResultsError> {
    let results = dir.results();
    let runs = schema::built(table::RUNS, schema::runs(&results))?;
    let timings = schema::built(table::TIMINGS, schema::timings(&results))?;
    dir.write_tables(&[(table::RUNS, &runs), (table::TIMINGS, &timings)])?;
    dir.update_manifest(false)?;
    Ok(())
}

#[cfg(test)]
mod tests;
