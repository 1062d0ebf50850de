//! The climb of a sum through the binades above the increment's: the part of
//! [`super::Repeated`] that a trace which decayed far below one spike's increment takes (six or
//! seven binades for the model's traces).
//!
//! A sum enters a binade by the addition that crossed out of the one below, so it enters low,
//! within about one step of the bottom; from there, as `repeat_add` reasons, the additions that
//! stay inside are exact multiples of the binade's step `R u`, and their count is one of two,
//! checked for every entry when the table is built. So a binade costs two additions side by side
//! and a comparison, where a count from an arbitrary value takes a division and two conversions in
//! a row; the crossing addition is rounded on its own, as the loop rounds it. Same bits as the loop
//! (`super::repeat::tests::climbs_through_many_binades_match_the_loop_bit_for_bit`).

use super::repeat::{BINADES, FIRST, binade};

/// The climb table of one increment `c` added `n` times: per biased exponent `FIRST + i`, the
/// binade's part of a climb.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Climbs {
    c: f64,
    table: Box<[Climb]>,
}

/// One binade's part of a climb through several ([`Climbs::climb`]). A sum enters the binade by
/// the addition that crossed out of the one below, so it enters low, within about one step of the
/// bottom, and stays for one of two counts of additions, `m` or `m + 1`: which one takes a
/// comparison of a value computed beside the two candidates, where a count from an arbitrary value
/// takes a division and two conversions in a row.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Climb {
    /// The binade's smallest value: a sum below it has not crossed (yet).
    bottom: f64,
    /// The largest entry the counts hold for (`-1`: none; the binade is climbed another way).
    entry_max: f64,
    /// As `Binade::last_one` (`-1`: no addition stays inside).
    last: f64,
    /// `R u`, one addition inside (0 with `last == -1`).
    one: f64,
    /// `m R u`, `(m + 1) R u`: what that many additions inside add.
    at: [f64; 2],
    /// The fewest additions inside from any entry up to `entry_max`.
    m: u32,
    /// Ties-to-even at every step (`c` is an odd number of half ulps): one addition at a time.
    single: bool,
}

impl Climbs {
    pub(super) fn new(c: f64, n: u32) -> Climbs {
        Climbs { c, table: (FIRST..FIRST + BINADES).map(|exp| entry(c, n, exp)).collect() }
    }

    /// Whether `x`'s binade has a tie (each addition there rounds its own way).
    #[inline(always)]
    pub(super) fn ties_at(&self, x: f64) -> bool {
        self.table.get((x.to_bits() >> 52).wrapping_sub(FIRST) as usize).is_some_and(|t| t.single)
    }

    /// From `x` with `n` additions left, binade after binade while each was entered within the
    /// range its counts hold for; the sum and the additions left where it stops (0: done). Each
    /// part is exact as in `Repeated::crossing`: the additions inside a binade are the multiples
    /// of `one` (never past `last`), the crossing one is rounded on its own.
    #[inline(always)]
    pub(super) fn climb(&self, mut x: f64, mut n: u32) -> (f64, u32) {
        let mut k = (x.to_bits() >> 52).wrapping_sub(FIRST) as usize;
        while n > 0 {
            let Some(t) = self.table.get(k) else { break };
            if !(x >= t.bottom && x <= t.entry_max) {
                break;
            }
            // At least m additions stay inside; one more does if the sum after m is still at most
            // `last`.
            let (x1, x2) = (x + t.at[0], x + t.at[1]);
            let one_more = x1 <= t.last;
            let m = t.m + one_more as u32;
            if n <= m {
                return (x + n as f64 * t.one, 0);
            }
            let top = if one_more { x2 } else { x1 };
            x = top + self.c; // crosses into the next binade (or falls short: caught above)
            n -= m + 1;
            k += 1;
        }
        (x, n)
    }
}

/// The climb table's entry for the binade of biased exponent `exp` (see [`Climb`]): the counts of
/// additions inside from every entry between its bottom and the highest sum the crossing addition
/// from the binade below can give, checked to be at most two.
fn entry(c: f64, n: u32, exp: u64) -> Climb {
    let none = Climb { bottom: 1.0, entry_max: -1.0, last: -1.0, one: 0.0, at: [0.0; 2], m: 0, single: false };
    if !(c > 0.0 && c.is_finite()) || exp <= 53 || exp >= 0x7fe {
        return none;
    }
    let bottom = f64::from_bits(exp << 52);
    let top = f64::from_bits(((exp + 1) << 52) - 1);
    let ulp = f64::from_bits((exp - 52) << 52);
    let q = c * f64::from_bits((2098 - exp) << 52); // c / ulp, exact
    // A crossing addition moves up one binade only when c < 2 bottom.
    if c >= 2.0 * bottom {
        return none;
    }
    // What stays inside: nothing in c's own binade (every addition leaves it), else the table's.
    let (last, one) = match binade(c, n, exp) {
        _ if q >= 4503599627370496.0 => (-1.0, 0.0),
        Some(b) if b.one > 0.0 => (b.last_one, b.one),
        None if q - (q as u64) as f64 == 0.5 => return Climb { single: true, ..none },
        _ => return none,
    };
    // The highest sum out of the binade below: its largest value that leaves by one addition.
    let below_top = f64::from_bits((exp << 52) - 1);
    let left_from = match binade(c, n, exp - 1) {
        Some(b) if b.one > 0.0 && b.last_one >= bottom / 2.0 => b.last_one + b.one,
        _ => below_top,
    };
    let entry_max = (left_from + c).min(top);
    // Additions inside from x: x, x + one, ... up to last (exact integers of ulps below 2^53).
    let count =
        |x: f64| -> u64 { if x > last || one == 0.0 { 0 } else { ((last - x) / ulp) as u64 / (one / ulp) as u64 + 1 } };
    let (least, most) = (count(entry_max), count(bottom));
    if entry_max < bottom || most > least + 1 || least >= u32::MAX as u64 {
        return none;
    }
    // Exact where used: x + (m + 1) one only when x + m one is at most `last`.
    let at = [least as f64 * one, (least + 1) as f64 * one];
    Climb { bottom, entry_max, last, one, at, m: least as u32, single: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The climb table holds counts for the binades a model's trace climbs through: every one
    /// from the increment's own up, except at most one with a tie.
    #[test]
    fn the_climb_table_covers_the_binades_above_the_increment() {
        for (c, n) in [(1.0f64 / 80.0 / 5.05, 80u32), (1.0 / 64.0 / 394.1, 64), (0.01 / 64.0, 64)] {
            let own = (c.to_bits() >> 52) as usize - FIRST as usize;
            let climbs = &Climbs::new(c, n).table[own..own + 12];
            let fast = climbs.iter().filter(|t| t.entry_max >= t.bottom).count();
            let ties = climbs.iter().filter(|t| t.single).count();
            assert!(fast >= 11 && fast + ties == 12, "c={c:e}: {fast} fast, {ties} ties of 12");
        }
    }
}
