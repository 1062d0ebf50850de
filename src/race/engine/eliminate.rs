//! The elimination tests of a race, as irace's `aux_friedman` and `aux_ttest`: which alive
//! candidates a block of results drops, and the ranking statistic a race ends on.

use std::collections::HashMap;

use super::Cause;
use crate::race::settings::TestKind;
use crate::stats::describe;
use crate::stats::friedman::{conover_vs, friedman};
use crate::stats::paired::{holm, paired_t, pseudo_median, wilcoxon};

/// Costs of candidates `who` over the first `rows` instances: one row (block) per instance.
pub(super) fn blocks(
    costs: &HashMap<(usize, u32), f64>,
    instances: &[u32],
    rows: usize,
    who: &[usize],
) -> Vec<Vec<f64>> {
    instances[..rows].iter().map(|&s| who.iter().map(|&c| costs[&(c, s)]).collect()).collect()
}

/// The ranking statistic of each of `who` (lower is better): rank sums for Friedman, means for
/// t-tests.
pub(super) fn ranks(test: TestKind, b: &[Vec<f64>], k: usize) -> Vec<f64> {
    match test {
        TestKind::Friedman => friedman(b).rank_sums,
        TestKind::THolm => (0..k).map(|j| column_mean(b, j)).collect(),
    }
}

/// The mean of column `j` of blocks `b` ([`describe`]: the one statistic of a sample's mean).
fn column_mean(b: &[Vec<f64>], j: usize) -> f64 {
    describe(b.iter().map(|r| r[j])).mean.unwrap_or(f64::NAN)
}

/// Step 3 of a race: of candidates with mean costs `means` (over the same instances), the positions
/// of those more than `margin` above the best, the worst first, skipping the ones not `droppable`
/// and never leaving fewer than `keep`: the step saves runs on hopeless candidates, it does not
/// choose the elites.
pub(super) fn behind(means: &[f64], margin: f64, droppable: &[bool], keep: usize) -> Vec<usize> {
    let best = means.iter().copied().fold(f64::INFINITY, f64::min);
    let mut order: Vec<usize> = (0..means.len()).collect();
    order.sort_by(|&a, &b| means[b].total_cmp(&means[a]).then(a.cmp(&b)));
    let mut alive = means.len();
    let mut out = Vec::new();
    for j in order {
        if alive <= keep || means[j] <= best + margin || means[j].is_nan() {
            break;
        }
        if droppable[j] {
            out.push(j);
            alive -= 1;
        }
    }
    out
}

/// The position (in `who`) of the best by `r`; the first of ties, as R's `which.min`.
fn argmin(r: &[f64]) -> usize {
    (0..r.len()).fold(0, |b, j| if r[j] < r[b] { j } else { b })
}

/// The elimination test on the alive candidates `who` over blocks `b` (irace's `aux_friedman` and
/// `aux_ttest`): which of `who` (positions) to drop, each with the test and its p-value.
pub fn eliminate(test: TestKind, b: &[Vec<f64>], confidence: f64) -> Vec<(usize, Cause, Option<f64>)> {
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
            (0..k).filter(|&j| p[j] < alpha).map(|j| (j, Cause::Conover, Some(p[j]))).collect()
        }
        TestKind::Friedman => {
            let (x, y): (Vec<f64>, Vec<f64>) = b.iter().map(|r| (r[0], r[1])).unzip();
            let d: Vec<f64> = x.iter().zip(&y).map(|(a, c)| a - c).collect();
            if d.iter().all(|&v| v <= 0.0) {
                return vec![(1, Cause::Dominated, None)];
            }
            if d.iter().all(|&v| v >= 0.0) {
                return vec![(0, Cause::Dominated, None)];
            }
            let w = wilcoxon(&x, &y);
            if w.p_value >= alpha || w.p_value.is_nan() {
                return Vec::new();
            }
            let worse = if pseudo_median(&x, &y) <= 0.0 { 1 } else { 0 };
            vec![(worse, Cause::Wilcoxon, Some(w.p_value))]
        }
        TestKind::THolm => {
            let means: Vec<f64> = (0..k).map(|j| column_mean(b, j)).collect();
            let best = argmin(&means);
            let col = |j: usize| b.iter().map(|r| r[j]).collect::<Vec<f64>>();
            let var = |v: &[f64]| describe(v.iter().copied()).sd.map_or(0.0, |sd| sd * sd);
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
            (0..k).filter(|&j| adjusted[j] < alpha).map(|j| (j, Cause::THolm, Some(adjusted[j]))).collect()
        }
    }
}
