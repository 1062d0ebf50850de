//! `n` additions of the same increment in IEEE double arithmetic, without the loop.
//!
//! brian2 applies a spike's trace increment once per synapse: an output spike adds `1ms/alpha/n_in`
//! to `G.a` `n_in` times, one rounded addition after another, and the rounded result differs from
//! one `+= 1ms/alpha` (enough to move a spike by steps; see `tests/golden.rs`). Done literally that
//! is a chain of `n` dependent additions. [`repeat_add`] gives the same bits in a few operations:
//!
//! Let `x` be a normal positive double in the binade `[2^e, 2^(e+1))`, so `x = X u` with `u = 2^(e-52)`
//! (the binade's ulp) and `X` an integer in `[2^52, 2^53)`, and let `c > 0` with `q = c / u` (exact:
//! `u` is a power of two). While the exact sum stays clear of the binade's top, `fl(x + c)` is
//! `x + R u` where `R` is `q` rounded to the nearest integer, unless `q` is exactly half-way
//! (then ties-to-even depends on `X`'s parity). So `m` additions that stay inside the binade add
//! exactly `m R u`, a single exact operation; the few additions that cross a binade boundary (and
//! any half-way case, subnormal, or sign other than the traces' non-negative values) are done one
//! by one.

/// `x` after `n` rounded additions of `c`: bit for bit `for _ in 0..n { x += c }`.
#[inline]
pub fn repeat_add(mut x: f64, c: f64, mut n: u32) -> f64 {
    // Below this a plain loop is quicker (two independent chains overlap in the pipeline).
    const SMALL: u32 = 16;
    if n <= SMALL || !(c > 0.0 && c.is_finite()) {
        for _ in 0..n {
            x += c;
        }
        return x;
    }
    while n > 0 {
        let exp = (x.to_bits() >> 52) & 0x7ff;
        // Only positive, finite x with a normal ulp (tiny x goes one addition at a time).
        if x.is_sign_negative() || exp <= 52 || exp >= 0x7fe {
            x += c;
            n -= 1;
            continue;
        }
        let ulp = f64::from_bits((exp - 52) << 52); // 2^(e-52)
        let per_ulp = f64::from_bits((2098 - exp) << 52); // 2^(52-e), normal for 53 <= exp < 0x7fe
        let q = c * per_ulp; // exact: a power of two
        if q >= 4503599627370496.0 {
            // c >= 2^52 ulps: every addition leaves the binade.
            x += c;
            n -= 1;
            continue;
        }
        // q < 2^52: the conversion floors exactly (and needs no libm call, unlike f64::floor).
        let floor = (q as u64) as f64;
        let frac = q - floor;
        let r = if frac > 0.5 { floor + 1.0 } else { floor };
        if frac == 0.5 {
            x += c; // ties-to-even depends on the parity of x
            n -= 1;
            continue;
        }
        if r == 0.0 {
            return x; // c is less than half an ulp: every addition leaves x unchanged
        }
        // x = big * ulp with big in [2^52, 2^53); addition k (1-based) computes big + (k-1) r + q,
        // which must stay below 2^53 - 1/2 to round inside the binade; a margin of 2 absorbs the
        // rounding of `room`.
        let big = x * per_ulp;
        let room = 9007199254740990.0 - big - q; // 2^53 - 2 - big - q
        let m = if room < 0.0 { 0 } else { ((room / r) as u64 + 1).min(n as u64) as u32 };
        if m <= 1 {
            x += c;
            n -= 1;
            continue;
        }
        x += (m as f64 * r) * ulp; // exact: a multiple of ulp inside the binade
        n -= m;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    fn looped(mut x: f64, c: f64, n: u32) -> f64 {
        for _ in 0..n {
            x += c;
        }
        x
    }

    #[test]
    fn matches_the_loop_bit_for_bit_on_the_models_increments() {
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        for n_syn in [1u32, 2, 3, 5, 10, 20, 64, 256, 1000] {
            for tau in [1.0, 10.0, 17.3, 100.0, 1000.0] {
                let c = 1.0 / n_syn as f64 / tau;
                for _ in 0..300 {
                    let x = rng.random::<f64>() * 3.0 * rng.random::<f64>().powi(4);
                    let (want, got) = (looped(x, c, n_syn), repeat_add(x, c, n_syn));
                    assert_eq!(want.to_bits(), got.to_bits(), "x={x:e} c={c:e} n={n_syn}: {want:e} vs {got:e}");
                }
            }
        }
    }

    #[test]
    fn matches_the_loop_across_binades_ties_and_edge_values() {
        let mut rng = Pcg64Mcg::seed_from_u64(6);
        let ulp_half = f64::EPSILON / 2.0; // the ulp of numbers in [0.5, 1)
        let mut cases = vec![
            (0.0, 0.1, 100),
            (f64::MIN_POSITIVE / 4.0, 1e-310, 50), // subnormals
            (0.999_999, 1e-7, 1000),               // crosses 1.0
            (1.0 - 5.0 * ulp_half, ulp_half, 20),  // steps of exactly one ulp across 1.0
            (0.5, 1.5 * ulp_half, 40),             // half-way: ties-to-even alternates
            (0.5, 2.5 * ulp_half, 40),
            (0.75, 0.4 * ulp_half, 40), // below half an ulp: absorbed
            (0.75, 0.6 * ulp_half, 40), // above: one ulp each
            (1e300, 1e300, 10),         // overflow to infinity
            (-0.5, 0.01, 100),          // negative start
            (0.3, -0.01, 50),           // negative increment
            (0.3, f64::INFINITY, 5),
        ];
        for _ in 0..2000 {
            let x = rng.random::<f64>() * 10f64.powi(rng.random_range(-8..4));
            let c = rng.random::<f64>() * 10f64.powi(rng.random_range(-12..1));
            cases.push((x, c, rng.random_range(0..3000)));
        }
        for (x, c, n) in cases {
            let (want, got) = (looped(x, c, n), repeat_add(x, c, n));
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "x={x:e} c={c:e} n={n}: loop {want:e} vs {got:e}"
            );
        }
    }
}
