//! One race, as irace runs it (`elitist_race` in irace's `R/race.R`, without capping), generic over
//! the evaluation function: candidates `0..n` are evaluated on instances (seed indices) in a given
//! order, a block at a time; a candidate's cost on an instance is the same whoever asks (common
//! seeds), lower is better, and infinite for a failed run.
//!
//! At task `t` (the `t`-th instance of the order):
//! 1. once every instance the elites carried has been evaluated by some alive candidate, the race
//!    stops when at most `min_survival` candidates are alive, when the next test would need more
//!    evaluations than `max_experiments` allows, or after `elitist_limit` tests in a row without
//!    elimination (counted once no elite is protected);
//! 2. every alive candidate without a result on the instance is evaluated (one batch); a failed run
//!    eliminates its candidate at once;
//! 3. with `behind` set: every unprotected alive candidate whose mean cost over the instances all
//!    alive candidates have results on is more than `behind` above the best such mean is dropped
//!    at once, without a test, the worst first and never below `min_survival` alive. irace has no
//!    such step (its first test waits `first_test` seeds): a candidate a whole `behind` of accuracy
//!    worse than the best on its first seed is one the test would drop there anyway, and its other
//!    `first_test - 1` runs go to other candidates;
//! 4. from `first_test` on, every `each_test` tasks, with more than one alive: the test
//!    ([`eliminate`], in `engine/eliminate.rs`) drops candidates;
//! 5. an elite is protected (put back alive) while instances it has carried results for are still
//!    ahead: elites cannot be dropped before the new candidates have caught up with them.
//!
//! Decisions depend only on complete blocks of results, never on the order runs finished in.
//!
//! Between two tests nothing but a failed run (or step 3) changes who is alive, so before the first
//! task of such a stretch the race tells the evaluator every evaluation the stretch will ask for if
//! no run fails and nobody falls behind ([`Evaluate::ahead`]): a cluster can run them as one batch.
//! With `behind`, a race's first task is announced alone (step 3 drops most after it). The race
//! still asks for each task's batch in turn, and decides exactly as without the hint.

mod eliminate;

use std::collections::HashMap;

pub use eliminate::eliminate;
use eliminate::{behind, blocks, ranks};

use super::settings::TestKind;
use crate::stats::describe;

/// What one race needs besides its evaluation function.
#[derive(Debug, Clone)]
pub struct Setup {
    pub candidates: usize,
    /// Instances (seed indices) in the order the race visits them (long enough for the budget).
    pub instances: Vec<u32>,
    /// Costs carried from earlier races (elites'), by `(candidate, seed index)`.
    pub known: HashMap<(usize, u32), f64>,
    pub first_test: usize,
    pub each_test: usize,
    pub confidence: f64,
    pub test: TestKind,
    pub min_survival: usize,
    pub elitist_limit: usize,
    /// Evaluations this race may run.
    pub max_experiments: usize,
    /// Step 3's margin (`None`: no such step).
    pub behind: Option<f64>,
}

/// What dropped a candidate; shown (and written in the race table's `eliminated_by`) as a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Conover's post-hoc test against the best, after a significant Friedman test.
    Conover,
    /// Wilcoxon's signed-rank test, with two alive.
    Wilcoxon,
    /// With two alive, one never better than the other on any seed.
    Dominated,
    /// Paired t-tests against the best, Holm's correction.
    THolm,
    /// A run that failed (diverged, panicked).
    FailedRun,
    /// Alive at the end of its race but ranked below `min_survival` (set by the iterations).
    NotAmongElites,
    /// Dropped by screening before the race (`race/screen.rs`); its `task` is the rung.
    Screened,
    /// More than `behind` worse than the best on the seeds so far (step 3 of the race).
    Behind,
}

impl Cause {
    pub fn word(self) -> &'static str {
        match self {
            Cause::Conover => "conover",
            Cause::Wilcoxon => "wilcoxon",
            Cause::Dominated => "dominated",
            Cause::THolm => "t-holm",
            Cause::FailedRun => "failed run",
            Cause::NotAmongElites => "not among the elites",
            Cause::Screened => "screened",
            Cause::Behind => "behind",
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// Why a race stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// At most `min_survival` candidates alive.
    Survivors { alive: usize, min_survival: usize },
    /// The next test would need more evaluations than the race may run.
    Budget { needed: usize, max: usize },
    /// `elitist_limit` tests in a row dropped nobody.
    NoElimination { tests: usize },
    /// Every instance of the order was evaluated.
    Instances { n: usize },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Survivors { alive, min_survival } => {
                write!(f, "{alive} alive, at most min_survival ({min_survival})")
            }
            Stop::Budget { needed, max } => {
                write!(f, "the next test would need {needed} runs, more than this race's {max}")
            }
            Stop::NoElimination { tests } => write!(f, "{tests} tests in a row without elimination"),
            Stop::Instances { n } => write!(f, "all {n} instances evaluated"),
        }
    }
}

/// Why a candidate left a race.
#[derive(Debug, Clone, PartialEq)]
pub struct Elimination {
    pub by: Cause,
    /// The p-value that dropped it, where a test did.
    pub p_value: Option<f64>,
    /// The task (1-based) and seed index at which it was dropped.
    pub task: usize,
    pub seed_index: u32,
}

/// After each task: where the race stands.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReport {
    pub task: usize,
    pub seed_index: u32,
    pub alive: usize,
    /// Evaluations run so far in this race.
    pub used: usize,
    /// The best alive candidate so far and its mean cost.
    pub best: usize,
    pub best_mean: f64,
}

/// What a race ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub alive: Vec<bool>,
    pub eliminated: Vec<Option<Elimination>>,
    /// The alive candidates, best first (by rank sums for Friedman, by means for t-tests).
    pub ranking: Vec<usize>,
    pub used: usize,
    pub tasks: usize,
    /// Every cost known at the end (carried and new).
    pub costs: HashMap<(usize, u32), f64>,
    /// Alive candidates after each task.
    pub trace: Vec<TaskReport>,
    pub stop: Stop,
}

/// What a race asks of the world: the costs of a batch of `(candidate, seed index)`, in order,
/// and (optionally) to hear where the race stands after each task. A closure that evaluates is
/// one.
pub trait Evaluate<E> {
    fn evaluate(&mut self, batch: &[(usize, u32)]) -> Result<Vec<f64>, E>;

    /// The evaluations of the tasks up to the next test, if no run fails: a hint, which a later
    /// `evaluate` may or may not ask for (a superset of what it will ask for until that test).
    fn ahead(&mut self, _batch: &[(usize, u32)]) {}

    fn task_done(&mut self, _t: &TaskReport) {}
}

impl<E, F: FnMut(&[(usize, u32)]) -> Result<Vec<f64>, E>> Evaluate<E> for F {
    fn evaluate(&mut self, batch: &[(usize, u32)]) -> Result<Vec<f64>, E> {
        self(batch)
    }
}

/// Where a race stands between tasks.
struct Racing<'a> {
    s: &'a Setup,
    costs: HashMap<(usize, u32), f64>,
    alive: Vec<bool>,
    eliminated: Vec<Option<Elimination>>,
    /// Instances up to which elites carry results, and how many each candidate still has ahead.
    elite_safe: usize,
    protected: Vec<usize>,
    used: usize,
    no_elimination: usize,
    trace: Vec<TaskReport>,
    tasks: usize,
}

impl Racing<'_> {
    fn alive(&self) -> Vec<usize> {
        (0..self.s.candidates).filter(|&c| self.alive[c]).collect()
    }

    /// Step 1: whether to stop before evaluating task `task` (alive `who`, to evaluate `exe`).
    fn stop_before(&self, task: usize, who: &[usize], exe: &[usize]) -> Option<Stop> {
        let s = self.s;
        if !caught_up(s, &self.costs, &self.alive, self.elite_safe, task) {
            return None;
        }
        if who.len() <= s.min_survival {
            return Some(Stop::Survivors { alive: who.len(), min_survival: s.min_survival });
        }
        let needed = self.used + exe.len() * s.each_test;
        if task > s.first_test && (task - 1).is_multiple_of(s.each_test) && needed > s.max_experiments {
            return Some(Stop::Budget { needed, max: s.max_experiments });
        }
        if s.elitist_limit != 0 && self.no_elimination >= s.elitist_limit {
            return Some(Stop::NoElimination { tests: self.no_elimination });
        }
        None
    }

    /// Step 2: record the batch's costs; a failed run eliminates its candidate.
    fn record(&mut self, task: usize, inst: u32, batch: &[(usize, u32)], got: &[f64]) {
        self.used += batch.len();
        self.tasks = task;
        for (&(c, _), &v) in batch.iter().zip(got) {
            self.costs.insert((c, inst), v);
            if !v.is_finite() {
                self.alive[c] = false;
                self.protected[c] = 0;
                self.eliminated[c] = Some(Elimination { by: Cause::FailedRun, p_value: None, task, seed_index: inst });
            }
        }
    }

    /// Step 3: drop the unprotected candidates more than `behind` worse than the best, by their
    /// means over the instances every alive candidate has results on.
    fn drop_behind(&mut self, task: usize, inst: u32) {
        let Some(margin) = self.s.behind else { return };
        let who = self.alive();
        let common: Vec<u32> = self.s.instances[..task]
            .iter()
            .copied()
            .filter(|&i| who.iter().all(|&c| self.costs.contains_key(&(c, i))))
            .collect();
        if who.len() < 2 || common.is_empty() {
            return;
        }
        let means: Vec<f64> = who
            .iter()
            .map(|&c| describe(common.iter().map(|&i| self.costs[&(c, i)])).mean.unwrap_or(f64::NAN))
            .collect();
        let droppable: Vec<bool> = who.iter().map(|&c| self.protected[c] == 0).collect();
        for j in behind(&means, margin, &droppable, self.s.min_survival) {
            self.alive[who[j]] = false;
            self.eliminated[who[j]] = Some(Elimination { by: Cause::Behind, p_value: None, task, seed_index: inst });
        }
    }

    /// Steps 4 and 5: the test, where one is due, drops the unprotected candidates it finds worse.
    fn test(&mut self, task: usize, inst: u32) {
        let s = self.s;
        let before = self.alive();
        if task >= s.first_test && task.is_multiple_of(s.each_test) && before.len() > 1 {
            let b = blocks(&self.costs, &s.instances, task, &before);
            for (j, by, p_value) in eliminate(s.test, &b, s.confidence) {
                let c = before[j];
                if self.protected[c] == 0 {
                    self.alive[c] = false;
                    self.eliminated[c] = Some(Elimination { by, p_value, task, seed_index: inst });
                }
            }
        }
        let now_alive = self.alive.iter().filter(|&&a| a).count();
        if !self.protected.iter().any(|&p| p > 0) && task > s.first_test && task.is_multiple_of(s.each_test) {
            self.no_elimination = if now_alive == before.len() { self.no_elimination + 1 } else { 0 };
        }
    }

    fn report(&mut self, task: usize, inst: u32, ev: &mut impl FnMut(&TaskReport)) {
        let who = self.alive();
        self.trace.push(report(self.s, &self.costs, task, inst, &who, self.used));
        ev(self.trace.last().expect("pushed"));
    }
}

/// Run one race, asking `ev` for the costs of each task's batch (see the module doc for the steps).
pub fn race<E>(s: &Setup, ev: &mut impl Evaluate<E>) -> Result<Outcome, E> {
    let n = s.candidates;
    let elite_safe =
        s.instances.iter().rposition(|&i| (0..n).any(|c| s.known.contains_key(&(c, i)))).map_or(0, |p| p + 1);
    let protected =
        (0..n).map(|c| s.instances[..elite_safe].iter().filter(|&&i| s.known.contains_key(&(c, i))).count()).collect();
    let mut r = Racing {
        s,
        costs: s.known.clone(),
        alive: vec![true; n],
        eliminated: vec![None; n],
        elite_safe,
        protected,
        used: 0,
        no_elimination: 0,
        trace: Vec::new(),
        tasks: 0,
    };
    let mut stop = None;
    let mut hinted = 0; // tasks up to this one have been announced
    for (t0, &inst) in s.instances.iter().enumerate() {
        let task = t0 + 1;
        let who = r.alive();
        let exe: Vec<usize> = who.iter().copied().filter(|&c| !r.costs.contains_key(&(c, inst))).collect();
        if r.protected.iter().any(|&p| p > 0) && exe.is_empty() {
            // Only elites' carried results on this instance: no test, one protected instance less.
            for (c, p) in r.protected.iter_mut().enumerate() {
                if *p > 0 && r.costs.contains_key(&(c, inst)) {
                    *p -= 1;
                }
            }
            r.tasks = task;
            r.report(task, inst, &mut |t| ev.task_done(t));
            continue;
        }
        if let Some(why) = r.stop_before(task, &who, &exe) {
            stop = Some(why);
            break;
        }
        if task > hinted {
            // With `behind`, the first task is announced alone: most of step 3's drops come
            // after it, and a cluster would run the dropped candidates' stretch for nothing.
            hinted = if s.behind.is_some() && hinted == 0 { task } else { next_test(s, task).min(s.instances.len()) };
            let costs = &r.costs;
            let ahead: Vec<(usize, u32)> = s.instances[t0..hinted]
                .iter()
                .flat_map(|&i| who.iter().filter(move |&&c| !costs.contains_key(&(c, i))).map(move |&c| (c, i)))
                .collect();
            if ahead.len() > exe.len() {
                ev.ahead(&ahead);
            }
        }
        let batch: Vec<(usize, u32)> = exe.iter().map(|&c| (c, inst)).collect();
        let got = ev.evaluate(&batch)?;
        r.record(task, inst, &batch, &got);
        for (c, p) in r.protected.iter_mut().enumerate() {
            if *p > 0 && !exe.contains(&c) {
                *p -= 1;
            }
        }
        r.drop_behind(task, inst);
        r.test(task, inst);
        r.report(task, inst, &mut |t| ev.task_done(t));
    }
    let stop = stop.unwrap_or(Stop::Instances { n: s.instances.len() });
    let ranking = overall_ranking(s.test, &r.costs, &r.alive());
    let Racing { alive, eliminated, used, tasks, costs, trace, .. } = r;
    Ok(Outcome { alive, eliminated, ranking, used, tasks, costs, trace, stop })
}

/// The first task at or after `task` that ends with a test (step 4).
fn next_test(s: &Setup, task: usize) -> usize {
    let each = s.each_test.max(1);
    task.max(s.first_test).next_multiple_of(each)
}

/// irace's `overall_ranks`: a candidate evaluated on more instances ranks better; among those
/// evaluated on as many, the test's ranking over the instances they all have decides (ties in the
/// order of `who`).
fn overall_ranking(test: TestKind, costs: &HashMap<(usize, u32), f64>, who: &[usize]) -> Vec<usize> {
    let seeds = |c: usize| {
        let mut v: Vec<u32> = costs.keys().filter(|(d, _)| *d == c).map(|&(_, i)| i).collect();
        v.sort_unstable();
        v
    };
    let counts: Vec<usize> = who.iter().map(|&c| seeds(c).len()).collect();
    let mut levels: Vec<usize> = counts.clone();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    levels.dedup();
    let mut ranking = Vec::with_capacity(who.len());
    for level in levels {
        let group: Vec<usize> = who.iter().zip(&counts).filter(|(_, n)| **n == level).map(|(&c, _)| c).collect();
        if group.len() == 1 {
            ranking.push(group[0]);
            continue;
        }
        let common: Vec<u32> =
            seeds(group[0]).into_iter().filter(|&i| group.iter().all(|&c| costs.contains_key(&(c, i)))).collect();
        if common.is_empty() {
            ranking.extend(group);
            continue;
        }
        let r = ranks(test, &blocks(costs, &common, common.len(), &group), group.len());
        let mut order: Vec<usize> = (0..group.len()).collect();
        order.sort_by(|&a, &b| r[a].partial_cmp(&r[b]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
        ranking.extend(order.into_iter().map(|j| group[j]));
    }
    ranking
}

/// irace's `all_elite_instances_evaluated`: every instance up to the elites' last (or the last
/// task) has a result from some alive candidate, and every alive candidate has a multiple of
/// `each_test` results there. Always true without carried results.
fn caught_up(s: &Setup, costs: &HashMap<(usize, u32), f64>, alive: &[bool], elite_safe: usize, task: usize) -> bool {
    if s.known.is_empty() {
        return true;
    }
    let rows = &s.instances[..elite_safe.max(task - 1)];
    let alive: Vec<usize> = (0..alive.len()).filter(|&c| alive[c]).collect();
    rows.iter().all(|&i| alive.iter().any(|&c| costs.contains_key(&(c, i))))
        && alive.iter().all(|&c| rows.iter().filter(|&&i| costs.contains_key(&(c, i))).count() % s.each_test == 0)
}

fn report(
    s: &Setup,
    costs: &HashMap<(usize, u32), f64>,
    task: usize,
    inst: u32,
    who: &[usize],
    used: usize,
) -> TaskReport {
    let mean = |c: usize| {
        describe(s.instances[..task].iter().filter_map(|&i| costs.get(&(c, i))).copied()).mean.unwrap_or(0.0)
    };
    let best = who
        .iter()
        .copied()
        .min_by(|&a, &b| mean(a).partial_cmp(&mean(b)).unwrap_or(std::cmp::Ordering::Equal))
        .unwrap_or(0);
    TaskReport { task, seed_index: inst, alive: who.len(), used, best, best_mean: mean(best) }
}

#[cfg(test)]
mod tests;
