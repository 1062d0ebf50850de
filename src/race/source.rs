//! Where a race's runs come from: [`Live`], the journal and the pool (a race being run), or
//! [`Journalled`], the journal alone (a replay, for `verify`, `report` and the check at resume).
//! Either way a journal line is taken only as exactly the run the race asks for at its position.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::error::RaceError;
use crate::progress::Progress;
use crate::results::journal::RunResult;
use crate::results::{ResultsDir, ResultsError};
use crate::work::journal::Journalling;
use crate::work::{Config, RunSpec, driver};

/// Where a race's runs come from: the journal and the pool (a live race), or the journal alone (a
/// replay, for `harness verify`).
pub trait RunSource {
    /// The results of `specs` (of `configs`), in order.
    fn get(&mut self, configs: &[Config], specs: Vec<RunSpec>) -> Result<Vec<RunResult>, RaceError>;

    /// Runs the race may ask for next (their `index` is not yet known: `usize::MAX`): a source
    /// that pays a latency per batch (a cluster) runs them with the next `get`'s.
    fn ahead(&mut self, _configs: &[Config], _specs: Vec<RunSpec>) {}

    /// Runs run now (not taken from the journal), and runs the race has asked for so far.
    fn counts(&self) -> (usize, usize) {
        (0, 0)
    }

    /// What the source did, in a line, where there is something to say (a cluster's account).
    fn account(&self) -> Option<String> {
        None
    }
}

/// A live race's runs: from the journal when there (checked to be the same run), else run on the
/// pool and journalled.
pub struct Live<'a> {
    dir: &'a ResultsDir,
    threads: usize,
    stop: &'a AtomicBool,
    progress: &'a dyn Progress,
    /// Runs run now (not taken from the journal).
    pub ran: usize,
    /// Runs the race has asked for so far.
    pub asked: usize,
}

impl<'a> Live<'a> {
    /// Runs of `dir` (journalled there), on `threads` threads, until `stop` is set.
    pub fn new(dir: &'a ResultsDir, threads: usize, stop: &'a AtomicBool, progress: &'a dyn Progress) -> Live<'a> {
        Live { dir, threads, stop, progress, ran: 0, asked: 0 }
    }
}

/// Whether `r` is the run `spec` asks for (see [`driver::answers`]).
pub(super) fn check(configs: &[Config], spec: &RunSpec, r: &RunResult) -> Result<(), String> {
    driver::answers(&configs[spec.config], spec, r)
}

impl RunSource for Live<'_> {
    fn get(&mut self, configs: &[Config], specs: Vec<RunSpec>) -> Result<Vec<RunResult>, RaceError> {
        // Polled here too, not only between runs: a race that takes every run from the journal
        // stops at once.
        if self.stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(RaceError::Interrupted { done: self.dir.done_count() });
        }
        let dir_path = || self.dir.path().to_path_buf();
        self.asked = self.asked.max(specs.last().map_or(0, |s| s.index + 1));
        let mut out: Vec<Option<RunResult>> = Vec::with_capacity(specs.len());
        let mut pending = Vec::new();
        for s in &specs {
            match self.dir.get(s.index) {
                Some(r) => match check(configs, s, &r) {
                    Ok(()) => out.push(Some(r)),
                    Err(why) => {
                        return Err(RaceError::ForeignRun { dir: dir_path(), index: s.index, found: r.run_id, why });
                    }
                },
                None => {
                    out.push(None);
                    pending.push(s.clone());
                }
            }
        }
        if !pending.is_empty() {
            // The race asks for one batch at a time and decides on each before the next: while
            // this batch is incomplete, no earlier session can have run anything after it. (The
            // validation's batches are checked at the race's end: an older build asked for them
            // all at once.)
            if !specs.iter().any(|s| s.race.is_some_and(|t| t.validation)) {
                beyond(self.dir, specs.last().map_or(0, |s| s.index + 1))?;
            }
            let sink = Journalling { dir: self.dir, stop: self.stop, progress: self.progress };
            let new = driver::execute(configs, &pending, self.threads, &sink).map_err(ResultsError::from)?;
            self.ran += new.len();
            if new.len() < pending.len() {
                return Err(RaceError::Interrupted { done: self.dir.done_count() });
            }
            let mut new = new.into_iter();
            for slot in out.iter_mut().filter(|o| o.is_none()) {
                *slot = new.next();
            }
        }
        Ok(out.into_iter().map(|r| r.expect("every request answered")).collect())
    }

    fn counts(&self) -> (usize, usize) {
        (self.ran, self.asked)
    }
}

/// Refuse a journal that holds a run at or after position `end`, which the race never asks for.
pub(super) fn beyond(dir: &ResultsDir, end: usize) -> Result<(), RaceError> {
    match dir.last_index().filter(|&i| i >= end) {
        Some(index) => Err(RaceError::ForeignRun {
            dir: dir.path().to_path_buf(),
            index,
            found: dir.get(index).map_or_else(String::new, |r| r.run_id),
            why: format!("the race asks for {end} runs before this point"),
        }),
        None => Ok(()),
    }
}

/// A replay's runs: the journal's, which must hold every run the race asks for, each exactly the
/// run asked for. `asked` collects what the race asked for, in order: what `verify` re-runs. When a
/// run is missing (an unfinished race), `missing_batch` says where the batch that asked for it
/// ends and whether it validates.
pub struct Journalled<'a> {
    pub results: &'a HashMap<usize, RunResult>,
    pub asked: Vec<RunSpec>,
    pub missing_batch: Option<(usize, bool)>,
}

impl<'a> Journalled<'a> {
    pub fn new(results: &'a HashMap<usize, RunResult>) -> Journalled<'a> {
        Journalled { results, asked: Vec::new(), missing_batch: None }
    }
}

impl RunSource for Journalled<'_> {
    fn get(&mut self, configs: &[Config], specs: Vec<RunSpec>) -> Result<Vec<RunResult>, RaceError> {
        let end = specs.last().map_or(0, |s| s.index + 1);
        let validation = specs.iter().any(|s| s.race.is_some_and(|t| t.validation));
        let mut out = Vec::with_capacity(specs.len());
        for s in specs {
            match self.results.get(&s.index) {
                Some(r) => match check(configs, &s, r) {
                    Ok(()) => out.push(r.clone()),
                    Err(why) => return Err(RaceError::Replay { index: s.index, run_id: r.run_id.clone(), why }),
                },
                None => {
                    self.missing_batch = Some((end, validation));
                    return Err(RaceError::Unfinished { index: s.index, run_id: s.run_id });
                }
            }
            self.asked.push(s);
        }
        Ok(out)
    }
}

impl<S: RunSource + ?Sized> RunSource for &mut S {
    fn get(&mut self, configs: &[Config], specs: Vec<RunSpec>) -> Result<Vec<RunResult>, RaceError> {
        (**self).get(configs, specs)
    }

    fn ahead(&mut self, configs: &[Config], specs: Vec<RunSpec>) {
        (**self).ahead(configs, specs)
    }

    fn counts(&self) -> (usize, usize) {
        (**self).counts()
    }

    fn account(&self) -> Option<String> {
        (**self).account()
    }
}
