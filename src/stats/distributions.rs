//! The distributions the racing tests need, in double precision, std only: normal (and `erf`),
//! Student's t, chi-square. The special functions under them are in [`super::gamma`] and
//! [`super::beta`].
//!
//!   `beta_cf`: for large a and x near 1 plain doubles lose 5e−13).
//! - Normal: `Φ(z) − ½ = φ(z) Σ_n z^(2n+1) / (1·3⋯(2n+1))` (all terms positive) for |z| < 1 and, beyond, the
//!   upper tail `Q(z) = z φ(z) / (z² + 1 − 1·2/(z² + 5 − 3·4/(z² + 9 − ⋯)))` (even part of Laplace's continued
//!   fraction for Mills' ratio). `e^(−z²/2)` is evaluated as `e^(−h²/2) e^(−(z−h)(z+h)/2)` with `h = ⌊16 z⌋/16`,
//!   so that `h²` is exact: otherwise the rounding of `z²` alone costs `z² ε` relative (1e−14 at z = 7).
//!   `erf`/`erfc` use the same code with `z = √2 x` (written in terms of x so that no rounding of √2 x enters).
//! - Student's t: `P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½)` for t > 0 (both `ν/(ν+t²)` and `t²/(ν+t²)` are passed on,
//!   so that neither is formed as 1 − the other); ν need not be whole; ν = ∞ is the normal.
//! - Chi-square: `P(X > x) = Q(ν/2, x/2)`.
//!
//! Accuracy (tests/fixtures.rs, against 40-digit mpmath values and scipy): relative error below 2.5e−14 for
//! values ≥ 1e−12 over the tested grid (t with ν = 1…10⁴, chi-square up to ν = 2·10⁸, a and b up to 5000 in
//! I_x), and below 1e−13 + 4ε|ln v| for tail values v down to 1e−300 (the last term is the rounding of the
//! exponent itself, unavoidable in double precision). Invalid arguments (NaN, a ≤ 0, x outside the support)
//! give NaN; no function panics, and every loop is bounded.

use super::beta::beta_inc_pair;
pub use super::beta::{beta_inc, beta_inc_c};
pub use super::gamma::{gamma_p, gamma_q, ln_gamma, stirling_remainder};
pub use super::normal::{erf, erfc, normal_cdf, normal_sf};

/// `P(T > |t|)` for Student's t with `df` degrees of freedom (df > 0 finite, t finite and nonzero).
pub(super) fn t_upper_abs(t: f64, df: f64) -> f64 {
    let t = t.abs();
    let a = 0.5 * df;
    if t < 1e150 {
        // x = ν/(ν+t²), y = t²/(ν+t²), each within a couple of roundings.
        let t2 = t * t;
        let s = df + t2;
        return 0.5 * beta_inc_pair(a, 0.5, df / s, t2 / s).0;
    }
    // t² would overflow: work with r = √ν/t. If r² is not negligible (ν itself astronomically large) the
    // ratios are r²/(1+r²) and 1/(1+r²). Otherwise x = r²/(1+r²) may underflow although x^(ν/2) does not
    // (ν = 1, t = 1e200: P = 3e−201), so use the first term of the incomplete beta series,
    // I_x(a, ½) = x^a / (a B(a, ½)) (1 + O(x)), in logarithms; the O(x) terms are below 1e−20 relative.
    let r = df.sqrt() / t;
    if r > 1e-10 {
        let r2 = r * r;
        return 0.5 * beta_inc_pair(a, 0.5, r2 / (1.0 + r2), 1.0 / (1.0 + r2)).0;
    }
    let ln_x = 2.0 * r.ln();
    let ln_beta = ln_gamma(a) + ln_gamma(0.5) - ln_gamma(a + 0.5);
    0.5 * (a * ln_x - a.ln() - ln_beta).exp()
}

/// Survival function `P(T > t)` of Student's t distribution with `df` > 0 degrees of freedom (not necessarily
/// whole; `f64::INFINITY` gives the normal). NaN for NaN arguments or df ≤ 0.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() {
        return normal_sf(t);
    }
    if t == 0.0 {
        return 0.5;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let tail = t_upper_abs(t, df);
    if t > 0.0 { tail } else { 1.0 - tail }
}

/// Distribution function `P(T ≤ t)` of Student's t; see [`t_sf`].
pub fn t_cdf(t: f64, df: f64) -> f64 {
    t_sf(-t, df)
}

/// Survival function `P(X > x)` of the chi-square distribution with `df` > 0 degrees of freedom
/// (1 for x ≤ 0; NaN for NaN arguments, df ≤ 0 or df = ∞).
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 || df.is_infinite() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(0.5 * df, 0.5 * x)
}

/// Distribution function `P(X ≤ x)` of the chi-square distribution; see [`chi_square_sf`].
pub fn chi_square_cdf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 || df.is_infinite() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    gamma_p(0.5 * df, 0.5 * x)
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        if a == b { 0.0 } else { ((a - b) / b).abs() }
    }

    #[test]
    fn closed_forms() {
        // Γ(n) = (n−1)!, Γ(½) = √π, Cauchy tail, exponential tail, normal at 0.
        assert_eq!(ln_gamma(1.0), 0.0);
        assert_eq!(ln_gamma(2.0), 0.0);
        assert!(rel(ln_gamma(5.0), 24f64.ln()) < 4e-16);
        assert!(rel(ln_gamma(0.5), PI.sqrt().ln()) < 4e-16);
        assert!(rel(t_sf(3.0, 1.0), 0.5 - 3f64.atan() / PI) < 1e-15);
        assert!(rel(chi_square_sf(7.0, 2.0), (-3.5f64).exp()) < 1e-15);
        assert_eq!(normal_cdf(0.0), 0.5);
        // t with 2 df: P(T > t) = ½ (1 − t/√(t² + 2)).
        let t: f64 = 40.0;
        let want = 0.5 * (1.0 - t / (t * t + 2.0).sqrt());
        assert!(rel(t_sf(t, 2.0), want) < 1e-13, "{} vs {want}", t_sf(t, 2.0));
    }

    #[test]
    fn degenerate_arguments_do_not_panic() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, -1.0, 1e-300, 1e300, f64::MIN_POSITIVE] {
            for w in [f64::NAN, f64::INFINITY, 0.0, -1.0, 1e-300, 0.5, 1.0, 1e300] {
                let _ = (ln_gamma(v), stirling_remainder(v), gamma_p(v, w), gamma_q(w, v), beta_inc(v, w, 0.3));
                let _ = (beta_inc(0.5, 0.5, v), beta_inc_c(v, w, v), t_sf(v, w), t_cdf(w, v));
                let _ = (chi_square_sf(v, w), normal_cdf(v), normal_sf(v), erf(v), erfc(v));
            }
        }
        assert!(t_sf(1.0, 0.0).is_nan());
        assert_eq!(t_sf(f64::INFINITY, 3.0), 0.0);
        assert_eq!(chi_square_sf(-1.0, 3.0), 1.0);
        assert_eq!(normal_sf(f64::NEG_INFINITY), 1.0);
        assert_eq!(ln_gamma(-2.0), f64::INFINITY);
    }
}
