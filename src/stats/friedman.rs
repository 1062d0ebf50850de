//! The hypothesis tests of iterated racing, as irace (R package, `R/race.R`) performs them.
//!
//! Data layout: a race's results form a block design, `blocks[i][j]` = cost of candidate j on block i
//! (instance/seed). Lower is better everywhere (rank 1 = smallest value), as in irace.
//!
//! # Friedman test ([`friedman`]; irace `aux2_friedman`)
//! Within each block the k values get mid-ranks `r_ij` (ties share the average of the ranks they span).
//! With rank sums `R_j = Σ_i r_ij`, `A = Σ_ij r_ij²` and `C = n k (k+1)² / 4`,
//!
//! `T1 = (k − 1) Σ_j (R_j − n(k+1)/2)² / (A − C)`,   p = P(χ²_{k−1} > T1).
//!
//! Without ties `A − C = n k (k+1)(k−1)/12` and T1 is Friedman's `12/(nk(k+1)) Σ R_j² − 3n(k+1)`. With ties
//! every group of t tied values lowers A by `(t³ − t)/12`, so T1 equals irace's (and R's `friedman.test`)
//! `12 Σ (R_j − n(k+1)/2)² / (n k (k+1) − Σ(t³ − t)/(k − 1))` and scipy's `friedmanchisquare` (which divides
//! by `1 − Σ(t³ − t)/(n k (k²−1))`): the same number, written with fewer roundings (ranks are multiples of
//! ½, so A, C and the squared deviations are exact in double precision).
//!
//! # Conover's post-hoc test ([`conover_vs`]; irace `aux2_friedman` after a significant Friedman test)
//! irace keeps candidate j iff `|R_j − R_best| ≤ t_{1−α/2, (n−1)(k−1)} · SE` with
//! `SE = √(2 (n A − Σ_j R_j²) / ((n−1)(k−1)))` (Conover, *Practical Nonparametric Statistics*, 1999,
//! pp. 369–371). [`conover_vs`] returns instead the two-sided p-value
//! `p_j = 2 P(T_{(n−1)(k−1)} > |R_j − R_ref| / SE)`. As `P(T > ·)` is strictly decreasing,
//! `p_j < α ⇔ |R_j − R_ref|/SE > t_{1−α/2} ⇔ irace drops j` (equality keeps in both), so irace's rule is:
//! `if f.p_value < α { drop every j with conover_vs(&f, best)[j] < α }`, α = 1 − confidence. The fixture
//! test `conover_threshold_equals_irace_rule` checks this against the critical difference with scipy's `t.ppf`.
//! (irace walks the candidates in rank-sum order and stops at the first that differs too much; since
//! `|R_j − R_best|` grows along that order, that is the same set.)
//!

use super::distributions::{chi_square_sf, t_sf};

/// Mid-ranks (1 = smallest) of finite-or-infinite, non-NaN `values`, and `Σ (t³ − t)` over the groups of
/// t tied values. −0.0 and +0.0 are the same value (they are equal under `==`, as in R).
pub(super) fn mid_ranks(values: &[f64]) -> (Vec<f64>, f64) {
    // Adding 0.0 turns −0.0 into +0.0, so that total_cmp (a total order, hence a panic-free sort) ties them.
    let canon: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
    let mut order: Vec<usize> = (0..canon.len()).collect();
    order.sort_by(|&i, &j| canon[i].total_cmp(&canon[j]));
    let mut ranks = vec![0.0; canon.len()];
    let mut ties = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && canon[order[end]] == canon[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) hold equal values: each gets the average of ranks start+1..=end.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        let t = (end - start) as f64;
        ties += t * t * t - t;
        start = end;
    }
    (ranks, ties)
}

/// Result of [`friedman`]; also the input of the post-hoc [`conover_vs`].
#[derive(Debug, Clone, PartialEq)]
pub struct Friedman {
    /// Tie-corrected Friedman statistic T1; NaN when not testable (see [`friedman`]).
    pub statistic: f64,
    /// Degrees of freedom, k − 1.
    pub df: f64,
    /// `P(χ²_{k−1} > T1)`; 1.0 when not testable.
    pub p_value: f64,
    /// Sum over the blocks of each candidate's mid-rank (length k; the smallest is the best candidate).
    pub rank_sums: Vec<f64>,
    /// Number of blocks used (rows of length k without NaN).
    pub n: usize,
    /// Number of candidates (length of the first row).
    pub k: usize,
    /// `A = Σ r_ij²`, the sum of the squared mid-ranks, which Conover's post-hoc test needs.
    pub sum_sq_ranks: f64,
}

impl Friedman {
    /// Index of the candidate with the smallest rank sum (the first one on ties, like R's `which.min` and
    /// irace's `order(R)[1]`); `None` when k = 0.
    pub fn best(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (j, &r) in self.rank_sums.iter().enumerate() {
            if best.is_none_or(|b| r < self.rank_sums[b]) {
                best = Some(j);
            }
        }
        best
    }
}

/// Friedman's rank test on a block design: `blocks[i][j]` = value of candidate j in block i (n rows of k values,
/// the candidates in the same order in every row). Formula in the module doc.
///
/// k is the length of the first row. Rows of another length or containing a NaN are dropped, as R's
/// `friedman.test` drops incomplete blocks; `n` counts the rows used. Not testable, hence `statistic = NaN`,
/// `p_value = 1.0`: fewer than 2 blocks or candidates, or every block entirely tied (T1 = 0/0; R returns NaN and
/// irace then eliminates nothing). `rank_sums` and `sum_sq_ranks` are filled in all cases (zeros without blocks).
pub fn friedman(blocks: &[Vec<f64>]) -> Friedman {
    let k = blocks.first().map_or(0, Vec::len);
    let mut rank_sums = vec![0.0; k];
    let mut sum_sq_ranks = 0.0;
    let mut n = 0usize;
    for row in blocks.iter().filter(|r| r.len() == k && r.iter().all(|v| !v.is_nan())) {
        let (ranks, _) = mid_ranks(row);
        for (sum, r) in rank_sums.iter_mut().zip(&ranks) {
            *sum += r;
        }
        sum_sq_ranks += ranks.iter().map(|r| r * r).sum::<f64>();
        n += 1;
    }
    let df = k as f64 - 1.0;
    let mut result = Friedman { statistic: f64::NAN, df, p_value: 1.0, rank_sums, n, k, sum_sq_ranks };
    if n < 2 || k < 2 {
        return result;
    }
    let (nf, kf) = (n as f64, k as f64);
    let c = nf * kf * (kf + 1.0) * (kf + 1.0) / 4.0;
    let centre = nf * (kf + 1.0) / 2.0;
    let spread: f64 = result.rank_sums.iter().map(|r| (r - centre) * (r - centre)).sum();
    let denom = sum_sq_ranks - c; // ≥ 0; exactly 0 only when every block is one big tie
    if denom <= 0.0 {
        return result;
    }
    result.statistic = df * spread / denom;
    result.p_value = chi_square_sf(result.statistic, df);
    result
}

/// Conover's post-hoc comparison of every candidate with candidate `reference` after a Friedman test:
/// two-sided p-values `p_j = 2 P(T_{(n−1)(k−1)} > |R_j − R_ref| / SE)`,
/// `SE = √(2 (n A − Σ R_j²) / ((n−1)(k−1)))`; `p_ref = 1`. Thresholding at α is exactly irace's
/// critical-difference rule (proof in the module doc). No multiplicity adjustment, as in irace.
///
/// Degenerate cases: fewer than 2 blocks or candidates, or `reference ≥ k`: all 1.0 (no elimination).
/// `n A = Σ R_j²` (by Cauchy–Schwarz this happens exactly when every block ranks the candidates the same way,
/// ties included) makes SE = 0: then `p_j = 1` if `R_j = R_ref` and 0 otherwise, which is what irace's rule
/// gives with a zero critical difference.
pub fn conover_vs(f: &Friedman, reference: usize) -> Vec<f64> {
    let k = f.rank_sums.len();
    if f.n < 2 || k < 2 || reference >= k {
        return vec![1.0; k];
    }
    let (nf, kf) = (f.n as f64, k as f64);
    let df = (nf - 1.0) * (kf - 1.0);
    let sum_sq_r: f64 = f.rank_sums.iter().map(|r| r * r).sum();
    let var_num = nf * f.sum_sq_ranks - sum_sq_r;
    let r_ref = f.rank_sums[reference];
    f.rank_sums
        .iter()
        .map(|&r| {
            let diff = (r - r_ref).abs();
            if diff == 0.0 {
                1.0
            } else if var_num <= 0.0 {
                0.0
            } else {
                let se = (2.0 * var_num / df).sqrt();
                (2.0 * t_sf(diff / se, df)).min(1.0)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_ranks_by_hand() {
        let (r, ties) = mid_ranks(&[3.0, 1.0, 3.0, -0.0, 0.0, 7.0]);
        assert_eq!(r, vec![4.5, 3.0, 4.5, 1.5, 1.5, 6.0]);
        assert_eq!(ties, 12.0);
    }

    #[test]
    fn friedman_degenerate() {
        let f = friedman(&[]);
        assert_eq!((f.n, f.k, f.p_value), (0, 0, 1.0));
        assert!(f.statistic.is_nan() && f.best().is_none());
        let ties = friedman(&[vec![1.0; 4], vec![0.5; 4], vec![2.0; 4]]);
        assert_eq!((ties.n, ties.k, ties.p_value), (3, 4, 1.0));
        assert!(ties.statistic.is_nan());
        assert_eq!(conover_vs(&ties, 0), vec![1.0; 4]);
        let one = friedman(&[vec![1.0, 2.0, 3.0]]);
        assert_eq!((one.n, one.p_value), (1, 1.0));
        // Ragged and NaN rows are dropped.
        let f = friedman(&[vec![1.0, 2.0], vec![1.0], vec![f64::NAN, 1.0], vec![2.0, 1.0], vec![1.0, 3.0]]);
        assert_eq!((f.n, f.rank_sums.clone()), (3, vec![4.0, 5.0]));
        assert_eq!(conover_vs(&f, 7), vec![1.0, 1.0]);
    }

    #[test]
    fn conover_identical_rankings_have_zero_se() {
        let blocks = vec![vec![1.0, 2.0, 3.0], vec![0.1, 0.2, 0.3], vec![5.0, 6.0, 7.0]];
        let f = friedman(&blocks);
        assert_eq!(f.best(), Some(0));
        assert_eq!(conover_vs(&f, 0), vec![1.0, 0.0, 0.0]);
    }
}
