//! The paired tests of iterated racing, as irace (R package, `R/race.R`) performs them, when two
//! candidates remain or for its t-tests; and Holm's correction.
//!
//! # Wilcoxon signed-rank test ([`wilcoxon`]; irace `aux_friedman` when two candidates remain)
//! As R's `wilcox.test(x, y, paired = TRUE)` with its defaults: differences `d = x − y`, zeros dropped, the
//! n remaining `|d|` mid-ranked, `V = Σ_{d_i > 0} rank_i`. If n < 50, no zero was dropped and no `|d|` is tied:
//! exact null distribution (`V` is the sum of a uniformly random subset of {1..n}),
//! `p = min(1, 2 P(V' ≤ V))` if `V ≤ n(n+1)/4`, else `min(1, 2 P(V' ≥ V))`. Otherwise the normal
//! approximation with continuity and tie corrections:
//! `z = (V − n(n+1)/4 − ½ sign(V − n(n+1)/4)) / √(n(n+1)(2n+1)/24 − Σ(t³ − t)/48)`, `p = 2 P(Z > |z|)`.
//! Note R — and so irace — also leaves the exact test when a zero difference was dropped (irace even passes
//! `exact = FALSE` then); scipy's `method="auto"` differs from R (see the fixture script).
//!
//! # Paired t-test ([`paired_t`]; irace `aux_ttest`, tests `t.none`, `t.holm`, `t.bonferroni`)
//! `d = x − y`, `t = mean(d) / (sd(d)/√n)` on n − 1 degrees of freedom, `p = 2 P(T > |t|)` (R's `t.test`).
//!
//! # Holm's step-down adjustment ([`holm`]; irace `p.adjust(method = "holm")` in `aux_ttest`)
//! With the m p-values sorted, `p_(1) ≤ … ≤ p_(m)`: `adj_(i) = min(1, max_{j ≤ i} (m − j + 1) p_(j))`.
//!
//! # What stays in the race (irace `R/race.R`, not in this module)
//! - `aux_friedman` runs Friedman + Conover only while more than 2 candidates are alive; with 2 it skips the
//!   Wilcoxon test when all differences have one sign (`all(diffs <= 0)` or `all(diffs >= 0)`) and drops the
//!   worse candidate outright — also when every difference is 0 (then the second one goes); otherwise it drops
//!   the candidate on the wrong side of [`pseudo_median`] when `p < 1 − confidence`.
//! - `aux_ttest` starts each p-value at 1 if the candidate's mean equals the best mean (`all.equal`, relative
//!   1.5e−8) and 0 otherwise, and keeps that value without testing when either column's variance is below
//!   `10 ε` or the best is ≤ the candidate on every instance; then Holm/Bonferroni/none over all alive columns.
//!
//! # Degenerate input
//! Nothing here panics. A test that cannot be carried out (too few blocks, pairs or candidates; nothing but
//! ties) reports `p_value = 1.0` — "no evidence of a difference", so that `p < α` never eliminates — and a NaN
//! statistic where the statistic is undefined; each function documents its cases. NaN data are dropped the way
//! R drops missing values (incomplete blocks or pairs), never ranked.

use super::distributions::{normal_sf, t_sf};
use super::friedman::mid_ranks;

/// Result of [`wilcoxon`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// V: the sum of the ranks of the positive differences (R's statistic; scipy reports min(V, n(n+1)/2 − V)).
    pub statistic: f64,
    /// Two-sided p-value; 1.0 when not testable.
    pub p_value: f64,
    /// Whether the exact null distribution was used (else the normal approximation).
    pub exact: bool,
    /// Number of nonzero differences the test used.
    pub n: usize,
}

/// Paired two-sided Wilcoxon signed-rank test of `x` against `y`, as R's `wilcox.test(x, y, paired = TRUE)`
/// (formulas in the module doc).
///
/// Pairs with a NaN (and differences ∞ − ∞) are dropped like R's missing values; ±∞ differences are ranked as
/// the largest. Not testable: slices of different lengths (`statistic = NaN`, `n = 0`) or no nonzero difference
/// left (`statistic = 0`, `n = 0`; R returns p = NaN there). Both give `p_value = 1.0`, `exact = false`.
pub fn wilcoxon(x: &[f64], y: &[f64]) -> Wilcoxon {
    let untestable = |statistic| Wilcoxon { statistic, p_value: 1.0, exact: false, n: 0 };
    if x.len() != y.len() {
        return untestable(f64::NAN);
    }
    let diffs: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).filter(|d| !d.is_nan()).collect();
    let had_zero = diffs.contains(&0.0); // −0.0 == 0.0 too
    let nonzero: Vec<f64> = diffs.into_iter().filter(|&d| d != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return untestable(0.0);
    }
    let abs: Vec<f64> = nonzero.iter().map(|d| d.abs()).collect();
    let (ranks, ties) = mid_ranks(&abs);
    let v: f64 = nonzero.iter().zip(&ranks).filter(|(d, _)| **d > 0.0).map(|(_, r)| r).sum();
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let exact = n < 50 && ties == 0.0 && !had_zero;
    let p_value = if exact {
        let (lower, upper) = signrank_tails(n, v);
        // R: P(V' ≥ V) above the centre, P(V' ≤ V) otherwise.
        (2.0 * if v > mean { upper } else { lower }).min(1.0)
    } else {
        let centred = v - mean;
        let sigma = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0).sqrt(); // > 0 for n ≥ 1
        // sign(0) = 0 as in R (f64::signum(0.0) would be 1).
        let correction = if centred > 0.0 {
            0.5
        } else if centred < 0.0 {
            -0.5
        } else {
            0.0
        };
        let z = (centred - correction) / sigma;
        (2.0 * normal_sf(z.abs())).min(1.0)
    };
    Wilcoxon { statistic: v, p_value, exact, n }
}

/// `(P(V' ≤ v), P(V' ≥ v))` for the signed-rank statistic V' of n untied, nonzero differences under the null:
/// V' is the sum of a uniformly random subset of {1, …, n}. Subset counts are integers below 2^49 for n < 50,
/// so the dynamic programme and the division by 2^n are exact in double precision. Only called for n < 50.
fn signrank_tails(n: usize, v: f64) -> (f64, f64) {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for i in 1..=n {
        // Add element i to every subset: iterate sums downwards so each element is used at most once.
        for s in (i..=i * (i + 1) / 2).rev() {
            counts[s] += counts[s - i];
        }
    }
    let total = (n as f64).exp2();
    let mut lower = 0.0;
    let mut upper = 0.0;
    for (s, c) in counts.iter().enumerate() {
        let s = s as f64;
        if s <= v {
            lower += c;
        }
        if s >= v {
            upper += c;
        }
    }
    (lower / total, upper / total)
}

/// Hodges–Lehmann pseudo-median of the paired differences: the median of the Walsh averages
/// `(d_i + d_j)/2`, i ≤ j, over the nonzero, non-NaN `d = x − y`, as irace computes it to decide which of the two
/// last candidates is better (`median(diffs) <= 0` keeps the first). NaN when the lengths differ, no difference is
/// left, or the differences hold both +∞ and −∞.
///
/// The n(n+1)/2 averages are not stored: the k-th smallest sum is found by bisection on the bit pattern of the
/// candidate value, counting the sums below it with two pointers over the sorted differences (O(n log n + 64 n)
/// time, O(n) memory), so that a long race cannot exhaust memory. Rounded sums are monotone in each argument,
/// which keeps the counting exact for the computed (floating-point) sums.
pub fn pseudo_median(x: &[f64], y: &[f64]) -> f64 {
    if x.len() != y.len() {
        return f64::NAN;
    }
    let mut d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).filter(|d| !d.is_nan() && *d != 0.0).collect();
    if d.is_empty() || (d.contains(&f64::INFINITY) && d.contains(&f64::NEG_INFINITY)) {
        return f64::NAN;
    }
    d.sort_by(f64::total_cmp);
    let n = d.len() as u64;
    let m = n * (n + 1) / 2; // number of Walsh averages
    // R's median of the halved sums: the middle one, or the mean of the two middle ones.
    if m % 2 == 1 {
        kth_walsh_sum(&d, m / 2 + 1) / 2.0
    } else {
        (kth_walsh_sum(&d, m / 2) / 2.0 + kth_walsh_sum(&d, m / 2 + 1) / 2.0) / 2.0
    }
}

/// Order-preserving map of non-NaN doubles to integers (−∞ ↦ smallest).
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

fn from_order_key(k: u64) -> f64 {
    if k >> 63 == 1 { f64::from_bits(k & !(1 << 63)) } else { f64::from_bits(!k) }
}

/// Number of pairs i ≤ j with `d_i + d_j ≤ s` (rounded sums), `d` sorted ascending.
fn walsh_count_le(d: &[f64], s: f64) -> u64 {
    let mut count = 0u64;
    let mut j = d.len();
    for (i, &di) in d.iter().enumerate() {
        // The admissible j ≥ i form a prefix of i..n that shrinks as d_i grows.
        while j > i && di + d[j - 1] > s {
            j -= 1;
        }
        if j <= i {
            break;
        }
        count += (j - i) as u64;
    }
    count
}

/// The k-th smallest (1-based) of the sums `d_i + d_j`, i ≤ j: the smallest double s with at least k sums ≤ s.
fn kth_walsh_sum(d: &[f64], k: u64) -> f64 {
    let (first, last) = (d[0], d[d.len() - 1]);
    let (mut lo, mut hi) = (order_key(first + first), order_key(last + last));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if walsh_count_le(d, from_order_key(mid)) >= k { hi = mid } else { lo = mid + 1 }
    }
    from_order_key(lo)
}

/// Result of [`paired_t`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedT {
    /// `t = mean(d) / (sd(d)/√n)`; ±∞ or 0 for constant differences, NaN when not testable.
    pub statistic: f64,
    /// Degrees of freedom n − 1 (NaN when the lengths differ).
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Mean of the differences `x − y` (NaN without pairs).
    pub mean_diff: f64,
}

/// Paired two-sided Student t-test of `x` against `y`, as R's `t.test(x, y, paired = TRUE)`.
///
/// Pairs with a NaN are dropped (R's `complete.cases`). Constant differences (R stops with "data are
/// essentially constant" when `sd/√n < 10 ε |mean|`; irace's `aux_ttest` then keeps its initial p-value):
/// mean 0 gives `statistic = 0`, `p_value = 1`; a nonzero mean gives `statistic = ±∞`, `p_value = 0`.
/// Not testable (`statistic = NaN`, `p_value = 1`): different lengths, fewer than 2 pairs, or an infinite
/// difference.
pub fn paired_t(x: &[f64], y: &[f64]) -> PairedT {
    let untestable = |df, mean_diff| PairedT { statistic: f64::NAN, df, p_value: 1.0, mean_diff };
    if x.len() != y.len() {
        return untestable(f64::NAN, f64::NAN);
    }
    let d: Vec<f64> = x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan()).map(|(a, b)| a - b).collect();
    let n = d.len();
    if n == 0 {
        return untestable(0.0, f64::NAN);
    }
    let nf = n as f64;
    let df = nf - 1.0;
    // Two-pass mean (the second pass removes most of the first pass's rounding) and variance.
    let m0 = d.iter().sum::<f64>() / nf;
    let mean = m0 + d.iter().map(|v| v - m0).sum::<f64>() / nf;
    if n < 2 || !mean.is_finite() {
        return untestable(df, mean);
    }
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / df;
    let se = (var / nf).sqrt();
    if se == 0.0 || se < 10.0 * f64::EPSILON * mean.abs() {
        return if mean == 0.0 {
            PairedT { statistic: 0.0, df, p_value: 1.0, mean_diff: mean }
        } else {
            PairedT { statistic: f64::INFINITY.copysign(mean), df, p_value: 0.0, mean_diff: mean }
        };
    }
    let statistic = mean / se;
    PairedT { statistic, df, p_value: (2.0 * t_sf(statistic.abs(), df)).min(1.0), mean_diff: mean }
}

/// Holm's step-down adjusted p-values, in the input order (statsmodels' `multipletests(method = "holm")`, R's
/// `p.adjust(method = "holm")`): sorted ascending, `adj_(i) = min(1, max_{j ≤ i} (m − j + 1) p_(j))`.
/// NaN entries stay NaN and are not counted in m (as R's `p.adjust` treats NA).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j])); // stable: ties keep input order (values equal anyway)
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max((m - rank) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilcoxon_degenerate_and_exact_small() {
        let w = wilcoxon(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!((w.p_value, w.n, w.statistic), (1.0, 0, 0.0));
        assert!(wilcoxon(&[1.0], &[1.0, 2.0]).statistic.is_nan());
        // n = 3, all positive: V = 6, P(V' ≥ 6) = 1/8, p = 1/4 (R: wilcox.test(c(1,2,3), c(0,0,0), paired=TRUE)).
        let w = wilcoxon(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0]);
        assert_eq!((w.statistic, w.p_value, w.exact, w.n), (6.0, 0.25, true, 3));
    }

    #[test]
    fn paired_t_constant_differences() {
        let same = paired_t(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!((same.statistic, same.p_value, same.df), (0.0, 1.0, 2.0));
        let shifted = paired_t(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0]);
        assert_eq!((shifted.statistic, shifted.p_value), (f64::INFINITY, 0.0));
        assert!(paired_t(&[1.0], &[2.0]).statistic.is_nan());
        assert_eq!(paired_t(&[1.0], &[2.0]).p_value, 1.0);
    }

    #[test]
    fn holm_by_hand_and_nan() {
        assert_eq!(holm(&[0.01, 0.04, 0.03]), vec![0.03, 0.06, 0.06]);
        let h = holm(&[0.5, f64::NAN, 0.01]);
        assert_eq!((h[0], h[2]), (0.5, 0.02));
        assert!(h[1].is_nan());
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn pseudo_median_by_hand() {
        // d = 1, 2, 4: Walsh averages 1, 1.5, 2.5, 2, 3, 4 → median (2 + 2.5)/2.
        assert_eq!(pseudo_median(&[1.0, 2.0, 4.0, 5.0], &[0.0, 0.0, 0.0, 5.0]), 2.25);
        assert_eq!(pseudo_median(&[-3.0], &[0.0]), -3.0);
        assert!(pseudo_median(&[], &[]).is_nan());
        assert!(pseudo_median(&[f64::INFINITY, f64::NEG_INFINITY], &[0.0, 0.0]).is_nan());
    }

    #[test]
    fn pseudo_median_equals_sorting_all_walsh_averages() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for trial in 0..300 {
            let n = 1 + (next() % 40) as usize;
            // Coarse values (ties, zeros, negative and positive) half of the time, fine ones otherwise.
            let d: Vec<f64> = (0..n)
                .map(|_| {
                    if trial % 2 == 0 {
                        (next() % 9) as f64 / 4.0 - 1.0
                    } else {
                        (next() % 1_000_003) as f64 * 1e-3 - 400.0
                    }
                })
                .collect();
            let zeros = vec![0.0; n];
            let nz: Vec<f64> = d.iter().copied().filter(|v| *v != 0.0).collect();
            let mut walsh = Vec::new();
            for i in 0..nz.len() {
                for j in i..nz.len() {
                    walsh.push((nz[i] + nz[j]) / 2.0);
                }
            }
            walsh.sort_by(f64::total_cmp);
            let m = walsh.len();
            let want = if m == 0 {
                f64::NAN
            } else if m % 2 == 1 {
                walsh[m / 2]
            } else {
                (walsh[m / 2 - 1] + walsh[m / 2]) / 2.0
            };
            let got = pseudo_median(&d, &zeros);
            assert!(got == want || (got.is_nan() && want.is_nan()), "trial {trial}: {got} vs {want}");
        }
    }
}
