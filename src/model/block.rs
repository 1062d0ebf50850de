//! A long stretch of quiet steps, a block of outputs at a time, each block's state in registers.
//!
//! Between two spikes, phases 1-2 of one output depend on that output's own state alone
//! ([`super::step::output_group`]): outputs meet only when one fires. So the steps of a stretch
//! can run block by block ([`LANES`] outputs, two AVX-512 vectors), each block loaded once, stepped
//! through the whole stretch in registers and stored once, instead of every output's state going
//! through memory on every step. Each lane does its output's operations in the step's order, so
//! the bits are those of [`Parts::outputs_until`] (`tests::blocks_are_stepping_bit_for_bit`).
//!
//! The stretch ends at the first step on which any output fires. A block that fires at step `t`
//! shortens it to end there; the blocks run before it went too far, so they start again from the
//! copy of their state taken when they were loaded (`Parts::backup`) and run to `t` (they cannot
//! fire before it: they would have stopped there). That copy, and the rerun, are worth paying
//! only on long stretches: [`LONG`] steps and more, the rests between presentations (no input, a
//! few hundred steps, outputs seldom firing). Shorter ones stay on the per-step pass, which was
//! faster for them (measured on 10 and 80 outputs).

use super::advance::FIXED;
use super::crossings::list_crossings;
use super::params::Factors;
use super::step::{Parts, output_group};

/// Outputs a block: two AVX-512 vectors of `f64`. One vector's chain of dependent operations per
/// step (a multiplication and two additions for `v`) is longer than its share of the arithmetic;
/// two independent ones overlap.
pub(super) const LANES: usize = 16;

/// The shortest stretch the blocks run (shorter ones go step by step through memory). Measured
/// on the 80-output elite: 8 no gain, 16 to 64 about 4 to 5%.
pub(super) const LONG: u64 = 16;

/// Values of one output in the backup: `v`, `I_inp`, `I_neg`, `G.a`, `G.theta`, `hold`, the
/// prediction's sum.
const BACKED: usize = 7;

/// The length of `Parts::backup` for `n_out` outputs (none where [`super::advance`] keeps every
/// output in registers and never runs blocks).
pub(super) fn backup_len(n_out: usize) -> usize {
    if n_out <= FIXED { 0 } else { n_out.div_ceil(LANES) * LANES * BACKED }
}

/// [`Parts::outputs_until`] by blocks of [`LANES`] outputs, for a stretch of at least [`LONG`]
/// steps: the steps from `n` until `end` or the first step at which an output fires (its spikes
/// listed in `out_spikes`); returns that step or `end`.
#[inline(always)]
pub(super) fn outputs_blocked(
    p: &mut Parts<'_>,
    f: &Factors,
    n: u64,
    end: u64,
    sums: &mut [f64],
    sum_from: u64,
) -> u64 {
    let m = f.n_out;
    p.out_spikes.clear();
    let backup = std::mem::take(&mut p.backup);
    // The blocks before `b` have all run the steps n..stop (one may have fired at stop - 1).
    let mut stop = end;
    let mut fired = false;
    for b in 0..m.div_ceil(LANES) {
        let (lo, copy) = (b * LANES, b * LANES * BACKED);
        let len = (m - lo).min(LANES);
        save(p, sums, lo, len, &mut backup[copy..copy + LANES * BACKED]);
        if let Some(t) = run(p, f, sums, lo, len, n, stop, sum_from) {
            if t + 1 < stop {
                // The stretch now ends at t: the blocks before this one ran too far.
                stop = t + 1;
                for r in 0..b {
                    let (lo, copy) = (r * LANES, r * LANES * BACKED);
                    restore(p, sums, lo, LANES, &backup[copy..copy + LANES * BACKED]);
                    run(p, f, sums, lo, LANES, n, stop, sum_from);
                }
            }
            fired = true;
        }
    }
    p.backup = backup;
    if fired {
        let t = stop - 1;
        list_crossings(t, p.v, p.hold, p.g_ready, f.ref_steps, p.out_spikes);
        t
    } else {
        end
    }
}

/// Steps `n..stop` of the outputs `lo..lo + len` (`len <= LANES`), their state in local arrays
/// (padding lanes never ready, never stored); the first step on which one fires, where they stop.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run(
    p: &mut Parts<'_>,
    f: &Factors,
    sums: &mut [f64],
    lo: usize,
    len: usize,
    mut n: u64,
    stop: u64,
    sum_from: u64,
) -> Option<u64> {
    let get = |x: &[f64]| {
        let mut a = [0.0; LANES];
        a[..len].copy_from_slice(&x[lo..lo + len]);
        a
    };
    // Plain local arrays (not a struct, which the compiler split across vectors at odd places).
    let (mut v, mut i_inp, mut i_neg, drive) = (get(p.v), get(p.i_inp), get(p.i_neg), get(p.drive));
    let (mut g_a, mut g_theta, mut hold) = (get(p.g_a), get(p.g_theta), get(p.hold));
    let summing = !sums.is_empty();
    let mut sum = if summing { get(sums) } else { [0.0; LANES] };
    let mut ready_at = [u64::MAX; LANES];
    ready_at[..len].copy_from_slice(&p.g_ready[lo..lo + len]);
    let mut at = None;
    while n < stop {
        if n >= sum_from {
            for j in 0..LANES {
                sum[j] += g_a[j];
            }
        }
        let mut fired = false;
        for j in 0..LANES {
            let ready = n >= ready_at[j];
            let (v, hold) = (&mut v[j], &mut hold[j]);
            fired |=
                output_group(f, ready, v, &mut i_inp[j], &mut i_neg[j], drive[j], &mut g_a[j], &mut g_theta[j], hold);
        }
        if fired {
            at = Some(n);
            break;
        }
        n += 1;
    }
    let range = lo..lo + len;
    p.v[range.clone()].copy_from_slice(&v[..len]);
    p.i_inp[range.clone()].copy_from_slice(&i_inp[..len]);
    p.i_neg[range.clone()].copy_from_slice(&i_neg[..len]);
    p.g_a[range.clone()].copy_from_slice(&g_a[..len]);
    p.g_theta[range.clone()].copy_from_slice(&g_theta[..len]);
    p.hold[range.clone()].copy_from_slice(&hold[..len]);
    if summing {
        sums[range].copy_from_slice(&sum[..len]);
    }
    at
}

/// The values of outputs `lo..lo + len` into `to`, [`LANES`] places per kind (the sum only when
/// there is one).
#[inline(always)]
fn save(p: &Parts<'_>, sums: &[f64], lo: usize, len: usize, to: &mut [f64]) {
    let kinds: [&[f64]; BACKED] = [p.v, p.i_inp, p.i_neg, p.g_a, p.g_theta, p.hold, sums];
    for (i, x) in kinds.into_iter().enumerate() {
        if !x.is_empty() {
            to[i * LANES..i * LANES + len].copy_from_slice(&x[lo..lo + len]);
        }
    }
}

/// [`save`] undone.
#[inline(always)]
fn restore(p: &mut Parts<'_>, sums: &mut [f64], lo: usize, len: usize, from: &[f64]) {
    let kinds: [&mut [f64]; BACKED] = [p.v, p.i_inp, p.i_neg, p.g_a, p.g_theta, p.hold, sums];
    for (i, x) in kinds.into_iter().enumerate() {
        if !x.is_empty() {
            x[lo..lo + len].copy_from_slice(&from[i * LANES..i * LANES + len]);
        }
    }
}
