//! The description of one sample (a configuration's replicates, or the runs at one value of an
//! axis): count, mean, standard deviation, standard error and the 95% confidence interval of the
//! mean (Student's t, `n - 1` degrees of freedom).
//!
//! ```text
//! mean = (x_1 + ... + x_n) / n                    summed with Kahan's compensation, in order
//! sd   = sqrt(M2 / (n - 1))                       M2 by Welford's update, in order (n >= 2)
//! se   = sd / sqrt(n)
//! ci   = mean -/+ t_{0.975, n-1} * se             (n >= 2 and sd finite)
//! ```
//!
//! The summation orders and updates are exactly those of polars' group-by `mean` and `std`
//! (`KahanSum`, `online_variance`), which computed the summary tables before this module did:
//! tables written by either give the same bits (checked on the results of the older build).

use super::quantile::t_quantile;

/// Count, mean, sd, se and 95% CI of a sample; what needs two values is `None` below two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Describe {
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub se: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

/// Describe the values, in the order given.
pub fn describe(values: impl IntoIterator<Item = f64>) -> Describe {
    let (mut n, mut sum, mut err) = (0u64, 0.0f64, 0.0f64);
    let (mut w_mean, mut m2) = (0.0f64, 0.0f64);
    for x in values {
        // Kahan's compensated sum (polars_utils::kahan_sum::KahanSum).
        let y = x - err;
        let new_sum = sum + y;
        let new_err = (new_sum - sum) - y;
        sum = new_sum;
        if new_err.is_finite() {
            err = new_err;
        }
        // Welford's update (polars_arrow::legacy::kernels::take_agg::var::online_variance).
        n += 1;
        let delta_1 = x - w_mean;
        w_mean += delta_1 / n as f64;
        m2 += delta_1 * (x - w_mean);
    }
    let mean = (n > 0).then(|| sum / n as f64);
    let sd = (n > 1).then(|| (m2 / (n as f64 - 1.0)).sqrt());
    let (se, ci95) = match (mean, sd) {
        (Some(m), Some(s)) if s.is_finite() => {
            let se = s / (n as f64).sqrt();
            let half = t_quantile(0.975, (n - 1) as f64) * se;
            (Some(se), Some((m - half, m + half)))
        }
        _ => (None, None),
    };
    Describe { n, mean, sd, se, ci95 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        let d = describe([0.5, 0.6, 0.7]);
        assert_eq!(d.n, 3);
        assert!((d.mean.unwrap() - 0.6).abs() < 1e-15);
        assert!((d.sd.unwrap() - 0.1).abs() < 1e-15);
        let se = 0.1 / 3f64.sqrt();
        assert!((d.se.unwrap() - se).abs() < 1e-15);
        // t_{0.975, 2} = 4.302652729911275 (scipy.stats.t.ppf); `t_quantile` is within 1e-10 of it
        // below 30 degrees of freedom (see its tests).
        let (lo, hi) = d.ci95.unwrap();
        let half = 4.302652729911275 * se;
        assert!((hi - 0.6 - half).abs() < 1e-10 && (0.6 - lo - half).abs() < 1e-10, "{lo} {hi} {half}");
    }

    #[test]
    fn one_value_has_a_mean_only_and_none_has_nothing() {
        assert_eq!(describe([0.25]), Describe { n: 1, mean: Some(0.25), sd: None, se: None, ci95: None });
        assert_eq!(describe([]), Describe { n: 0, mean: None, sd: None, se: None, ci95: None });
    }

    #[test]
    fn the_sum_is_compensated() {
        // 1 + 1e-16 (ten times) in plain summation stays 1; Kahan keeps the 1e-15.
        let xs: Vec<f64> = std::iter::once(1.0).chain(std::iter::repeat_n(1e-16, 10)).collect();
        let plain: f64 = xs.iter().sum();
        assert_eq!(plain, 1.0);
        assert_eq!(describe(xs).mean.unwrap(), (1.0 + 1e-15) / 11.0);
    }
}
