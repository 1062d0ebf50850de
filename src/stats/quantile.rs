//! Small statistics: means, standard deviations, Student's t quantiles, Welch's interval.

/// Arithmetic mean (NaN for an empty slice).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n - 1 in the denominator; NaN below two values).
pub fn sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

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
pub fn ln_gamma(x: f64) -> f64 {
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
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum: f64 = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Density of Student's t distribution with `df` degrees of freedom.
pub fn t_density(x: f64, df: f64) -> f64 {
    let ln_c = ln_gamma((df + 1.0) / 2.0) - ln_gamma(df / 2.0) - 0.5 * (df * std::f64::consts::PI).ln();
    (ln_c - (df + 1.0) / 2.0 * (1.0 + x * x / df).ln()).exp()
}

/// Cumulative distribution of Student's t (Simpson's rule on the density, 2,000 intervals:
/// absolute error far below 1e-9 for the quantiles confidence intervals use).
pub fn t_cdf(x: f64, df: f64) -> f64 {
    let n = 2000;
    let h = x / n as f64;
    let mut sum = t_density(0.0, df) + t_density(x, df);
    for i in 1..n {
        sum += t_density(i as f64 * h, df) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    0.5 + sum * h / 3.0
}

/// Quantile `p` of Student's t distribution with `df` (> 0, not necessarily whole) degrees of
/// freedom: Hill's (1970) expansion, exact enough from 30 degrees of freedom on (error < 1e-5), then
/// refined by Newton's method on [`t_cdf`] below that, where the expansion is off (by 11% at 1
/// degree of freedom).
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
            let step = (t_cdf(x, df) - p) / t_density(x, df);
            x -= step;
            if step.abs() < 1e-12 * x.abs().max(1.0) {
                break;
            }
        }
    }
    x
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
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.995) - 2.5758293035489).abs() < 1e-8);
        assert!((normal_quantile(0.01) + 2.3263478740408408).abs() < 1e-8);
    }

    #[test]
    fn t_quantiles_match_tables() {
        // R: qt(0.975, c(5, 10, 30)), qt(0.995, 20)
        for (p, df, want) in
            [(0.975, 5.0, 2.570582), (0.975, 10.0, 2.228139), (0.975, 30.0, 2.042272), (0.995, 20.0, 2.845340)]
        {
            let got = t_quantile(p, df);
            assert!((got - want).abs() < 2e-3, "qt({p}, {df}) = {got}, want {want}");
        }
    }

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
