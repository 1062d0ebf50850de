//! Screening: successive halving of an iteration's new candidates over cheap runs, before they
//! race (`[race] screen`; docs/study.md section 6, "Fidelity from early checkpoints", measured the
//! lever this builds).
//!
//! With rungs `1..=R`, rung `r` being fractions `(t_r, s_r)` of a run's training and test
//! presentations, and `k` screening seeds, an iteration that races `n` new candidates:
//! 1. draws `2^R n` of them (the grid's candidates of the first iteration are not screened: they
//!    race as given);
//! 2. at rung `r`, runs every candidate still in on the first `k` seeds of the race's order, its
//!    training and test phases cut to `t_r` and `s_r` of its own (at least one presentation each;
//!    learning-curve checkpoints dropped): another configuration, journalled and replayed like any
//!    run. Each run counts `max(t_r, s_r)` of a run against the budget ([`Rung::cost`]);
//! 3. keeps the better half (by mean cost over the `k` seeds, a failed run costing infinity, ties
//!    to the one drawn first), at most `2^(R - r) n`; the others leave (`screened`, at rung `r`);
//! 4. the last rung's survivors race beside the elites at full length, on the whole test phase.
//!
//! The iteration's runs pay for the screening first ([`sized`]): the race gets what is left.

use super::engine::{Cause, Elimination};
use super::iterate::{Evaluator, History};
use super::settings::{Rung, Screen};

/// The number of candidates `n` (elites included) an iteration with `budget` runs races when its
/// new candidates are screened first, and the runs left for the race: the most `n` whose
/// screening, rounded up, leaves enough runs for `race_size` to race `n`.
pub fn sized(
    sc: &Screen,
    budget: usize,
    elites: usize,
    mut n: usize,
    race_size: impl Fn(usize) -> usize,
) -> (usize, usize) {
    let per = sc.cost_per_raced();
    while n > elites {
        let screening = (per * (n - elites) as f64).ceil() as usize;
        if screening <= budget && n <= race_size(budget - screening) {
            return (n, budget - screening);
        }
        n -= 1;
    }
    (n, budget)
}

/// Screen `raced[from..]` (new candidates of iteration `it`, indices into `h.candidates`) down to
/// `keep` of them on the seed indices `seeds`; the survivors replace them in `raced`. Charges the
/// runs to `h.used` (the fractions summed over the whole race, rounded up).
#[allow(clippy::too_many_arguments)]
pub fn screen<V: Evaluator>(
    sc: &Screen,
    h: &mut History,
    it: usize,
    raced: &mut Vec<usize>,
    from: usize,
    keep: usize,
    seeds: &[u32],
    v: &mut V,
) -> Result<(), V::Error> {
    let mut alive: Vec<usize> = raced.split_off(from);
    let rungs = sc.rungs.len();
    let seed_index = seeds.last().copied().unwrap_or(0);
    for (r, &rung) in sc.rungs.iter().enumerate() {
        let target = keep << (rungs - r - 1);
        if alive.len() <= target {
            continue;
        }
        let (costs, runs) = rung_costs(h, (it, r + 1), &alive, rung, seeds, v)?;
        charge(h, runs, rung);
        let mut order: Vec<usize> = (0..alive.len()).collect();
        // Stable: ties keep the order of drawing.
        order.sort_by(|&a, &b| costs[a].total_cmp(&costs[b]));
        let half = alive.len().div_ceil(2).min(target).max(keep.min(alive.len()));
        for &j in &order[half..] {
            let e = Elimination { by: Cause::Screened, p_value: None, task: r + 1, seed_index };
            h.candidates[alive[j]].left = Some((it, e));
        }
        let mut kept: Vec<usize> = order[..half].to_vec();
        kept.sort_unstable();
        alive = kept.into_iter().map(|j| alive[j]).collect();
    }
    alive.truncate(keep);
    raced.extend(alive);
    Ok(())
}

/// The mean cost of each of `alive` at `rung` over `seeds` (infinite when the experiment cannot
/// take its cut-down configuration, or a run failed), and the runs that took.
fn rung_costs<V: Evaluator>(
    h: &History,
    (it, r): (usize, usize),
    alive: &[usize],
    rung: Rung,
    seeds: &[u32],
    v: &mut V,
) -> Result<(Vec<f64>, usize), V::Error> {
    let ids: Vec<Option<u64>> = alive.iter().map(|&c| v.identify_at(&h.candidates[c].values, rung)).collect();
    let batch: Vec<(u64, u32)> = ids.iter().flatten().flat_map(|&id| seeds.iter().map(move |&i| (id, i))).collect();
    let mut costs = v.screen(it, r, &batch)?.into_iter();
    let means = ids
        .iter()
        .map(|id| match id {
            Some(_) => {
                let xs: Vec<f64> = costs.by_ref().take(seeds.len()).collect();
                crate::stats::mean(&xs)
            }
            None => f64::INFINITY,
        })
        .collect();
    Ok((means, batch.len()))
}

/// Add `runs` runs at `rung` to what screening has cost, and its whole runs to `h.used`.
fn charge(h: &mut History, runs: usize, rung: Rung) {
    let before = h.screened.ceil() as usize;
    h.screened += runs as f64 * rung.cost();
    h.used += h.screened.ceil() as usize - before;
}

impl History {
    /// The runs the races themselves used (`used` less screening's share).
    pub fn racing_runs(&self) -> usize {
        self.used - self.screened.ceil() as usize
    }

    /// What screening did, in a line (`None` without screening).
    pub fn screening(&self) -> Option<String> {
        let out = self.candidates.iter().filter(|c| c.left.as_ref().is_some_and(|(_, e)| e.by == Cause::Screened));
        (self.screened > 0.0).then(|| {
            format!(
                "screening: {} candidates dropped before their race, for {} runs' worth (in the runs used)",
                out.count(),
                crate::text::value(self.screened)
            )
        })
    }
}
