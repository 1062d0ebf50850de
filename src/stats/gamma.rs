//! The gamma function and the regularized incomplete gamma function, in double precision, std only
//! (for [`super::distributions`]'s chi-square).
//!
//! - `ln_gamma(x) = ln |Γ(x)|`. Near its roots (x = 1, 2) a Taylor series about 2,
//!   `ln Γ(2 + z) = (1 − γ) z + Σ_{k≥2} (−1)^k (ζ(k) − 1) z^k / k` for |z| ≤ 1/2 (coefficients from mpmath),
//!   with `ln Γ(1 + z) = ln Γ(2 + z) − ln(1 + z)`; on [2.5, 10) the recurrence `Γ(x) = (x − 1) Γ(x − 1)` brings
//!   x down to [1.5, 2.5); from 10 on, Stirling's series
//!   `ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + δ(x)`,
//!   `δ(x) = Σ_k B_2k / (2k (2k − 1) x^(2k−1)) = 1/(12x) − 1/(360x³) + …`; below 0, the reflection formula.
//!   Relative error a few ulp, including next to the roots (a Lanczos sum only has absolute accuracy there).
//! - The Stirling remainder `δ(x)` itself for every x > 0 (series for x ≥ 10; for 1 ≤ x < 10 upward recurrence
//!   `δ(x) = δ(x + 1) + (x + ½) ln(1 + 1/x) − 1`, the last two terms summed as `Σ_{j≥1} u^(2j)/(2j + 1)` with
//!   `u = 1/(2x + 1)`, which has no cancellation). It lets the prefactors below be computed without subtracting
//!   huge logarithms: `x^a e^(−x) / Γ(a)` and `x^a y^b / B(a, b)` are written as
//!   `√(a/2π) exp(−a·φ((x − a)/a) − δ(a))` and
//!   `√(ab/(2π(a+b))) exp(−a·φ(−λ/a) − b·φ(λ/b) + δ(a+b) − δ(a) − δ(b))`, where `φ(e) = e − ln(1 + e) ≥ 0`
//!   and `λ = a − (a+b) x` (DiDonato & Morris, ACM TOMS 708, 1992). A naive `a ln x − x − ln Γ(a)` loses about
//!   `a·ε` relative accuracy, 1e−12 at a = 5000 (chi-square with 1e4 degrees of freedom).
//! - Regularized incomplete gamma `P(a, x) = γ(a, x)/Γ(a)`, `Q = 1 − P`: the series
//!   `P = x^a e^(−x)/Γ(a) · Σ_n x^n / (a (a+1) ⋯ (a+n))` for x < a + 1, else Legendre's continued fraction
//!   `Q = x^a e^(−x)/Γ(a) · 1/(x + 1 − a − 1(1 − a)/(x + 3 − a − 2(2 − a)/(x + 5 − a − ⋯)))` (modified Lentz).
//!   The function that is not summed directly is one minus the other, which is then not small: each side keeps
//!   its relative accuracy where it matters. From a = 10⁷ on, where those need tens of thousands of steps,
//!   Temme's uniform asymptotic expansion `Q = ½ erfc(η √(a/2)) + e^(−aη²/2)/√(2πa) (C₀(η) + C₁(η)/a)`,

use std::f64::consts::PI;

use super::lentz::{MAX_ITER, lentz};
use super::normal::erfc;

/// ln √(2π).
pub(super) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `(ζ(k) − 1)(−1)^k / k` for k = 2, 3, …, 30: Taylor coefficients of `ln Γ(2 + z) − (1 − γ) z`
/// (computed with mpmath at 50 digits, printed with Python's shortest round-trip repr).
pub(super) const LN_GAMMA_2_COEF: [f64; 29] = [
    0.3224670334241132,
    -0.0673523010531981,
    0.020580808427784546,
    -0.007385551028673986,
    0.0028905103307415234,
    -0.001192753911703261,
    0.0005096695247430425,
    -0.00022315475845357939,
    9.945751278180853e-05,
    -4.492623673813314e-05,
    2.050721277567069e-05,
    -9.439488275268397e-06,
    4.374866789907488e-06,
    -2.039215753801366e-06,
    9.55141213040742e-07,
    -4.492469198764566e-07,
    2.1207184805554665e-07,
    -1.0043224823968099e-07,
    4.7698101693639804e-08,
    -2.2711094608943164e-08,
    1.0838659214896955e-08,
    -5.183475041970047e-09,
    2.4836745438024785e-09,
    -1.1921401405860912e-09,
    5.731367241678862e-10,
    -2.7595228851242334e-10,
    1.330476437424449e-10,
    -6.4229645638381e-11,
    3.1044247747322276e-11,
];
/// 1 − γ (Euler–Mascheroni).
pub(super) const ONE_MINUS_EULER: f64 = 0.42278433509846713;

/// `ln Γ(2 + z)` for |z| ≤ 1/2 (the series converges for |z| < 2; at 1/2 the last term is below 1e−19).
pub(super) fn ln_gamma_2p(z: f64) -> f64 {
    let poly = LN_GAMMA_2_COEF.iter().rev().fold(0.0, |acc, &c| acc * z + c);
    z * (ONE_MINUS_EULER + z * poly)
}

/// `ln Γ(1 + z)` for |z| ≤ 1/2. `ln Γ(2+z) ≈ 0.42 z` and `ln(1+z) ≈ z` cancel only to `−0.58 z`: < 2 ulp lost.
pub(super) fn ln_gamma_1p(z: f64) -> f64 {
    ln_gamma_2p(z) - z.ln_1p()
}

/// `sin(πx)` with the argument reduced first, so that it is exactly 0 at the integers.
pub(super) fn sin_pi(x: f64) -> f64 {
    let r = x.rem_euclid(2.0); // in [0, 2)
    if r == 0.0 || r == 1.0 {
        return 0.0;
    }
    (PI * r).sin()
}

/// `ln |Γ(x)|`. `+∞` at the poles (0, −1, −2, …) and at ±∞, NaN for NaN (as scipy's `gammaln`).
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        // Γ(x) Γ(1 − x) = π / sin(πx).
        return (PI / sin_pi(x).abs()).ln() - ln_gamma(1.0 - x);
    }
    if x < 0.5 {
        // Γ(x) = Γ(1 + x)/x; x itself is the series variable, so nothing is rounded before the series.
        return ln_gamma_1p(x) - x.ln();
    }
    if x < 1.5 {
        return ln_gamma_1p(x - 1.0); // exact subtraction (Sterbenz)
    }
    if x < 2.5 {
        return ln_gamma_2p(x - 2.0);
    }
    if x < 10.0 {
        // Γ(x) = (x−1)(x−2)⋯(x−m) Γ(x − m) with x − m in [1.5, 2.5); every x − i is exact and positive.
        let mut y = x;
        let mut prod = 1.0;
        while y >= 2.5 {
            y -= 1.0;
            prod *= y;
        }
        return ln_gamma_2p(y - 2.0) + prod.ln();
    }
    // Stirling; written x (ln x − 1) − ½ ln x so that it overflows only when the result does.
    let l = x.ln();
    x * (l - 1.0) - 0.5 * l + LN_SQRT_2PI + stirling_remainder(x)
}

/// Stirling's remainder `δ(x) = ln Γ(x) − (x − ½) ln x + x − ½ ln 2π` for x > 0 (NaN otherwise),
/// to a few ulp of absolute error everywhere (that is what its users, exponents, need).
pub fn stirling_remainder(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x >= 10.0 {
        // Σ B_2k / (2k(2k−1) x^(2k−1)), k = 1..8; at x = 10 the first omitted term is 3e−17 absolute.
        const B: [f64; 8] = [
            1.0 / 12.0,
            -1.0 / 360.0,
            1.0 / 1260.0,
            -1.0 / 1680.0,
            1.0 / 1188.0,
            -691.0 / 360_360.0,
            1.0 / 156.0,
            -3617.0 / 122_400.0,
        ];
        let w = 1.0 / (x * x);
        let s = B.iter().rev().fold(0.0, |acc, &c| acc * w + c);
        return s / x;
    }
    if x >= 1.0 {
        // δ(x) = δ(x + 1) + g(x), g(x) = (x + ½) ln(1 + 1/x) − 1 = Σ_{j≥1} u^(2j)/(2j+1), u = 1/(2x+1) ≤ 1/3.
        let mut y = x;
        let mut sum = 0.0;
        while y < 10.0 {
            let u = 1.0 / (2.0 * y + 1.0);
            let u2 = u * u;
            let mut p = u2;
            let mut g = 0.0;
            // u² ≤ 1/9: at most ~18 terms.
            for j in 1..60 {
                let term = p / (2 * j + 1) as f64;
                g += term;
                if term < 1e-17 * g {
                    break;
                }
                p *= u2;
            }
            sum += g;
            y += 1.0;
        }
        return sum + stirling_remainder(y);
    }
    // 0 < x < 1: straight from the definition with Γ(x) = Γ(1+x)/x; the terms are of the size of the result.
    ln_gamma_1p(x) - (x + 0.5) * x.ln() + x - LN_SQRT_2PI
}

/// `e − ln(1 + e)` for e > −1, without the cancellation of the direct formula when |e| is small.
pub(super) fn log1pmx_neg(e: f64) -> f64 {
    if e.is_nan() || e.abs() > 0.5 {
        return e - e.ln_1p();
    }
    // With r = e/(2+e): ln(1+e) = 2 atanh r = 2(r + r³/3 + …) and e − 2r = r e, so
    // e − ln(1+e) = r e − 2 Σ_{j≥1} r^(2j+1)/(2j+1); |r| ≤ 1/3 and the two parts differ by a factor ≥ 6.
    let r = e / (2.0 + e);
    let r2 = r * r;
    let mut p = r * r2;
    let mut s = 0.0;
    // |r| ≤ 1/3: at most ~17 terms; the bound only guards the loop.
    for j in 1..60 {
        let term = p / (2 * j + 1) as f64;
        s += term;
        if term.abs() <= 1e-17 * s.abs() {
            break;
        }
        p *= r2;
    }
    r * e - 2.0 * s
}

/// `x^a e^(−x) / Γ(a)` for a > 0, x > 0 (finite), computed as `√(a/2π) exp(−a φ((x−a)/a) − δ(a))`.
pub(super) fn gamma_prefix(a: f64, x: f64) -> f64 {
    let e = (x - a) / a;
    let expo = if e.abs() <= 0.5 {
        -a * log1pmx_neg(e)
    } else {
        // a (ln(x/a) − e) = a ln(x/a) − (x − a); the ratio x/a is formed directly (1 + e would be rounded).
        let ln_ratio = if x / a > 0.0 && (x / a).is_finite() { (x / a).ln() } else { x.ln() - a.ln() };
        a * ln_ratio - (x - a)
    };
    (0.5 * (a / (2.0 * PI)).ln() + expo - stirling_remainder(a)).exp()
}

/// From this a on, the incomplete gamma functions use Temme's expansion: the series and the continued fraction
/// need ~9√a steps near x = a (27,000 at 10⁷), and the expansion's first omitted term, C₂/a² ≈ 4e−3/a², is
/// below 1e−16 relative there.
pub(super) const TEMME_MIN_A: f64 = 1e7;

/// Taylor coefficients in η of Temme's C₀(η) = 1/(λ−1) − 1/η and C₁(η) = 1/η³ − 1/(λ−1)³ − 1/(λ−1)² − 1/(12(λ−1))
/// (exact rationals −1/3, 1/12, −2/135, … and −1/540, −1/288, 1/378, … obtained by series reversion of
/// λ − 1 − ln λ = η²/2 with sympy; they match DiDonato & Morris's tables D0 and D1).
pub(super) const TEMME_C0: [f64; 12] = [
    -0.3333333333333333,
    0.08333333333333333,
    -0.014814814814814815,
    0.0011574074074074073,
    0.0003527336860670194,
    -0.0001787551440329218,
    3.919263178522438e-05,
    -2.185448510679992e-06,
    -1.85406221071516e-06,
    8.296711340953087e-07,
    -1.7665952736826078e-07,
    6.707853543401498e-09,
];
pub(super) const TEMME_C1: [f64; 10] = [
    -0.001851851851851852,
    -0.003472222222222222,
    0.0026455026455026454,
    -0.0009902263374485596,
    0.00020576131687242798,
    -4.018775720164609e-07,
    -1.8098550334489977e-05,
    7.64916091608111e-06,
    -1.6120900894563446e-06,
    4.647127802807434e-09,
];

/// Temme's uniform asymptotic expansion for large a (Temme 1979; DiDonato & Morris 1986, ACM TOMS 654):
/// with λ = x/a and η = sign(λ − 1) √(2(λ − 1 − ln λ)),
/// `Q(a, x) = ½ erfc(η √(a/2)) + e^(−aη²/2)/√(2πa) (C₀(η) + C₁(η)/a + …)`, `P = ½ erfc(−η √(a/2)) − (same)`.
/// C₀, C₁ from their closed forms for |η| ≥ 0.3 (cancellation there costs at most ~1e−12 in C₁, which is divided
/// by a ≥ 10⁷), else from the Taylor series above.
pub(super) fn gamma_pq_temme(a: f64, x: f64) -> (f64, f64) {
    let mu = (x - a) / a; // λ − 1
    let half_eta2 = log1pmx_neg(mu); // λ − 1 − ln λ ≥ 0
    let eta = (2.0 * half_eta2).sqrt().copysign(mu);
    let (c0, c1) = if eta.abs() < 0.3 {
        let horner = |c: &[f64]| c.iter().rev().fold(0.0, |acc, &k| acc * eta + k);
        (horner(&TEMME_C0), horner(&TEMME_C1))
    } else {
        let c0 = 1.0 / mu - 1.0 / eta;
        let c1 = 1.0 / (eta * eta * eta) - 1.0 / (mu * mu * mu) - 1.0 / (mu * mu) - 1.0 / (12.0 * mu);
        (c0, c1)
    };
    let r = (-a * half_eta2).exp() / (2.0 * PI * a).sqrt() * (c0 + c1 / a);
    let w = eta * (0.5 * a).sqrt();
    let q = (0.5 * erfc(w) + r).clamp(0.0, 1.0);
    let p = (0.5 * erfc(-w) - r).clamp(0.0, 1.0);
    (p, q)
}

/// Regularized incomplete gamma functions `(P(a, x), Q(a, x))`; NaN for a ≤ 0, x < 0 or NaN arguments.
pub(super) fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if a.is_nan() || x.is_nan() || a <= 0.0 || x < 0.0 || a.is_infinite() {
        return (f64::NAN, f64::NAN);
    }
    if x == 0.0 {
        return (0.0, 1.0);
    }
    if x.is_infinite() {
        return (1.0, 0.0);
    }
    if a >= TEMME_MIN_A {
        return gamma_pq_temme(a, x);
    }
    let pre = gamma_prefix(a, x);
    if x < a + 1.0 {
        // P = pre · Σ_n x^n / (a (a+1) ⋯ (a+n)).
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term < sum * f64::EPSILON * 0.5 {
                break;
            }
        }
        let p = (pre * sum).min(1.0);
        (p, 1.0 - p)
    } else {
        // Legendre's continued fraction for Q.
        let h = lentz(x + 1.0 - a, 2.0, |i| -i * (i - a));
        let q = (pre * h).min(1.0);
        (1.0 - q, q)
    }
}

/// Regularized lower incomplete gamma `P(a, x) = γ(a, x)/Γ(a)` (scipy's `gammainc`). a > 0, x ≥ 0, else NaN.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).0
}

/// Regularized upper incomplete gamma `Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x)` (scipy's `gammaincc`), accurate
/// relative to itself however small. a > 0, x ≥ 0, else NaN.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).1
}
