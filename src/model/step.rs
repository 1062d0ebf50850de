//! One time step of the network, in brian2's order of operations.
//!
//! For step `n` (time `n * dt`), after the protocol has set rates and teacher currents:
//! 1. **groups** (exact integration, see [`super::params`]): every trace, `hold`, `I_inp`, `I_neg`
//!    decays by its factor; `v` integrates from the start-of-step currents unless the neuron is
//!    refractory (`(unless refractory)`: frozen).
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
//!       for each firing output `j` (with `P.a` after step 2's increments).
//! 4. **resets**: a firing output gets `v = 0`, `hold += hold_inc`.
//!
//! Weight updates (3.3 and the `w` part of 3.4) happen only when `plastic` is set; the trace
//! increments always do (the notebook's `train` variable gates only the weights). Arithmetic is
//! written in brian2's order (e.g. `w + (-decay + lr * diff)`) so that results agree to rounding.

use super::input::InputSource;
use super::params::Factors;
use super::repeat::repeat_add;
use super::state::State;

/// What a caller wants to see of a run, called after every step. `()` records nothing and
/// compiles away.
pub trait Observer {
    /// Called after step `state.step - 1` has completed (resets included).
    fn after_step(&mut self, _state: &State) {}
}

impl Observer for () {}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn after_step(&mut self, state: &State) {
        (**self).after_step(state)
    }
}

/// Flush a subnormal non-negative value to zero (flush-to-zero for a trace).
#[inline(always)]
fn flush(x: f64) -> f64 {
    if x < f64::MIN_POSITIVE { 0.0 } else { x }
}

#[inline(always)]
fn decay_traces_body(a: &mut [f64], th: &mut [f64], da: f64, dth: f64) {
    for (a, th) in a.iter_mut().zip(th.iter_mut()) {
        *a = flush(*a * da);
        *th = flush(*th * dth);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn decay_traces_avx2(a: &mut [f64], th: &mut [f64], da: f64, dth: f64) {
    decay_traces_body(a, th, da, dth)
}

/// Decay the input traces by one step: the hottest loop of a run, compiled for AVX2 too and chosen
/// at run time. IEEE multiplication is exact to the bit whatever the vector width, so both paths
/// give the same numbers.
#[inline]
fn decay_traces(a: &mut [f64], th: &mut [f64], da: f64, dth: f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { decay_traces_avx2(a, th, da, dth) };
    }
    decay_traces_body(a, th, da, dth)
}

/// Advance `s` by one step.
#[inline]
pub fn step(s: &mut State, f: &Factors, plastic: bool, input: &mut impl InputSource, obs: &mut impl Observer) {
    let n = s.step;
    let n_out = f.n_out;

    // 1. groups. The traces of inputs that never fire decay into the subnormal range within
    // seconds, where every multiplication costs a microcode assist (~100x); flushing them to zero
    // is what brian2's `-ffast-math` build (flush-to-zero) does too. Traces are never negative.
    decay_traces(&mut s.p_a, &mut s.p_theta, f.decay_a, f.decay_theta);
    for j in 0..n_out {
        if n >= s.g_ready[j] {
            s.v[j] = s.v[j] * f.decay_v + s.i_teacher[j] * f.gain_teacher + (s.i_inp[j] + s.i_neg[j]) * f.gain_syn;
        }
        s.i_inp[j] *= f.decay_i;
        s.i_neg[j] *= f.decay_i;
        s.g_a[j] *= f.decay_a;
        s.g_theta[j] *= f.decay_theta;
        s.hold[j] *= f.decay_hold;
    }

    // 2. thresholds
    s.in_spikes.clear();
    input.spikes(n, &mut s.in_spikes);
    let p_ready = &mut s.p_ready;
    s.in_spikes.retain(|&k| {
        let ready = n >= p_ready[k as usize];
        if ready {
            p_ready[k as usize] = n + f.ref_steps;
        }
        ready
    });
    s.out_spikes.clear();
    for j in 0..n_out {
        if n >= s.g_ready[j] && s.v[j] > s.hold[j] {
            s.out_spikes.push(j as u32);
            s.g_ready[j] = n + f.ref_steps;
        }
    }

    // 3.1 lateral on_pre
    for &i in &s.out_spikes {
        let row = s.w_neg.row(i as usize);
        for (j, wn) in row.iter().enumerate() {
            if j != i as usize {
                s.i_neg[j] += wn * f.c_neg;
            }
        }
    }
    // 3.2 forward on_pre
    for &k in &s.in_spikes {
        let k = k as usize;
        for (i, w) in s.i_inp.iter_mut().zip(s.w.row(k)) {
            *i += w * f.c_inp;
        }
        s.p_a[k] = repeat_add(s.p_a[k], f.p_a_inc, n_out as u32);
        s.p_theta[k] = repeat_add(s.p_theta[k], f.p_theta_inc, n_out as u32);
    }
    // 3.3 lateral on_post
    if plastic {
        for &j in &s.out_spikes {
            let j = j as usize;
            for i in (0..n_out).filter(|&i| i != j) {
                let wn = &mut s.w_neg[[i, j]];
                *wn = (*wn + -f.lr_n * (s.g_a[i] - s.g_theta[i])).clamp(-f.wmax, 0.0);
            }
        }
    }
    // 3.4 forward on_post
    for &j in &s.out_spikes {
        let j = j as usize;
        s.g_a[j] = repeat_add(s.g_a[j], f.g_a_inc, f.n_in as u32);
        s.g_theta[j] = repeat_add(s.g_theta[j], f.g_theta_inc, f.n_in as u32);
        if plastic {
            for (k, w) in s.w.column_mut(j).into_iter().enumerate() {
                *w = (*w + (-f.decay + f.lr * (s.p_a[k] - s.p_theta[k]))).clamp(0.0, f.wmax);
            }
        }
    }

    // 4. resets
    for &j in &s.out_spikes {
        s.v[j as usize] = 0.0;
        s.hold[j as usize] += f.hold_inc;
    }

    s.step = n + 1;
    obs.after_step(s);
}
