//! Powers of a per-step decay factor, for traces that are decayed when read instead of every step.
//!
//! A trace `x` with `dx/dt = -x/tau` and no spikes for `m` steps becomes `x d^m` (`d = exp(-dt/tau)`).
//! brian2 multiplies by `d` once per step, rounding each time; harness decays the 2 x `n_in` input
//! traces only when a spike reads or increments them, multiplying by `d^m` from a table. The two
//! differ by rounding only: brian2's product of `m` rounded multiplications wanders around the exact
//! `x d^m` by about `sqrt(m)/2` ulps; the table holds `d^m` correctly rounded (computed in
//! double-double arithmetic), so one lookup and one multiplication land within an ulp of it.
//! `tests/golden.rs` checks that this keeps every value within 1e-9 of brian2 and every spike on
//! the same step.
//!
//! Powers come from two tables of [`LEVEL`] entries, `d^m = hi[m / LEVEL] * lo[m % LEVEL]` (one
//! more rounding), for `m < LEVEL^2` (10^6 steps, 100 s at 0.1 ms); beyond that, `exp(m ln d)`.

/// Entries of each level of the table.
pub const LEVEL: usize = 1024;

/// `d^m` for every whole `m`, in one or two lookups.
#[derive(Debug, Clone, PartialEq)]
pub struct Powers {
    /// `lo[m] = d^m`, `m < LEVEL`.
    lo: Box<[f64]>,
    /// `hi[i] = d^(i LEVEL)`, `i < LEVEL`.
    hi: Box<[f64]>,
    ln_d: f64,
}

/// Flush a subnormal non-negative value to zero (flush-to-zero for a trace). The traces of inputs
/// that stay silent decay into the subnormal range, where every multiplication costs a microcode
/// assist (~100x); brian2's `-ffast-math` build flushes them too. Traces are never negative.
#[inline(always)]
pub fn flush(x: f64) -> f64 {
    if x < f64::MIN_POSITIVE { 0.0 } else { x }
}

/// `(h, l)` with `h + l = a * b` exactly.
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Double-double product of `(h1, l1)` and `(h2, l2)`, renormalised.
fn dd_mul((h1, l1): (f64, f64), (h2, l2): (f64, f64)) -> (f64, f64) {
    let (p, e) = two_prod(h1, h2);
    let e = e + (h1 * l2 + l1 * h2);
    let h = p + e;
    (h, e - (h - p))
}

impl Powers {
    /// The powers of `d` (`0 <= d <= 1`).
    pub fn new(d: f64) -> Powers {
        debug_assert!((0.0..=1.0).contains(&d), "decay factor {d}");
        let table = |step: (f64, f64)| {
            let mut x = (1.0, 0.0);
            (0..LEVEL)
                .map(|_| {
                    let out = x.0;
                    x = dd_mul(x, step);
                    out
                })
                .collect::<Box<[f64]>>()
        };
        let lo = table((d, 0.0));
        // d^LEVEL in double-double: LEVEL is a power of two, so square log2(LEVEL) times.
        let mut big = (d, 0.0);
        for _ in 0..LEVEL.trailing_zeros() {
            big = dd_mul(big, big);
        }
        let hi = table(big);
        Powers { lo, hi, ln_d: d.ln() }
    }

    /// A trace `x` after `m` steps of decay, flushed to zero below the normal range.
    #[inline(always)]
    pub fn decay(&self, x: f64, m: u64) -> f64 {
        flush(x * self.pow(m))
    }

    /// `d^m`.
    #[inline(always)]
    pub fn pow(&self, m: u64) -> f64 {
        if m < LEVEL as u64 {
            self.lo[m as usize]
        } else if m < (LEVEL * LEVEL) as u64 {
            self.hi[m as usize / LEVEL] * self.lo[m as usize % LEVEL]
        } else {
            (self.ln_d * m as f64).exp()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// brian2's way: `m` rounded multiplications.
    fn stepped(x: f64, d: f64, m: u64) -> f64 {
        (0..m).fold(x, |x, _| x * d)
    }

    #[test]
    fn powers_stay_within_the_drift_of_stepwise_multiplication() {
        for tau_steps in [1.0, 20.0, 100.0, 1000.0, 1e6] {
            let d = (-1.0f64 / tau_steps).exp();
            let p = Powers::new(d);
            for m in (0..3000u64).chain([5000, 65_537, 1_048_575, 1_048_576, 2_000_000]) {
                let (want, got) = (stepped(0.37, d, m), 0.37 * p.pow(m));
                if want < 1e-290 {
                    continue;
                }
                // brian2's stepwise product drifts by ~sqrt(m)/2 ulps (far less than the bound here);
                // a mistake in the table (an off-by-one power, a lost low word) is off by >= 1/tau.
                let tol = 4.0 * f64::EPSILON * (2.0 + (m as f64).sqrt());
                assert!(
                    ((got - want) / want).abs() <= tol,
                    "tau {tau_steps} steps, m {m}: table {got:e} vs stepwise {want:e}"
                );
            }
        }
    }

    #[test]
    fn the_first_level_is_correctly_rounded() {
        // Against a power computed independently by binary exponentiation in double-double.
        let d = (-0.1f64 / 17.3).exp();
        let p = Powers::new(d);
        for m in [0u64, 1, 2, 3, 7, 100, 511, 1023] {
            let (mut acc, mut base, mut e) = ((1.0, 0.0), (d, 0.0), m);
            while e > 0 {
                if e & 1 == 1 {
                    acc = dd_mul(acc, base);
                }
                base = dd_mul(base, base);
                e >>= 1;
            }
            assert_eq!(p.pow(m), acc.0 + acc.1, "m = {m}");
        }
        assert_eq!(p.pow(0), 1.0);
        assert_eq!(p.pow(1), d);
    }
}
