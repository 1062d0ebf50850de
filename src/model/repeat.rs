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

/// `repeat_add` for one increment `c` and count `n`, with the work that depends only on the
/// binade of `x` done once: a spike adds the same `c` the same `n` times to whichever trace it
/// touches, and traces live in a few dozen binades. Per binade the table holds the largest `x`
/// from which all `n` additions stay inside the binade and their exact sum `n R u` (then one
/// addition is the whole work). A sum that crosses binades (a trace that decayed below one
/// spike's whole increment climbs up to six or seven) is counted in integers, binade by binade,
/// by the [`Ladder`]; what the ladder leaves (a trace 24 binades or more above the increment's,
/// a climb past ten binades, a negative `x`) goes through `repeat_add`. Same bits as the loop
/// either way (`tests::the_binade_table_matches_the_loop_bit_for_bit`,
/// `tests::climbs_through_many_binades_match_the_loop_bit_for_bit`).
use super::ladder::Ladder;

#[derive(Debug, Clone, PartialEq)]
pub struct Repeated {
    c: f64,
    n: u32,
    /// Per biased exponent `FIRST + i`; `None` where `repeat_add` must do the work.
    table: Box<[Option<Binade>]>,
    /// Sums that cross binades, in integers (`None`: `c` is not a positive normal double).
    ladder: Option<Ladder>,
}

/// One binade's precomputed part of `repeat_add` (all values exact multiples of its ulp).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Binade {
    /// Largest `x` from which all `n` additions stay in the binade (`-1`: none).
    last_all: f64,
    /// `n R u`, their sum.
    all: f64,
}

/// Counts done as a plain loop.
const FEW: u32 = 16;

/// Biased exponents of the table: `x` in `[2^-64, 2^32)`.
const FIRST: u64 = 1023 - 64;
const BINADES: u64 = 96;

impl Repeated {
    /// `n` additions of `c`.
    pub fn new(c: f64, n: u32) -> Repeated {
        let table: Box<[_]> = (FIRST..FIRST + BINADES).map(|exp| binade(c, n, exp)).collect();
        Repeated { c, n, table, ladder: Ladder::new(c) }
    }

    /// `x` after the `n` rounded additions of `c`: bit for bit `for _ in 0..n { x += c }`.
    #[inline(always)]
    pub fn apply(&self, mut x: f64) -> f64 {
        if self.n <= FEW {
            // A few dependent additions cost less than the lookup.
            for _ in 0..self.n {
                x += self.c;
            }
            return x;
        }
        match self.entry(x) {
            Some(b) if x <= b.last_all => x + b.all,
            _ => self.crossing(x),
        }
    }

    /// The table's entry for `x`'s binade. Negative `x` has the sign bit set and lands far past
    /// the table, as NaN and infinity do.
    #[inline(always)]
    fn entry(&self, x: f64) -> Option<&Binade> {
        let i = (x.to_bits() >> 52).wrapping_sub(FIRST) as usize;
        self.table.get(i).and_then(Option::as_ref)
    }

    /// [`Repeated::apply`] when the sum leaves the binade of `x`: the [`Ladder`] as far as it
    /// goes (all the way for the model's traces), `repeat_add` for the rest.
    #[inline(always)]
    fn crossing(&self, mut x: f64) -> f64 {
        let mut n = self.n;
        if let Some(ladder) = &self.ladder {
            (x, n) = ladder.climb(x, n);
        }
        if n == 0 { x } else { self.rest(x, n) }
    }

    /// What the ladder leaves, as a call (out of the step's loops).
    #[inline(never)]
    fn rest(&self, x: f64, n: u32) -> f64 {
        repeat_add(x, self.c, n)
    }
}

/// The precomputed part of one binade (biased exponent `exp`, `x` in `[2^(exp-1023),
/// 2^(exp-1022))`), by the reasoning of `repeat_add`; `None` where it has no shortcut.
fn binade(c: f64, n: u32, exp: u64) -> Option<Binade> {
    if !(c > 0.0 && c.is_finite()) || exp <= 52 || exp >= 0x7fe {
        return None;
    }
    let ulp = f64::from_bits((exp - 52) << 52);
    let q = c * f64::from_bits((2098 - exp) << 52); // c / ulp, exact
    if q >= 4503599627370496.0 {
        return None;
    }
    let floor = (q as u64) as f64;
    let frac = q - floor;
    if frac == 0.5 {
        return None; // ties-to-even: depends on the parity of x
    }
    let r = if frac > 0.5 { floor + 1.0 } else { floor };
    let top = f64::from_bits(((exp + 1) << 52) - 1); // the binade's largest value
    if r == 0.0 {
        return Some(Binade { last_all: top, all: 0.0 });
    }
    // An addition from X ulp computes X + q, which must stay below 2^53 - 1/2 to round inside
    // the binade; with a margin of 3 (for the rounding of these bounds) it does when
    // X <= 2^53 - 3 - q, and all n do from X when X <= 2^53 - 3 - q - (n-1) r.
    let lowest = 4503599627370496.0; // 2^52: the binade's smallest X
    let last = |bound: f64| if bound < lowest { -1.0 } else { bound.floor() * ulp };
    Some(Binade {
        last_all: last(9007199254740989.0 - q - n.saturating_sub(1) as f64 * r),
        all: (n as f64 * r) * ulp, // exact where used: n r <= 2^53 - X there
    })
}

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
pub(super) mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    /// What every shortcut must equal: the loop.
    pub(in crate::model) fn looped(mut x: f64, c: f64, n: u32) -> f64 {
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

    /// [`Repeated`] against the loop: the model's increments over the table's binades and past
    /// them, at the binades' edges (where the fast path must stop) and on every special value.
    #[test]
    fn the_binade_table_matches_the_loop_bit_for_bit() {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let ulp_half = f64::EPSILON / 2.0;
        let mut checked = 0;
        for (c, n) in [
            (0.1 / 80.0, 80u32),
            (0.01 / 64.0, 64),
            (1.0 / 64.0 / 5.05, 64),
            (1.0 / 160.0 / 394.1, 160),
            (1.0 / 3.0, 2),
            (1.5 * ulp_half, 40), // half-way in [0.5, 1): never the fast path there
            (0.4 * ulp_half, 40), // absorbed in [0.5, 1)
            (1e-3, 100_000),
        ] {
            let rep = Repeated::new(c, n);
            let mut xs = vec![0.0, -0.0, -0.5, f64::NAN, f64::INFINITY, f64::MIN_POSITIVE / 3.0, 1e-30, 1e30, 5e9];
            // around half an ulp of c, where the first addition stops rounding to c
            let half_ulp = c * 2f64.powi(-54);
            xs.extend([
                half_ulp,
                half_ulp * (1.0 - f64::EPSILON),
                half_ulp * 2.0,
                half_ulp * 4.0,
                half_ulp / 2.0,
                1e-100,
            ]);
            for e in -70..40 {
                let top = 2f64.powi(e);
                // just below the top of a binade (sums cross it), at its bottom, and inside
                xs.extend([top * (1.0 - f64::EPSILON), top * (1.0 - 1e-9), top, top * 1.37]);
                xs.extend((0..20).map(|_| top * (1.0 + rng.random::<f64>())));
            }
            for x in xs {
                let (want, got) = (looped(x, c, n), rep.apply(x));
                assert!(
                    want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                    "x={x:e} c={c:e} n={n}: loop {want:e} vs table {got:e}"
                );
                checked += 1;
            }
        }
        assert!(checked > 10_000);
    }

    /// The table is used: a trace well above the spike's whole increment takes the one addition,
    /// and one that crosses binades finds an entry in each (a bound that is never reached would
    /// pass the test above while doing nothing).
    #[test]
    fn the_binade_table_takes_the_fast_path_for_model_traces() {
        let rep = Repeated::new(0.1 / 80.0, 80); // 0.1 in all
        let one_addition = |x: f64| rep.entry(x).is_some_and(|b| x <= b.last_all);
        // x + 0.1 stays below 2 for x < 1.9 (1.9 itself: the rounded sum may stop short of 2)
        let fast = (1..1000).map(|i| 1.0 + i as f64 / 1000.0).filter(|&x| one_addition(x)).count();
        assert!((896..=900).contains(&fast), "{fast} of 999 in one addition");
        assert!((1..1000).map(|i| i as f64 / 100.0).all(|x| rep.entry(x).is_some()));
    }

    /// Sums that climb through many binades (traces that decayed to far below one spike's
    /// increment), for increments with a tie in any binade above their own (an odd mantissa ties
    /// in the next one), against the loop.
    #[test]
    fn climbs_through_many_binades_match_the_loop_bit_for_bit() {
        let mut rng = Pcg64Mcg::seed_from_u64(8);
        let mut climbed = 0;
        for i in 0..3000 {
            let mut c = rng.random::<f64>() * 10f64.powi(rng.random_range(-7..0));
            if i % 3 == 0 {
                // a mantissa with trailing zeros: the tie lands higher up
                let zeros = rng.random_range(1..40);
                c = f64::from_bits(c.to_bits() & !((1u64 << zeros) - 1) | 1 << zeros);
            }
            let n = rng.random_range(17..600);
            let rep = Repeated::new(c, n);
            for _ in 0..20 {
                let x = match rng.random_range(0..4) {
                    0 => 0.0,
                    1 => c * 2f64.powf(rng.random_range(-70.0..2.0)),
                    2 => c * rng.random_range(1..8) as f64 * (1.0 + rng.random_range(-3..4) as f64 * f64::EPSILON),
                    _ => c * n as f64 * rng.random::<f64>(),
                };
                let (want, got) = (looped(x, c, n), rep.apply(x));
                assert_eq!(want.to_bits(), got.to_bits(), "x={x:e} c={c:e} n={n}: loop {want:e} vs {got:e}");
                climbed += (want > 4.0 * (x + c)) as u32;
            }
        }
        assert!(climbed > 10_000, "{climbed} climbs over two binades or more");
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
