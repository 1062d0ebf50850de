//! Iterated racing (irace's main loop, `R/irace.R`, elitist): races one after the other, each on
//! the elites of the last and new candidates drawn around them, until the budget is spent.
//!
//! With `B` runs left, `I` planned iterations and iteration `i`: the iteration may use
//! `floor(B / (I - i + 1))` runs; it races `N = floor((budget + E * n_old) / max(mu + each *
//! min(5, i), n_old + n_new rounded up to each))` candidates (at most `max_candidates`), `E` elites
//! with results on the `n_old` seeds seen so far, `n_new = 1` new seed first (0 when that leaves
//! too few candidates), `mu = first_test`. It stops when `N` would not exceed `min_survival` (or the
//! elites), when the new candidates could not all reach the first test, or when the budget is
//! spent. The first race has no elites: the grid's candidates and uniform draws; later races visit
//! the new seed first, then the old ones in a shuffled order, then fresh ones. With `[race]
//! screen` (not irace's), the iteration pays for screening first and races the `N - E` new
//! candidates that survive it out of `2^rungs` times as many (`race/screen.rs`).
//!
//! Everything random here (candidates, the order of old seeds) comes from the race seed and the
//! iteration; what candidates cost comes from `eval`. A candidate the experiment cannot take
//! (`identify` says `None`) is drawn again.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

use super::engine::{self, Cause, Elimination, Setup, TaskReport};
use super::model::{Elite, Model};
use super::screen;
use super::settings::{Rung, Settings};
use super::space::{Space, Value};
use crate::rng::stream_seed;

/// Streams of the race seed ("SAMPLE", "ORDER" in ASCII).
const SAMPLE_TAG: u64 = 0x53_41_4d_50_4c_45;
const ORDER_TAG: u64 = 0x4f_52_44_45_52;

/// Draws before a candidate the experiment cannot take is given up on.
const MAX_DRAWS: usize = 1000;

/// A candidate configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its configuration id.
    pub id: u64,
    pub values: Vec<Value>,
    /// The elite it was drawn around (`None`: grid or uniform).
    pub parent: Option<u64>,
    /// The iteration that drew it (1-based).
    pub born: usize,
    /// Why and when it left (`None`: still in, or an elite at the end).
    pub left: Option<(usize, Elimination)>,
}

/// One iteration's race, for tables and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    pub index: usize,
    /// The candidates raced (indices into [`History::candidates`]), elites first.
    pub raced: Vec<usize>,
    pub elites_in: usize,
    /// Alive candidates after each task, and the seeds of the tasks.
    pub trace: Vec<TaskReport>,
    pub used: usize,
    pub stop: engine::Stop,
    /// The elites it produced, best first.
    pub elites: Vec<usize>,
}

/// What iterated racing did.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub candidates: Vec<Candidate>,
    pub iterations: Vec<Iteration>,
    /// The final elites (indices into `candidates`), best first.
    pub elites: Vec<usize>,
    pub used: usize,
    pub stop: Stop,
    /// Every cost, by (candidate index, seed index).
    pub costs: HashMap<(usize, u32), f64>,
    /// Runs' worth spent on screening (`race/screen.rs`; in `used`, rounded up).
    pub screened: f64,
}

/// Where the whole race stands (for progress).
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub iteration: usize,
    pub task: TaskReport,
    pub used: usize,
    pub budget: usize,
    /// The best alive candidate of the current race and its mean cost.
    pub best: usize,
}

/// Why iterated racing stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    BudgetSpent,
    /// The fixed number of iterations was raced.
    IterationsDone(usize),
    /// The runs left cannot race more than `min_survival` candidates.
    TooFewForSurvivors {
        remaining: usize,
        min_survival: usize,
    },
    /// The runs left cannot race new candidates beside the elites.
    TooFewForNew {
        remaining: usize,
        elites: usize,
    },
    /// The runs left cannot bring the candidates to the first test.
    TooFewForFirstTest {
        remaining: usize,
        n: usize,
    },
    EveryCandidateFailed,
    /// An iteration drew nothing new and used no run: the next would be the same, forever.
    SpaceExhausted,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::BudgetSpent => write!(f, "the budget is spent"),
            Stop::IterationsDone(n) => write!(f, "{n} iterations done"),
            Stop::TooFewForSurvivors { remaining, min_survival } => {
                write!(f, "too few runs left ({remaining}) to race more than min_survival ({min_survival}) candidates")
            }
            Stop::TooFewForNew { remaining, elites } => {
                write!(f, "too few runs left ({remaining}) to race new candidates beside the {elites} elites")
            }
            Stop::TooFewForFirstTest { remaining, n } => {
                write!(f, "too few runs left ({remaining}) to bring {n} candidates to the first test")
            }
            Stop::EveryCandidateFailed => write!(f, "every candidate failed"),
            Stop::SpaceExhausted => write!(f, "the space is exhausted: an iteration drew nothing new and used no run"),
        }
    }
}

fn n_configurations(s: &Settings, budget: usize, it: usize, elites: usize, n_old: usize, n_new: usize) -> usize {
    let each = s.each_test;
    let per = (s.first_test + each * it.min(5)).max((n_old + n_new).div_ceil(each) * each);
    ((budget + elites * n_old) / per.max(1)).min(s.max_candidates)
}

/// What iterated racing asks of the world.
pub trait Evaluator {
    type Error;

    /// A candidate's configuration id, or `None` when the experiment cannot take these values.
    fn identify(&mut self, values: &[Value]) -> Option<u64>;

    /// The configuration id of `values` with its training and test phases cut to `rung`'s
    /// fractions (a screening run, `race/screen.rs`), or `None` when the experiment cannot take it.
    fn identify_at(&mut self, _values: &[Value], _rung: Rung) -> Option<u64> {
        None
    }

    /// The costs of a batch of `(configuration id, seed index)` of iteration `iteration`, in order
    /// (lower is better; infinite: a failed run).
    fn evaluate(&mut self, iteration: usize, batch: &[(u64, u32)]) -> Result<Vec<f64>, Self::Error>;

    /// The costs of a batch of screening runs at rung `rung` (from 1) of iteration `iteration`
    /// (configuration ids from [`Evaluator::identify_at`]), in order.
    fn screen(&mut self, iteration: usize, _rung: usize, batch: &[(u64, u32)]) -> Result<Vec<f64>, Self::Error> {
        self.evaluate(iteration, batch)
    }

    /// What the race will ask for until its next test if no run fails (see [`engine::Evaluate::ahead`]).
    fn ahead(&mut self, _iteration: usize, _batch: &[(u64, u32)]) {}

    /// Where the race stands, after each task.
    fn progress(&mut self, _p: &Progress) {}
}

/// The size of iteration `it`: its candidates, whether it starts on a new seed, its runs.
struct Size {
    n: usize,
    n_new_seeds: usize,
    budget: usize,
}

/// Step 1: iteration `it`'s share of the runs left and how many candidates that races, or why
/// racing stops here. `planned` grows by one when the iterations are not fixed.
fn size(s: &Settings, h: &History, it: usize, planned: &mut usize, seen: u32) -> Result<Size, Stop> {
    let remaining = s.budget - h.used;
    if remaining == 0 {
        return Err(Stop::BudgetSpent);
    }
    if it > *planned {
        if s.iterations_fixed {
            return Err(Stop::IterationsDone(*planned));
        }
        *planned = it;
    }
    let budget = remaining / (*planned - it + 1);
    let elites = h.elites.len();
    let first = it == 1;
    let mut n_new_seeds = usize::from(!first);
    let mut n = n_configurations(s, budget, it, elites, seen as usize, n_new_seeds);
    if !first && n <= s.min_survival {
        // irace: without a new seed first, then as if for a first race with mu = 1.
        n_new_seeds = 0;
        n = n_configurations(s, budget, it, elites, seen as usize, 0);
        if n <= s.min_survival {
            n = n_configurations(&Settings { first_test: 1, ..s.clone() }, budget, 1, elites, seen as usize, 0);
        }
    }
    // Screening is paid first, from the same share (`race/screen.rs`).
    let mut budget = budget;
    if let Some(sc) = &s.screen {
        let race_size = |b: usize| n_configurations(s, b, it, elites, seen as usize, n_new_seeds);
        (n, budget) = screen::sized(sc, budget, elites, n, race_size);
    }
    if n <= s.min_survival {
        return Err(Stop::TooFewForSurvivors { remaining, min_survival: s.min_survival });
    }
    if !first && n <= elites {
        return Err(Stop::TooFewForNew { remaining, elites });
    }
    if (n - elites) * s.first_test + elites * n_new_seeds.min(s.first_test) > budget {
        return Err(Stop::TooFewForFirstTest { remaining, n });
    }
    Ok(Size { n, n_new_seeds, budget })
}

/// The seeds of iteration `it`'s race, in order: the new seed first, then the old ones in a
/// shuffled order, then fresh ones (screening runs on the first few).
fn order(s: &Settings, seed: u64, it: usize, size: &Size, seen: u32) -> Vec<u32> {
    let mut order: Vec<u32> = (0..seen).collect();
    order.shuffle(&mut Pcg64Mcg::seed_from_u64(stream_seed(stream_seed(seed, ORDER_TAG), it as u64)));
    let horizon = seen as usize + size.n_new_seeds + size.budget / (s.min_survival + 1) + 2;
    let mut instances: Vec<u32> = (seen..seen + size.n_new_seeds as u32).collect();
    instances.extend(order);
    instances.extend(seen + size.n_new_seeds as u32..horizon as u32);
    instances
}

/// Step 3: the race of iteration `it` over `raced`: the new seed first, then the old ones in a
/// shuffled order, then fresh ones; the elites carry their results on the old seeds.
fn setup(s: &Settings, h: &History, seed: u64, it: usize, size: &Size, raced: &[usize], seen: u32) -> Setup {
    let instances = order(s, seed, it, size, seen);
    let mut known: HashMap<(usize, u32), f64> = HashMap::new();
    for (j, &c) in raced.iter().enumerate() {
        for i in 0..seen {
            if let Some(&v) = h.costs.get(&(c, i)) {
                known.insert((j, i), v);
            }
        }
    }
    Setup {
        candidates: raced.len(),
        instances,
        known,
        first_test: s.first_test,
        each_test: s.each_test,
        confidence: s.confidence,
        test: s.test,
        min_survival: s.min_survival,
        elitist_limit: s.elitist_limit,
        max_experiments: size.budget,
        behind: s.behind,
    }
}

/// The evaluator as one race sees it: candidates by their position in the race, progress in the
/// whole race's terms.
struct InRace<'a, V> {
    v: &'a mut V,
    it: usize,
    ids: Vec<u64>,
    raced: &'a [usize],
    used_before: usize,
    budget: usize,
}

impl<V: Evaluator> engine::Evaluate<V::Error> for InRace<'_, V> {
    fn evaluate(&mut self, batch: &[(usize, u32)]) -> Result<Vec<f64>, V::Error> {
        let by_id: Vec<(u64, u32)> = batch.iter().map(|&(j, i)| (self.ids[j], i)).collect();
        self.v.evaluate(self.it, &by_id)
    }

    fn ahead(&mut self, batch: &[(usize, u32)]) {
        let by_id: Vec<(u64, u32)> = batch.iter().map(|&(j, i)| (self.ids[j], i)).collect();
        self.v.ahead(self.it, &by_id);
    }

    fn task_done(&mut self, t: &TaskReport) {
        let p = Progress {
            iteration: self.it,
            task: t.clone(),
            used: self.used_before + t.used,
            budget: self.budget,
            best: self.raced[t.best],
        };
        self.v.progress(&p);
    }
}

/// Step 4: what the race of iteration `it` decided, into the history: costs, who left and why,
/// the elites (the best `min_survival` of the alive).
fn record(s: &Settings, h: &mut History, it: usize, raced: Vec<usize>, out: engine::Outcome, seen: &mut u32) {
    h.used += out.used;
    for (&(j, i), &v) in &out.costs {
        h.costs.insert((raced[j], i), v);
        *seen = (*seen).max(i + 1);
    }
    for (j, e) in out.eliminated.iter().enumerate() {
        if let Some(e) = e {
            h.candidates[raced[j]].left = Some((it, e.clone()));
        }
    }
    let kept: Vec<usize> = out.ranking.iter().take(s.min_survival).map(|&j| raced[j]).collect();
    for &j in out.ranking.iter().skip(s.min_survival) {
        let last = out.trace.last().map_or((0, 0), |t| (t.task, t.seed_index));
        let e = Elimination { by: Cause::NotAmongElites, p_value: None, task: last.0, seed_index: last.1 };
        h.candidates[raced[j]].left = Some((it, e));
    }
    let elites_in = h.elites.len();
    h.iterations.push(Iteration {
        index: it,
        raced,
        elites_in,
        trace: out.trace,
        used: out.used,
        stop: out.stop,
        elites: kept.clone(),
    });
    h.elites = kept;
}

/// Run iterated racing over `space` with the race seed `seed`: for each iteration, its size
/// (`size`), its candidates (`draw`, then [`screen::screen`] with screening), its race (`setup`,
/// [`engine::race`]) and what it decided (`record`), until a [`Stop`].
pub fn iterate<V: Evaluator>(s: &Settings, space: &Space, seed: u64, v: &mut V) -> Result<History, V::Error> {
    let mut h = History {
        candidates: Vec::new(),
        iterations: Vec::new(),
        elites: Vec::new(),
        used: 0,
        stop: Stop::BudgetSpent,
        costs: HashMap::new(),
        screened: 0.0,
    };
    let mut model = Model::default();
    let mut planned = s.iterations;
    let mut seen: u32 = 0; // seed indices 0..seen have been raced
    for it in 1.. {
        let size = match size(s, &h, it, &mut planned, seen) {
            Ok(size) => size,
            Err(stop) => {
                h.stop = stop;
                break;
            }
        };
        let widen = s.screen.as_ref().map_or(1, |sc| sc.widening());
        let (mut raced, unscreened) =
            draw(space, seed, (it, planned, s.sampler), (size.n, widen), &mut h, &mut model, v);
        if let Some(sc) = &s.screen {
            let from = h.elites.len() + unscreened;
            let keep = size.n.saturating_sub(from);
            let seeds: Vec<u32> = order(s, seed, it, &size, seen).into_iter().take(sc.seeds).collect();
            screen::screen(sc, &mut h, it, &mut raced, from, keep, &seeds, v)?;
        }
        let race = setup(s, &h, seed, it, &size, &raced, seen);
        let ids: Vec<u64> = raced.iter().map(|&c| h.candidates[c].id).collect();
        let mut in_race = InRace { v: &mut *v, it, ids, raced: &raced, used_before: h.used, budget: s.budget };
        let out = engine::race(&race, &mut in_race)?;
        let used_none = out.used == 0;
        record(s, &mut h, it, raced, out, &mut seen);
        if h.elites.is_empty() {
            h.stop = Stop::EveryCandidateFailed;
            break;
        }
        if used_none {
            // Nothing new was drawn and every result the race asked for was known: the next
            // iteration would be this one again, forever.
            h.stop = Stop::SpaceExhausted;
            break;
        }
        if it == 1 {
            let es: Vec<Elite> = h.elites.iter().map(|&c| elite(&h.candidates[c])).collect();
            model = Model::initial(space, &es);
        }
    }
    h.order_elites(s.pick);
    Ok(h)
}

pub(super) fn elite(c: &Candidate) -> Elite<'_> {
    Elite { id: c.id, parent: c.parent, values: &c.values }
}

mod draw;

use draw::draw;

#[cfg(test)]
mod tests;
