//! Quantiles of the normal and Student's t distributions, as the summary tables' confidence
//! intervals use them. Their arithmetic is part of what a results directory records: changing a
//! single bit here changes `summary` tables, so `harness verify` of older results would fail. (The
//! accurate distributions of the racing tests are in [`super::distributions`]; the Lanczos gamma
//! and Simpson integral here stay because the quantile's bits depend on them.)

/// Quantile `p` (0 < p < 1) of the standard normal distribution (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Natural logarithm of the gamma function (Lanczos, g = 7: ~15 significant digits for x > 0).
fn lanczos_ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - lanczos_ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum: f64 = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Density of Student's t distribution with `df` degrees of freedom.
fn t_density(x: f64, df: f64) -> f64 {
    let ln_c = lanczos_ln_gamma((df + 1.0) / 2.0) - lanczos_ln_gamma(df / 2.0) - 0.5 * (df * std::f64::consts::PI).ln();
    (ln_c - (df + 1.0) / 2.0 * (1.0 + x * x / df).ln()).exp()
}

/// Cumulative distribution of Student's t (Simpson's rule on the density, 2,000 intervals:
/// absolute error far below 1e-9 for the quantiles confidence intervals use).
fn simpson_t_cdf(x: f64, df: f64) -> f64 {
    let n = 2000;
    let h = x / n as f64;
    let mut sum = t_density(0.0, df) + t_density(x, df);
    for i in 1..n {
        sum += t_density(i as f64 * h, df) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    0.5 + sum * h / 3.0
}

/// Quantile `p` of Student's t distribution with `df` (> 0, not necessarily whole) degrees of
/// freedom: Hill's (1970) expansion; below 30 degrees of freedom, where the expansion is off (by
/// 11% at 1 degree of freedom), refined by Newton's method on `simpson_t_cdf` until a
/// step is below 1e-12 relative.
///
/// Its accuracy, measured against 40-digit values (mpmath) on a grid of p from 0.5 + 1e-6 to
/// 0.9995 and pinned by `tests/stats_fixtures.rs`: below 30 degrees of freedom 1.2e-10 absolute,
/// 5.5e-11 relative; from 30 on, where Hill's expansion is used alone, 1.0e-6 relative (at 30 and
/// p = 0.9995; 2e-9 at the 0.975 of a 95% interval with 63); at 1 degree of freedom the Simpson
/// integral limits the far tail (p = 0.9995 is 7% off), while p <= 0.995 is within 1.5e-13.
/// The summary tables' intervals use p = 0.975. It is kept as it is, bit for bit: every recorded
/// `summary` table's intervals were computed by it (see the module doc).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return normal_quantile(p);
    }
    let z = normal_quantile(p);
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
    let g4 = (79.0 * z.powi(9) + 776.0 * z.powi(7) + 1482.0 * z.powi(5) - 1920.0 * z.powi(3) - 945.0 * z) / 92160.0;
    let mut x = z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + g4 / df.powi(4);
    if df < 30.0 {
        if df <= 1.0 {
            x = (std::f64::consts::PI * (p - 0.5)).tan() * df.max(0.5); // start near the Cauchy quantile
        }
        for _ in 0..50 {
            let step = (simpson_t_cdf(x, df) - p) / t_density(x, df);
            x -= step;
            if step.abs() < 1e-12 * x.abs().max(1.0) {
                break;
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.995) - 2.5758293035489).abs() < 1e-8);
        assert!((normal_quantile(0.01) + 2.3263478740408408).abs() < 1e-8);
    }

    /// At the 0.975 of a 95% interval, to the accuracy documented above (scipy.stats.t.ppf values);
    /// df = 1 is two replicates.
    #[test]
    fn t_quantiles_for_95_percent_intervals() {
        for (df, want, tol) in [
            (1.0, 12.706204736174694, 1e-12),
            (2.0, 4.302652729749462, 1e-10),
            (5.0, 2.5705818356363146, 1e-10),
            (10.0, 2.228138851986274, 1e-10),
            (29.0, 2.045229642132703, 1e-10),
            (30.0, 2.0422724563012378, 1e-6),
            (63.0, 1.998340542520741, 1e-8),
            (1000.0, 1.9623390808264083, 1e-8),
        ] {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() <= tol * want, "qt(0.975, {df}) = {got}, want {want}");
        }
        let got = t_quantile(0.995, 20.0);
        assert!((got - 2.8453397097861077).abs() < 1e-9, "{got}");
    }
}
