//! The repeated additions of a spike's increment that cross binades, in integers.
//!
//! [`super::Repeated`] adds one increment `c` to a trace `n` times, one rounded addition after
//! another, as brian2 does. Inside a binade every addition adds the same exact step; a sum that
//! crosses binades (most spikes of a fast trace, which decayed to below the spike's whole
//! increment since the last) must count the additions each binade holds and round the crossing one
//! on its own. In floating point that is a division, two conversions and a chain of dependent
//! additions and branches per binade; here it is a few integer operations:
//!
//! Let `u = 2^(e_c - 52)` be the ulp of `c`'s binade, so `c = Q u` with `Q` an integer in
//! `[2^52, 2^53)`, and let `x` lie in the binade `s` binades above `c`'s, so `x = V u` with `V` a
//! multiple of `2^s` in `[2^(52+s), 2^(53+s))`. (The code counts in units of half the ulp of
//! `x`'s binade, so that 64 bits hold the sums of the next `WIDTH` binades; `Q`'s bits below the
//! unit then enter only the rounding of a crossing, as one sticky bit.) Then
//!
//! 1. an addition that stays in binade `s` gives `V + S_s`, where `S_s` is `Q` rounded to a
//!    multiple of `2^s` (fl(V + Q) rounds `Q`'s part below `2^s` alone, `V` being a multiple of
//!    it); in the one binade where that rounding is a tie (`Q` an odd multiple of `2^(s-1)`),
//!    ties-to-even depends on `V`: the first addition there is rounded on its own, and leaves an
//!    even multiple of `2^s`, from which every addition adds `S_s` (ties to even);
//! 2. it stays when `V + S_s < 2^(53+s)` (then `V + Q` lies more than half a step below the
//!    binade's top), so of the `n` additions `m = min(n, (2^(53+s) - V - 1) / S_s)` stay: a
//!    division for the binade of `x`, one comparison for a binade the sum entered from below (it
//!    enters within about one step of the bottom, so `m` is one of two counts, checked for every
//!    possible entry when the ladder is built);
//! 3. the next one gives `V + m S_s + Q` rounded to a multiple of `2^(s+1)`, ties to an even
//!    multiple: the double nearest to it, which lies in binade `s + 1` (it is at least half a step
//!    above binade `s`'s top, and `Q < 2^53 <= 2^(53+s)` keeps it below binade `s + 2`);
//! 4. and the sum goes on from there with `n - m - 1` additions left.
//!
//! A trace below `c`'s binade takes its first addition as a double (`x + c`, the loop's own).
//! A trace `RUNGS` or more binades above `c`'s, or a sum that climbs past the `WIDTH` binades
//! from `x`'s up, is handed to the general path exact so far, with the additions left. Same bits as the loop
//! (`tests::the_ladder_is_adding_bit_for_bit`, and [`super::repeat`]'s tests through
//! [`super::Repeated::apply`]).

/// Binades above `c`'s own with a rung: a trace up to `2^RUNGS c`.
const RUNGS: usize = 24;
/// The binades from `x`'s up that one climb goes through: counted in units of half the ulp of
/// `x`, their sums stay below `2^(53+WIDTH+1) = 2^64`.
const WIDTH: usize = 10;
/// A double's significand bits and its implicit leading one.
const MANTISSA: u64 = (1 << 52) - 1;
const HIDDEN: u64 = 1 << 52;

/// What the ladder needs of one increment `c`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ladder {
    c: f64,
    /// Biased exponent of `c`: binade `s` has exponent `exp + s`.
    exp: u64,
    /// The smallest double of `c`'s binade, `2^e_c`.
    bottom: f64,
    /// `c`'s significand `Q` in units of `2^below` ulps for each `below < RUNGS`: shifted right,
    /// the bits shifted out kept as one sticky bit.
    q: [u64; RUNGS],
    /// Binades `s = 0..RUNGS`.
    rungs: [Rung; RUNGS],
}

/// One binade of the ladder.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rung {
    /// `S_s`: `Q` rounded to a multiple of `2^s`, ties to an even multiple.
    step: u64,
    /// The binade's rounding of `Q` is a tie (`Q` an odd multiple of `2^(s-1)`): an addition to
    /// an odd multiple of `2^s` rounds the other way, so the first is done on its own; it leaves
    /// an even multiple, from which every addition adds `step`.
    tie: bool,
    /// A sum that enters from the binade below enters within about one step of the bottom, so
    /// `least` or `least + 1` additions stay, the latter when `V + more 2^s < 2^(53+s)`: a
    /// comparison where an arbitrary entry takes a division (`more 2^s = (least + 1) S_s`; 0: the
    /// counts of the possible entries are more than two, or the binade has a tie, and the division
    /// stays).
    least: u64,
    more: u64,
}

impl Ladder {
    /// `None` unless `c` is a positive normal double with `RUNGS` finite binades above it.
    pub(super) fn new(c: f64) -> Option<Ladder> {
        if !(c > 0.0 && c.is_normal()) {
            return None;
        }
        let exp = c.to_bits() >> 52;
        if exp + RUNGS as u64 >= 0x7ff {
            return None;
        }
        let q = (c.to_bits() & MANTISSA) | HIDDEN;
        // In 128 bits: binade s's values are below 2^(53+s).
        let wide = q as u128;
        let step = |s: usize| round_wide(wide, s);
        let rungs = std::array::from_fn(|s| {
            let tie = s >= 1 && q & ((1 << s) - 1) == 1 << (s - 1);
            let mut rung = Rung { step: step(s) as u64, tie, least: 0, more: 0 };
            if s == 0 || rung.tie {
                return rung;
            }
            // The sums of binade s - 1 from which the next addition leaves it (multiples of
            // 2^(s-1) up to its top), and the entries into binade s they give.
            let (limit, unit) = (1u128 << (52 + s), 1u128 << (s - 1));
            let mut lowest = (limit - step(s - 1)).saturating_sub(4 * unit).max(limit / 2) & !(unit - 1);
            while round_wide(lowest + wide, s - 1) < limit {
                lowest += unit;
            }
            let (first, last) = (round_wide(lowest + wide, s), round_wide(limit - unit + wide, s));
            let count = |v: u128| (2 * limit - v - 1) / step(s);
            let (least, most) = (count(last), count(first));
            if most <= least + 1 {
                (rung.least, rung.more) = (least as u64, (((least + 1) * step(s)) >> s) as u64);
            }
            rung
        });
        let q = std::array::from_fn(|below| (q >> below) | (q & ((1 << below) - 1) != 0) as u64);
        Some(Ladder { c, exp, bottom: f64::from_bits(exp << 52), q, rungs })
    }

    /// `x` after as many of `n` additions of `c` as the ladder takes, and the additions left (0:
    /// done; otherwise the sum is exact so far and the caller goes on from it).
    #[inline(always)]
    pub(super) fn climb(&self, mut x: f64, n: u32) -> (f64, u32) {
        if x.is_nan() || x < 0.0 || n == 0 {
            return (x, n); // negative or NaN: not the traces' values
        }
        let mut n = n as u64;
        if x < self.bottom {
            x += self.c; // lands in c's binade or the next
            n -= 1;
        }
        let mut s = ((x.to_bits() >> 52) - self.exp) as usize;
        if s >= RUNGS {
            return (x, n as u32);
        }
        // Counted in units of 2^below ulps of c's binade, half the ulp of x (from c's own binade,
        // one ulp: exact): `Q`'s bits under the unit only matter as one sticky bit for the
        // rounding of a crossing (to a multiple of 2^(s+1), 4 units or more), and a binade with
        // a tie has none.
        let below = s.saturating_sub(1);
        let q = self.q[below];
        let top = (below + WIDTH).min(RUNGS - 1);
        let mut v = ((x.to_bits() & MANTISSA) | HIDDEN) << (s - below);
        // Whether the sum entered binade s from below (low in it), not as `x`.
        let mut low = false;
        while n > 0 && s <= top {
            let (rung, g) = (&self.rungs[s], s - below);
            let (limit, step) = (1u64 << (53 + g), rung.step >> below);
            let stay = if rung.tie {
                let t = v + q;
                if round(t, g) >= limit {
                    (v, n, s, low) = (round(t, g + 1), n - 1, s + 1, true);
                    continue;
                }
                (v, n) = (round(t, g), n - 1);
                (limit - v - 1) / step
            } else if low && rung.more != 0 {
                rung.least + (v + (rung.more << g) < limit) as u64
            } else {
                (limit - v - 1) / step
            };
            if n <= stay {
                v += n * step;
                n = 0;
                break;
            }
            // The crossing addition, rounded in binade s + 1.
            (v, n, s, low) = (round(v + stay * step + q, g + 1), n - stay - 1, s + 1, true);
        }
        (f64::from_bits(((self.exp + s as u64) << 52) | ((v >> (s - below)) & MANTISSA)), n as u32)
    }
}

/// `t` rounded to a multiple of `2^g`, ties to an even multiple.
#[inline(always)]
fn round(t: u64, g: usize) -> u64 {
    if g == 0 {
        return t;
    }
    (t + (1u64 << (g - 1)) - 1 + ((t >> g) & 1)) & !((1u64 << g) - 1)
}

/// [`round`] in 128 bits, for the ladder's construction.
fn round_wide(t: u128, g: usize) -> u128 {
    if g == 0 {
        return t;
    }
    (t + (1u128 << (g - 1)) - 1 + ((t >> g) & 1)) & !((1u128 << g) - 1)
}

#[cfg(test)]
mod tests {
    use super::super::repeat::tests::looped;
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    /// The ladder's partial sums against the loop's, for increments with and without ties in
    /// the binades above (trailing zeros in the significand), from traces far below `c` to far
    /// above it; and it does the whole work for most of them (a ladder that always handed over
    /// at once would pass the comparison).
    #[test]
    fn the_ladder_is_adding_bit_for_bit() {
        let mut rng = Pcg64Mcg::seed_from_u64(11);
        let (mut cases, mut whole) = (0, 0);
        for i in 0..4000 {
            let mut c = rng.random::<f64>() * 10f64.powi(rng.random_range(-8..1));
            if i % 4 == 0 {
                let zeros = rng.random_range(1..14);
                c = f64::from_bits(c.to_bits() & !((1u64 << zeros) - 1) | 1 << zeros);
            }
            let ladder = Ladder::new(c).unwrap();
            let n = rng.random_range(1..400);
            for _ in 0..10 {
                let x = match rng.random_range(0..5) {
                    0 => 0.0,
                    1 => c * 2f64.powf(rng.random_range(-60.0..26.0)),
                    2 => c * n as f64 * rng.random::<f64>(),
                    3 => f64::from_bits(c.to_bits() + (rng.random_range(0..12u64) << 52) - rng.random_range(0..3)),
                    _ => c * rng.random_range(1..8) as f64 * (1.0 + rng.random_range(-3..4) as f64 * f64::EPSILON),
                };
                let (y, left) = ladder.climb(x, n);
                let done = n - left;
                assert_eq!(y.to_bits(), looped(x, c, done).to_bits(), "x={x:e} c={c:e} {done} of {n}");
                cases += 1;
                whole += (left == 0) as u32;
            }
        }
        assert!(whole * 10 > cases * 8, "the ladder did {whole} of {cases} sums whole");
    }

    /// For the model's increments (brian2's `1ms/alpha/n` and `1ms/beta/n`) every binade above
    /// the increment's own counts an entry from below by one comparison, but the one with a tie
    /// (a ladder that fell back to the division everywhere would pass the test above).
    #[test]
    fn the_ladder_compares_where_it_can() {
        for (tau, n) in [(5.050757693236718, 80.0), (5.050757693236718, 64.0), (394.13689895817816, 80.0), (5.0, 2.0)] {
            let c: f64 = 1.0 / tau / n;
            let ladder = Ladder::new(c).unwrap();
            for (s, rung) in ladder.rungs.iter().enumerate().skip(1) {
                assert!(rung.tie || rung.more > 0, "c={c:e}: binade {s} divides");
            }
            assert!(ladder.rungs.iter().filter(|r| r.tie).count() <= 1);
        }
    }

    #[test]
    fn the_ladder_hands_over_what_it_cannot_hold() {
        let c = 0.1;
        let ladder = Ladder::new(c).unwrap();
        // 23 binades above c's: the last rung, the whole sum; 33 above: untouched
        assert_eq!(ladder.climb(1e6, 80), (looped(1e6, c, 80), 0));
        assert_eq!(ladder.climb(1e9, 80), (1e9, 80));
        // negative and NaN: untouched
        assert_eq!(ladder.climb(-0.5, 80), (-0.5, 80));
        assert!(ladder.climb(f64::NAN, 80).0.is_nan());
        // 2^14 additions of 0.1 climb more than WIDTH binades: handed over part of the way, exactly
        let (y, left) = ladder.climb(0.0, 1 << 14);
        assert!(left > 0 && y > 100.0, "{y} with {left} left");
        assert_eq!(y.to_bits(), looped(0.0, c, (1 << 14) - left).to_bits());
        assert!(Ladder::new(0.0).is_none() && Ladder::new(f64::MIN_POSITIVE / 2.0).is_none());
        assert!(Ladder::new(f64::MAX / 4.0).is_none());
    }
}
