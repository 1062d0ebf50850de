//! The normal distribution and the error function, in double precision: `Φ(z) − ½` by its series
//! below |z| = 1, the upper tail by the even part of Laplace's continued fraction beyond (see
//! [`super::distributions`] for the accuracy), with `e^(−z²/2)` split so that the rounding of `z²`
//! does not enter.

use super::lentz::lentz;

/// 1/√(2π).
pub(super) const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// 1/√π.
pub(super) const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// `e^(−s w²)` for w ≥ 0 and s = ½ or 1, with `w²` split as `h² + (w − h)(w + h)`, `h = ⌊16 w⌋/16`: `s h²` is
/// exact (h has 4 fractional bits), so the rounding of the square does not enter (see module doc).
pub(super) fn exp_neg_sq(w: f64, s: f64) -> f64 {
    let h = (w * 16.0).floor() / 16.0;
    (-s * h * h).exp() * (-s * (w - h) * (w + h)).exp()
}

/// `Φ(z) − ½ = φ(z) Σ_n z^(2n+1)/(1·3⋯(2n+1))` written with `z2 = z²` and `zphi = z φ(z)`.
pub(super) fn normal_central(z2: f64, zphi: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    // z² < 1 here (or 2x² < 1): ~12 terms; the bound only guards the loop.
    for k in 1..100 {
        term *= z2 / (2 * k + 1) as f64;
        sum += term;
        if term <= 1e-17 * sum {
            break;
        }
    }
    zphi * sum
}

/// Upper tail `Q(z) = z φ(z) / (z² + 1 − 1·2/(z² + 5 − 3·4/(z² + 9 − ⋯)))` for z ≥ 1 (≈ 160 steps at z = 1,
/// 25 at z = 3), from `z2 = z²` and `zphi = z φ(z)`.
pub(super) fn normal_upper_cf(z2: f64, zphi: f64) -> f64 {
    zphi * lentz(z2 + 1.0, 4.0, |i| -(2.0 * i - 1.0) * (2.0 * i))
}

/// Below this |z| the central series is used, above it the tail fraction; at 1 the series side loses
/// at most a factor 3 (Q(1) = 0.16 = 0.5 − 0.34) and the fraction needs ~160 steps.
pub(super) const NORMAL_SWITCH: f64 = 1.0;

/// `(Φ(z), 1 − Φ(z))` for z ≥ 0.
pub(super) fn normal_pair_nonneg(z: f64) -> (f64, f64) {
    if z.is_infinite() {
        return (1.0, 0.0);
    }
    let z2 = z * z;
    let zphi = z * FRAC_1_SQRT_2PI * exp_neg_sq(z, 0.5);
    if z < NORMAL_SWITCH {
        let c = normal_central(z2, zphi);
        (0.5 + c, 0.5 - c)
    } else {
        let q = normal_upper_cf(z2, zphi);
        (1.0 - q, q)
    }
}

/// Standard normal distribution function `Φ(z)`, accurate relative to itself in the lower tail
/// (down to the smallest subnormal); NaN for NaN.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z >= 0.0 { normal_pair_nonneg(z).0 } else { normal_pair_nonneg(-z).1 }
}

/// Standard normal survival function `1 − Φ(z) = Φ(−z)`, accurate in the upper tail; NaN for NaN.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    normal_cdf(-z)
}

/// `(erf(x), erfc(x))` for x ≥ 0: `erfc(x) = 2 Q(√2 x)`, with z² = 2x² and z φ(z) = x e^(−x²)/√π.
pub(super) fn erf_pair_nonneg(x: f64) -> (f64, f64) {
    if x.is_infinite() {
        return (1.0, 0.0);
    }
    let z2 = 2.0 * x * x;
    let zphi = x * FRAC_1_SQRT_PI * exp_neg_sq(x, 1.0);
    if z2 < NORMAL_SWITCH * NORMAL_SWITCH {
        let c = 2.0 * normal_central(z2, zphi);
        (c, 1.0 - c)
    } else {
        let q = 2.0 * normal_upper_cf(z2, zphi);
        (1.0 - q, q)
    }
}

/// Error function; NaN for NaN.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 { erf_pair_nonneg(x).0 } else { -erf_pair_nonneg(-x).0 }
}

/// Complementary error function `1 − erf(x)`, accurate relative to itself for large x; NaN for NaN.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 { erf_pair_nonneg(x).1 } else { 1.0 + erf_pair_nonneg(-x).0 }
}
