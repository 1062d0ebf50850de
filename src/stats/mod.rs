//! Statistics, one home for each: the description of a sample that the summary tables and the
//! report show ([`describe()`]), the quantiles behind their confidence intervals ([`quantile`]), the
//! tests a race eliminates candidates with ([`friedman`]: Friedman and Conover's post-hoc;
//! [`paired`]: Wilcoxon's signed-rank test, the paired t-test, Holm's correction) and the
//! distributions under them ([`distributions`], on [`gamma`], [`beta`] and [`normal`]); and the plain helpers and
//! Welch's interval that tests compare distributions with.
//!
//! The racing tests are checked against scipy, scikit-posthocs, statsmodels and mpmath on fixtures
//! made by `tools/stats_fixtures/make_fixtures.py` (`tests/stats_fixtures.rs`).

pub mod beta;
pub mod describe;
pub mod distributions;
pub mod friedman;
pub mod gamma;
mod lentz;
pub mod normal;
pub mod paired;
pub mod quantile;

pub use describe::{Describe, describe};
pub use quantile::{normal_quantile, t_quantile};

/// Arithmetic mean (NaN for an empty slice).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n - 1 in the denominator; NaN below two values).
pub fn sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

/// Welch's comparison of two means: the difference `mean(a) - mean(b)`, its standard error, the
/// Welch–Satterthwaite degrees of freedom, and the half-width of its two-sided `level` interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub diff: f64,
    pub se: f64,
    pub df: f64,
    pub half_width: f64,
}

pub fn welch(a: &[f64], b: &[f64], level: f64) -> Welch {
    let (va, vb) = (sd(a).powi(2) / a.len() as f64, sd(b).powi(2) / b.len() as f64);
    let se = (va + vb).sqrt();
    let df = (va + vb).powi(2) / (va * va / (a.len() as f64 - 1.0) + vb * vb / (b.len() as f64 - 1.0));
    let df = if df.is_finite() { df } else { f64::INFINITY };
    let t = t_quantile(0.5 + level / 2.0, df);
    Welch { diff: mean(a) - mean(b), se, df, half_width: t * se }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sd_by_hand() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), 5.0);
        assert!((sd(&xs) - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn welch_by_hand() {
        let w = welch(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0, 8.0], 0.95);
        // va = 1/3, vb = (20/3)/4 = 5/3
        assert!((w.se - 2.0f64.sqrt()).abs() < 1e-15);
        assert_eq!(w.diff, -3.0);
        let df = 4.0 / ((1.0 / 9.0) / 2.0 + (25.0 / 9.0) / 3.0);
        assert!((w.df - df).abs() < 1e-12);
    }
}
