//! The modified Lentz method for continued fractions, shared by the incomplete gamma function and
//! the normal distribution's upper tail (the incomplete beta has its own, in double-double).

/// Lentz's guard against a zero denominator.
pub(super) const TINY: f64 = 1e-300;
/// Cap on the incomplete-gamma and normal series and continued fractions (they need ~9√a steps near x = a,
/// 27,000 at a = 10⁷, above which Temme's expansion takes over). Past a cap the current estimate is returned.
pub(super) const MAX_ITER: usize = 100_000;

/// The continued fraction `1/(b_0 + a_1/(b_1 + a_2/(b_2 + ⋯)))` with `b_i = b_0 + i·step` and
/// `a_i = an(i)`, by the modified Lentz method (terms guarded against a zero denominator with
/// [`TINY`], at most [`MAX_ITER`] of them, stopping when a step changes the value by less than ε).
pub(super) fn lentz(b0: f64, step: f64, an: impl Fn(f64) -> f64) -> f64 {
    let mut b = b0;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = an(i as f64);
        b += step;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}
