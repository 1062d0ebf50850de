//! One time step of the network, in brian2's order of operations.
//!
//! For step `n` (time `n * dt`), after the protocol has set rates and teacher currents:
//! 1. **groups** (exact integration, see [`super::params`]): every trace, `hold`, `I_inp`, `I_neg`
//!    decays by its factor; `v` integrates from the start-of-step currents unless the neuron is
//!    refractory (`(unless refractory)`: frozen). The input traces `P.a`, `P.theta` take their
//!    decay later, all steps' worth at once, when 3.2 or 3.4 reads them ([`super::decay`]).
//! 2. **thresholds**: input `k` fires if its source says so and it is not refractory; output `j`
//!    fires if not refractory and `v_j > hold_j`. A neuron that fires at `n` is refractory while
//!    `step - n < ref_steps`.
//! 3. **synapses**, zero delay, in brian2's pathway order:
//!    1. lateral on_pre: `I_neg[j] += w_neg[i][j] * c_neg` for each firing output `i`, `j != i`;
//!    2. forward on_pre: `I_inp[j] += w[k][j] * c_inp` for each firing input `k`, and
//!       `P.a[k] += 1ms/alpha`, `P.theta[k] += 1ms/beta` (as `n_out` per-synapse increments);
//!    3. lateral on_post: `w_neg[i][j] = clip(w_neg[i][j] - lr_n (G.a[i] - G.theta[i]), -wmax, 0)`
//!       for each firing output `j`, `i != j` (with `G.a` before step 4's increments);
//!    4. forward on_post: `G.a[j] += 1ms/alpha`, `G.theta[j] += 1ms/beta` (as `n_in` per-synapse
//!       increments) and `w[k][j] = clip(w[k][j] + (-decay + lr (P.a[k] - P.theta[k])), 0, wmax)`
//!       for each firing output `j` (with `P.a` after step 2's increments). With soft bounds
//!       (an option, off in the notebook), the change `d = -decay + lr (P.a[k] - P.theta[k])` is
//!       scaled first: `w + d (wmax - w)/wmax` when `d > 0`, `w + d w/wmax` otherwise, then clipped.
//! 4. **resets**: a firing output gets `v = 0`, `hold += hold_inc`.
//!
//! Weight updates (3.3 and the `w` part of 3.4) happen only when `plastic` is set; the trace
//! increments always do (the notebook's `train` variable gates only the weights). Arithmetic is
//! written in brian2's order (e.g. `w + (-decay + lr * diff)`) so that results agree to rounding.

use super::crossings::list_crossings;
use super::decay::flush;
use super::input::InputSource;
use super::params::Factors;
use super::state::{ROWS_FROM, State, store_column};

/// What a caller wants to see of a run, called after every step. `()` watches nothing and
/// compiles away.
pub trait Observer {
    /// Whether [`Observer::after_step`] must see every step. When not (only `()`), runs of steps
    /// ([`super::advance`]) skip quiet steps in a tight loop without calling it.
    const EVERY_STEP: bool = true;

    /// Called after step `state.step - 1` has completed (resets included). The input traces are
    /// stored undecayed: read them with [`State::input_traces`].
    fn after_step(&mut self, _state: &State, _factors: &Factors) {}
}

impl Observer for () {
    const EVERY_STEP: bool = false;
}

impl<O: Observer + ?Sized> Observer for &mut O {
    const EVERY_STEP: bool = O::EVERY_STEP;

    fn after_step(&mut self, state: &State, factors: &Factors) {
        (**self).after_step(state, factors)
    }
}

/// Phase 1 for one output neuron (`ready`: not refractory), and whether it crosses its threshold:
/// the one place of this arithmetic, shared by [`Parts::outputs`] and the quiet loop of
/// [`super::advance`]. Branch-free (a refractory neuron's `v` is computed and discarded, which has
/// no effect on any other value), so that a loop over outputs runs as vectors, one output a lane,
/// each lane doing the same operations in the same order as a scalar loop.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn output_group(
    f: &Factors,
    ready: bool,
    v: &mut f64,
    i_inp: &mut f64,
    i_neg: &mut f64,
    drive: f64,
    g_a: &mut f64,
    g_theta: &mut f64,
    hold: &mut f64,
) -> bool {
    let integrated = *v * f.decay_v + drive + (*i_inp + *i_neg) * f.gain_syn;
    *v = if ready { integrated } else { *v };
    *i_inp *= f.decay_i;
    *i_neg *= f.decay_i;
    *g_a *= f.decay_a;
    *g_theta *= f.decay_theta;
    *hold *= f.decay_hold;
    ready & (*v > *hold)
}

/// Input `k`'s traces after the decay of every step up to `upto - 1`, stored as such.
#[inline(always)]
fn settle(p_a: &mut [f64], p_theta: &mut [f64], p_since: &mut [u64], f: &Factors, k: usize, upto: u64) -> (f64, f64) {
    let m = upto - p_since[k];
    let a = f.pow_a.decay(p_a[k], m);
    let th = f.pow_theta.decay(p_theta[k], m);
    (p_a[k], p_theta[k], p_since[k]) = (a, th, upto);
    (a, th)
}

/// numpy's `clip` (a NaN stays NaN), without `f64::clamp`'s check of its bounds.
#[inline(always)]
fn clip(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// 3.4's weight update of one output's `column`, `w = clip(w + d, 0, wmax)` with `d = -decay + lr
/// (P.a - P.theta)`, or with soft bounds (`SOFT`) `w = clip(w + d (wmax - w)/wmax, 0, wmax)` when
/// `d > 0` and `w = clip(w + d w/wmax, 0, wmax)` otherwise; with every input's traces first
/// brought up to step `upto` and stored so: the same numbers as [`settle`] for each input, but one
/// common factor for all inputs no spike touched since the last time (a loop over contiguous
/// arrays, which the compiler vectorises).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn learn<const SOFT: bool>(
    column: &mut [f64],
    p_a: &mut [f64],
    p_theta: &mut [f64],
    p_since: &mut [u64],
    common_since: &mut u64,
    touched: &mut Vec<u32>,
    f: &Factors,
    upto: u64,
) {
    for &k in touched.iter() {
        settle(p_a, p_theta, p_since, f, k as usize, upto);
    }
    touched.clear();
    let common = *common_since;
    let (fa, fth) = (f.pow_a.pow(upto - common), f.pow_theta.pow(upto - common));
    let traces = p_a.iter_mut().zip(p_theta.iter_mut()).zip(p_since.iter_mut());
    for (w, ((a, th), since)) in column.iter_mut().zip(traces) {
        // Touched inputs are up to date already (since == upto; or == common when upto == common,
        // where the factors are 1 and the product exact).
        let (ma, mth) = if *since == common { (fa, fth) } else { (1.0, 1.0) };
        *a = flush(*a * ma);
        *th = flush(*th * mth);
        *since = upto;
        let d = -f.decay + f.lr * (*a - *th);
        let step = if !SOFT {
            d
        } else if d > 0.0 {
            d * (f.wmax - *w) / f.wmax
        } else {
            d * *w / f.wmax
        };
        *w = clip(*w + step, 0.0, f.wmax);
    }
    *common_since = upto;
}

/// 3.3, lateral on_post: for each firing output `j`, `w_neg[i][j]` of every `i != j` moves by
/// `-lr_n (G.a[i] - G.theta[i])`, clipped to `[-wmax, 0]`. Output `j`'s column is contiguous and
/// the loop branch-free, so that it runs as vectors (the diagonal's update is computed and
/// discarded).
#[inline(always)]
fn lateral_on_post(w_neg: &mut [f64], g_a: &[f64], g_theta: &[f64], out_spikes: &[u32], f: &Factors) {
    let n_out = f.n_out;
    for &j in out_spikes {
        let j = j as usize;
        let column = w_neg[j * n_out..(j + 1) * n_out].iter_mut().zip(g_a.iter().zip(g_theta.iter()));
        for (i, (wn, (a, th))) in column.enumerate() {
            let updated = clip(*wn + -f.lr_n * (a - th), -f.wmax, 0.0);
            *wn = if i != j { updated } else { *wn };
        }
    }
}

/// Advance `s` by one step.
#[inline]
pub fn step(s: &mut State, f: &Factors, plastic: bool, input: &mut impl InputSource, obs: &mut impl Observer) {
    let mut p = Parts::of(s, f);
    let n = *p.step;
    p.outputs(f, n);
    p.inputs(f, n, input);
    p.synapses(f, n, plastic);
    obs.after_step(s, f);
}

/// The state as distinct slices of exact lengths: the compiler may then keep values in registers
/// across stores and drop bounds checks.
pub(super) struct Parts<'s> {
    pub step: &'s mut u64,
    pub p_a: &'s mut [f64],
    pub p_theta: &'s mut [f64],
    pub p_since: &'s mut [u64],
    pub p_common_since: &'s mut u64,
    pub p_touched: &'s mut Vec<u32>,
    pub p_ready: &'s mut [u64],
    pub v: &'s mut [f64],
    pub i_inp: &'s mut [f64],
    pub i_neg: &'s mut [f64],
    /// `I_teacher * gain_teacher` per output: the teacher's term of the `v` update, constant while
    /// the protocol holds the teacher current (it changes it only between runs of steps).
    pub drive: &'s [f64],
    pub g_a: &'s mut [f64],
    pub g_theta: &'s mut [f64],
    pub hold: &'s mut [f64],
    pub g_ready: &'s mut [u64],
    pub w: &'s mut [f64],
    pub w_rows: &'s mut [f64],
    pub w_neg: &'s mut [f64],
    pub in_spikes: &'s mut Vec<u32>,
    pub out_spikes: &'s mut Vec<u32>,
    /// The blocked quiet loop's copies ([`super::block`]).
    pub backup: &'s mut [f64],
}

impl<'s> Parts<'s> {
    #[inline(always)]
    pub fn of(s: &'s mut State, f: &Factors) -> Parts<'s> {
        let (n_in, n_out) = (f.n_in, f.n_out);
        let State {
            step,
            rates_hz: _,
            p_a,
            p_theta,
            p_since,
            p_common_since,
            p_touched,
            p_ready,
            v,
            i_inp,
            i_neg,
            i_teacher,
            drive,
            g_a,
            g_theta,
            hold,
            g_ready,
            w,
            w_rows,
            w_neg,
            in_spikes,
            out_spikes,
            backup,
        } = s;
        Parts {
            step,
            p_a: &mut p_a[..n_in],
            p_theta: &mut p_theta[..n_in],
            p_since: &mut p_since[..n_in],
            p_common_since,
            p_touched,
            p_ready: &mut p_ready[..n_in],
            v: &mut v[..n_out],
            i_inp: &mut i_inp[..n_out],
            i_neg: &mut i_neg[..n_out],
            drive: {
                let drive = &mut drive[..n_out];
                for (d, t) in drive.iter_mut().zip(&i_teacher[..n_out]) {
                    *d = t * f.gain_teacher;
                }
                drive
            },
            g_a: &mut g_a[..n_out],
            g_theta: &mut g_theta[..n_out],
            hold: &mut hold[..n_out],
            g_ready: &mut g_ready[..n_out],
            // Column-major (as State::from_parts makes it): w[[k, j]] at j * n_in + k.
            w: {
                assert!(w.t().is_standard_layout(), "State::w must stay column-major");
                &mut w.as_slice_memory_order_mut().expect("contiguous")[..n_in * n_out]
            },
            w_rows: &mut w_rows[..],
            // Column-major too: w_neg[[i, j]] at j * n_out + i.
            w_neg: {
                assert!(w_neg.t().is_standard_layout(), "State::w_neg must stay column-major");
                &mut w_neg.as_slice_memory_order_mut().expect("contiguous")[..n_out * n_out]
            },
            in_spikes,
            out_spikes,
            backup: &mut backup.0,
        }
    }

    /// Phase 1, the output group, and phase 2, the outputs' thresholds (each needs only its own
    /// neuron's new values), for step `n`. The input group has nothing to do: its traces decay
    /// when read.
    #[inline(always)]
    pub fn outputs(&mut self, f: &Factors, n: u64) {
        self.outputs_until(f, n, n + 1, &mut [], u64::MAX);
    }

    /// [`Parts::outputs`] for the steps from `n` until `end` or the first step at which an output
    /// fires (its spikes listed in `out_spikes`); returns that step or `end`. Before each step from
    /// `sum_from` on, `G.a` is added into `sums` (the tally the prediction reads; empty: none).
    ///
    /// Each step is one pass over the outputs as vectors (every slice cut to the same length, no
    /// branch, the crossings or-ed into one flag and nothing else stored for them); only on the
    /// rare step where one fired, a second pass lists them.
    #[inline(always)]
    pub fn outputs_until(&mut self, f: &Factors, mut n: u64, end: u64, sums: &mut [f64], sum_from: u64) -> u64 {
        let Parts { v, i_inp, i_neg, drive, g_a, g_theta, hold, g_ready, out_spikes, .. } = self;
        out_spikes.clear();
        let m = f.n_out;
        let (v, i_inp, i_neg, drive) = (&mut v[..m], &mut i_inp[..m], &mut i_neg[..m], &drive[..m]);
        let (g_a, g_theta, hold, g_ready) = (&mut g_a[..m], &mut g_theta[..m], &mut hold[..m], &mut g_ready[..m]);
        while n < end {
            if n >= sum_from {
                for (sum, a) in sums.iter_mut().zip(g_a.iter()) {
                    *sum += a;
                }
            }
            let mut fired = false;
            for j in 0..m {
                let ready = n >= g_ready[j];
                fired |= output_group(
                    f,
                    ready,
                    &mut v[j],
                    &mut i_inp[j],
                    &mut i_neg[j],
                    drive[j],
                    &mut g_a[j],
                    &mut g_theta[j],
                    &mut hold[j],
                );
            }
            if fired {
                // The crossings again, from the values just stored: the same test on the same
                // numbers (a refractory output's `v` was kept), only on the rare step that has one.
                list_crossings(n, v, hold, g_ready, f.ref_steps, out_spikes);
                return n;
            }
            n += 1;
        }
        n
    }

    /// Phase 2, the inputs' thresholds.
    #[inline(always)]
    pub fn inputs(&mut self, f: &Factors, n: u64, input: &mut impl InputSource) {
        let (in_spikes, p_ready) = (&mut *self.in_spikes, &mut *self.p_ready);
        in_spikes.clear();
        input.spikes(n, in_spikes);
        // Keep the candidates that are not refractory (an inlined `retain`).
        let mut kept = 0;
        for x in 0..in_spikes.len() {
            let k = in_spikes[x];
            if n >= p_ready[k as usize] {
                p_ready[k as usize] = n + f.ref_steps;
                in_spikes[kept] = k;
                kept += 1;
            }
        }
        in_spikes.truncate(kept);
    }

    /// Phase 3, the synapses, and phase 4, the resets, for the spikes of step `n`; the step is
    /// then done.
    #[inline(always)]
    pub fn synapses(&mut self, f: &Factors, n: u64, plastic: bool) {
        let Parts {
            step,
            p_a,
            p_theta,
            p_since,
            p_common_since,
            p_touched,
            v,
            i_inp,
            i_neg,
            g_a,
            g_theta,
            hold,
            w,
            w_rows,
            w_neg,
            in_spikes,
            out_spikes,
            ..
        } = self;
        let (n_in, n_out) = (f.n_in, f.n_out);
        // 3.1 lateral on_pre
        for &i in out_spikes.iter() {
            let i = i as usize;
            // Branch-free over every j (a strided gather), the firing output's own value put back.
            let own = i_neg[i];
            // Row i: every n_out-th weight from i on, by index and without a bounds check per
            // weight (the checked loop, and the `step_by` iterator before it, cost 4 to 6% more
            // of a run of 80 outputs).
            let row = &w_neg[i..i + (n_out - 1) * n_out + 1];
            for (j, i_neg) in i_neg[..n_out].iter_mut().enumerate() {
                // SAFETY: j < n_out, so j n_out <= (n_out - 1) n_out < row.len().
                *i_neg += unsafe { *row.get_unchecked(j * n_out) } * f.c_neg;
            }
            i_neg[i] = own;
        }
        // 3.2 forward on_pre
        for &k in in_spikes.iter() {
            let k = k as usize;
            if n_out >= ROWS_FROM {
                for (i, w) in i_inp.iter_mut().zip(&w_rows[k * n_out..(k + 1) * n_out]) {
                    *i += w * f.c_inp;
                }
            } else {
                for (j, i) in i_inp.iter_mut().enumerate() {
                    *i += w[j * n_in + k] * f.c_inp;
                }
            }
            if p_since[k] == **p_common_since {
                p_touched.push(k as u32);
            }
            let (a, th) = settle(p_a, p_theta, p_since, f, k, n + 1);
            p_a[k] = f.p_a_rep.apply(a);
            p_theta[k] = f.p_theta_rep.apply(th);
        }
        // 3.3 lateral on_post
        if plastic {
            lateral_on_post(w_neg, g_a, g_theta, out_spikes, f);
        }
        // 3.4 forward on_post
        for &j in out_spikes.iter() {
            let j = j as usize;
            g_a[j] = f.g_a_rep.apply(g_a[j]);
            g_theta[j] = f.g_theta_rep.apply(g_theta[j]);
            if plastic {
                let column = &mut w[j * n_in..(j + 1) * n_in];
                if f.soft_bounds {
                    learn::<true>(column, p_a, p_theta, p_since, p_common_since, p_touched, f, n + 1);
                } else {
                    learn::<false>(column, p_a, p_theta, p_since, p_common_since, p_touched, f, n + 1);
                }
                // The row-major copy: a strided store per input (cheaper than the strided reads
                // it saves on every input spike, where there are enough outputs to read).
                if n_out >= ROWS_FROM {
                    store_column(w_rows, column, j, n_out);
                }
            }
        }
        // 4. resets
        for &j in out_spikes.iter() {
            v[j as usize] = 0.0;
            hold[j as usize] += f.hold_inc;
        }
        **step = n + 1;
    }
}
