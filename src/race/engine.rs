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
//! 3. from `first_test` on, every `each_test` tasks, with more than one alive: the test
//!    ([`eliminate`]) drops candidates;
//! 4. an elite is protected (put back alive) while instances it has carried results for are still
//!    ahead: elites cannot be dropped before the new candidates have caught up with them.
//!
//! Decisions depend only on complete blocks of results, never on the order runs finished in.

use std::collections::HashMap;

use super::settings::TestKind;
use crate::stats::friedman::{conover_vs, friedman};
use crate::stats::paired::{holm, paired_t, pseudo_median, wilcoxon};

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
}

/// Why a candidate left a race.
#[derive(Debug, Clone, PartialEq)]
pub struct Elimination {
    /// `conover` (after Friedman), `wilcoxon`, `dominated` (the last two, one never better than
    /// the other on any seed), `t-holm`, or `failed run`.
    pub by: &'static str,
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
    pub stop: String,
}

/// Costs of candidates `who` over the first `rows` instances: one row (block) per instance.
fn blocks(costs: &HashMap<(usize, u32), f64>, instances: &[u32], rows: usize, who: &[usize]) -> Vec<Vec<f64>> {
    instances[..rows].iter().map(|&s| who.iter().map(|&c| costs[&(c, s)]).collect()).collect()
}

/// The ranking statistic of each of `who` (lower is better): rank sums for Friedman, means for
/// t-tests.
fn ranks(test: TestKind, b: &[Vec<f64>], k: usize) -> Vec<f64> {
    match test {
        TestKind::Friedman => friedman(b).rank_sums,
        TestKind::THolm => (0..k).map(|j| b.iter().map(|r| r[j]).sum::<f64>() / b.len() as f64).collect(),
    }
}

/// The position (in `who`) of the best by `r`; the first of ties, as R's `which.min`.
fn argmin(r: &[f64]) -> usize {
    (0..r.len()).fold(0, |b, j| if r[j] < r[b] { j } else { b })
}

/// The elimination test on the alive candidates `who` over blocks `b` (irace's `aux_friedman` and
/// `aux_ttest`): which of `who` (positions) to drop, each with the test and its p-value.
pub fn eliminate(test: TestKind, b: &[Vec<f64>], confidence: f64) -> Vec<(usize, &'static str, Option<f64>)> {
    let alpha = 1.0 - confidence;
    let k = b.first().map_or(0, Vec::len);
    match test {
        TestKind::Friedman if k > 2 => {
            let f = friedman(b);
            if f.p_value >= alpha || f.p_value.is_nan() {
                return Vec::new();
            }
            let best = f.best().unwrap_or(0);
            let p = conover_vs(&f, best);
            (0..k).filter(|&j| p[j] < alpha).map(|j| (j, "conover", Some(p[j]))).collect()
        }
        TestKind::Friedman => {
            let (x, y): (Vec<f64>, Vec<f64>) = b.iter().map(|r| (r[0], r[1])).unzip();
            let d: Vec<f64> = x.iter().zip(&y).map(|(a, c)| a - c).collect();
            if d.iter().all(|&v| v <= 0.0) {
                return vec![(1, "dominated", None)];
            }
            if d.iter().all(|&v| v >= 0.0) {
                return vec![(0, "dominated", None)];
            }
            let w = wilcoxon(&x, &y);
            if w.p_value >= alpha || w.p_value.is_nan() {
                return Vec::new();
            }
            let worse = if pseudo_median(&x, &y) <= 0.0 { 1 } else { 0 };
            vec![(worse, "wilcoxon", Some(w.p_value))]
        }
        TestKind::THolm => {
            let means: Vec<f64> = (0..k).map(|j| b.iter().map(|r| r[j]).sum::<f64>() / b.len() as f64).collect();
            let best = argmin(&means);
            let col = |j: usize| b.iter().map(|r| r[j]).collect::<Vec<f64>>();
            let var = |v: &[f64]| {
                let m = v.iter().sum::<f64>() / v.len() as f64;
                v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)
            };
            let best_col = col(best);
            // irace: p starts at 1 for a mean equal to the best's (all.equal, 1.5e-8 relative),
            // else 0, and is tested only when both columns vary and the best is not <= everywhere.
            let pvals: Vec<f64> = (0..k)
                .map(|j| {
                    let equal = (means[j] - means[best]).abs() <= 1.5e-8 * means[best].abs().max(1e-300);
                    if equal {
                        return 1.0;
                    }
                    let cj = col(j);
                    if var(&best_col).min(var(&cj)) < 10.0 * f64::EPSILON
                        || best_col.iter().zip(&cj).all(|(a, c)| a <= c)
                    {
                        return 0.0;
                    }
                    paired_t(&best_col, &cj).p_value
                })
                .collect();
            let adjusted = holm(&pvals);
            (0..k).filter(|&j| adjusted[j] < alpha).map(|j| (j, "t-holm", Some(adjusted[j]))).collect()
        }
    }
}

/// Evaluates a batch of `(candidate, seed index)`: their costs, in order.
pub type Eval<'a, E> = dyn FnMut(&[(usize, u32)]) -> Result<Vec<f64>, E> + 'a;

/// Run one race. `eval` gets a batch of `(candidate, seed index)` and returns their costs in order;
/// `on_task` hears where the race stands after each task.
pub fn race<E>(s: &Setup, eval: &mut Eval<'_, E>, on_task: &mut dyn FnMut(&TaskReport)) -> Result<Outcome, E> {
    let n = s.candidates;
    let mut costs = s.known.clone();
    let mut alive = vec![true; n];
    let mut eliminated: Vec<Option<Elimination>> = vec![None; n];
    // Instances up to which elites carry results, and how many each still has ahead.
    let elite_safe =
        s.instances.iter().rposition(|&i| (0..n).any(|c| s.known.contains_key(&(c, i)))).map_or(0, |p| p + 1);
    let mut protected: Vec<usize> =
        (0..n).map(|c| s.instances[..elite_safe].iter().filter(|&&i| s.known.contains_key(&(c, i))).count()).collect();
    let (mut used, mut no_elimination, mut trace) = (0usize, 0usize, Vec::new());
    let mut stop = String::new();
    let mut tasks = 0;
    for (t0, &inst) in s.instances.iter().enumerate() {
        let task = t0 + 1;
        let who: Vec<usize> = (0..n).filter(|&c| alive[c]).collect();
        let exe: Vec<usize> = who.iter().copied().filter(|&c| !costs.contains_key(&(c, inst))).collect();
        let any_protected = protected.iter().any(|&p| p > 0);
        if any_protected && exe.is_empty() {
            for (c, p) in protected.iter_mut().enumerate() {
                if *p > 0 && costs.contains_key(&(c, inst)) {
                    *p -= 1;
                }
            }
            tasks = task;
            trace.push(report(s, &costs, task, inst, &who, used));
            on_task(trace.last().expect("pushed"));
            continue;
        }
        if caught_up(s, &costs, &alive, elite_safe, task) {
            if who.len() <= s.min_survival {
                stop = format!("{} alive, at most min_survival ({})", who.len(), s.min_survival);
                break;
            }
            if task > s.first_test
                && (task - 1) % s.each_test == 0
                && used + exe.len() * s.each_test > s.max_experiments
            {
                stop = format!(
                    "the next test would need {} runs, more than this race's {}",
                    used + exe.len() * s.each_test,
                    s.max_experiments
                );
                break;
            }
            if s.elitist_limit != 0 && no_elimination >= s.elitist_limit {
                stop = format!("{no_elimination} tests in a row without elimination");
                break;
            }
        }
        let batch: Vec<(usize, u32)> = exe.iter().map(|&c| (c, inst)).collect();
        let got = eval(&batch)?;
        used += batch.len();
        tasks = task;
        for (&(c, _), &v) in batch.iter().zip(&got) {
            costs.insert((c, inst), v);
            if !v.is_finite() {
                alive[c] = false;
                protected[c] = 0;
                eliminated[c] = Some(Elimination { by: "failed run", p_value: None, task, seed_index: inst });
            }
        }
        for (c, p) in protected.iter_mut().enumerate() {
            if *p > 0 && !exe.contains(&c) {
                *p -= 1;
            }
        }
        let before: Vec<usize> = (0..n).filter(|&c| alive[c]).collect();
        if task >= s.first_test && task % s.each_test == 0 && before.len() > 1 {
            let b = blocks(&costs, &s.instances, task, &before);
            for (j, by, p_value) in eliminate(s.test, &b, s.confidence) {
                let c = before[j];
                if protected[c] == 0 {
                    alive[c] = false;
                    eliminated[c] = Some(Elimination { by, p_value, task, seed_index: inst });
                }
            }
        }
        let now_alive = alive.iter().filter(|&&a| a).count();
        if !protected.iter().any(|&p| p > 0) && task > s.first_test && task % s.each_test == 0 {
            no_elimination = if now_alive == before.len() { no_elimination + 1 } else { 0 };
        }
        let who: Vec<usize> = (0..n).filter(|&c| alive[c]).collect();
        trace.push(report(s, &costs, task, inst, &who, used));
        on_task(trace.last().expect("pushed"));
    }
    if stop.is_empty() {
        stop = format!("all {} instances evaluated", s.instances.len());
    }
    let who: Vec<usize> = (0..n).filter(|&c| alive[c]).collect();
    let ranking = overall_ranking(s.test, &costs, &who);
    Ok(Outcome { alive, eliminated, ranking, used, tasks, costs, trace, stop })
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
        let v: Vec<f64> = s.instances[..task].iter().filter_map(|&i| costs.get(&(c, i))).copied().collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
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
