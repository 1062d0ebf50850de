//! Many steps at once, with the quiet ones in a tight loop.
//!
//! Most steps have no input spike (about 0.2 per step in the notebook) and no output spike (about
//! 0.03): all they do is the output group's update and its thresholds (step phases 1 and 2 of
//! [`super::step`]). [`advance`] asks the input source for the next step that may have an input
//! spike and runs the steps before it through those two phases alone, until one of them has an
//! output spike; that step, and every step with input spikes, goes through the whole step. The
//! arithmetic is the step's own, so the result is the same, bit for bit, as one [`step`] per step
//! (`tests::advance_is_stepping_bit_for_bit`). Up to four outputs keep their state in registers
//! through a stretch; more run a long stretch block by block ([`super::block`]) and a short one
//! step by step through memory.
//!
//! [`advance`] also keeps the protocol's tallies (spike counts, the sum of `G.a` that the
//! prediction reads), which would otherwise need an observer call per step. Observers that want
//! every step ([`Observer::EVERY_STEP`]) get one [`step`] per step.

use super::block::{LONG, outputs_blocked};
use super::crossings::list_crossings;
use super::input::InputSource;
use super::params::Factors;
use super::state::State;
use super::step::{Observer, Parts, output_group, step};

/// What a run of steps adds up for the protocol.
#[derive(Debug)]
pub struct Tally<'a> {
    /// Input spikes accepted.
    pub input_spikes: u64,
    /// Spikes of each output.
    pub output_spikes: &'a mut [u64],
    /// Per output: the sum of `G.a` at the start of every step from `sum_from` on (the samples of
    /// the notebook's monitor that the prediction reads).
    pub g_a_sum: &'a mut [f64],
    /// First step whose `G.a` enters `g_a_sum`.
    pub sum_from: u64,
}

impl Tally<'_> {
    #[inline(always)]
    fn sum(&mut self, n: u64, g_a: &[f64]) {
        if n >= self.sum_from {
            for (sum, a) in self.g_a_sum.iter_mut().zip(g_a) {
                *sum += a;
            }
        }
    }

    #[inline(always)]
    fn count(&mut self, in_spikes: &[u32], out_spikes: &[u32]) {
        self.input_spikes += in_spikes.len() as u64;
        for &j in out_spikes {
            self.output_spikes[j as usize] += 1;
        }
    }
}

/// Run steps until `s.step == until`, tallying into `tally`.
pub fn advance<I: InputSource, O: Observer>(
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    advance_on(Isa::detected(), s, f, plastic, input, obs, until, tally)
}

/// The instruction sets [`advance`] is compiled for. The compiler never fuses a multiplication and
/// an addition on its own, and each vector lane does one output's operations in the scalar order,
/// so every one computes the same bits (`tests::every_instruction_set_computes_the_same_bits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The target's baseline (SSE2 on x86-64).
    Baseline,
    /// AVX2: four outputs a vector, three-operand instructions.
    Avx2,
    /// AVX-512F: eight outputs a vector (the per-step update of many outputs).
    Avx512,
}

impl Isa {
    /// The widest the CPU supports.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa::Avx2;
            }
        }
        Isa::Baseline
    }

    /// Every one the CPU supports, narrowest first.
    pub fn supported() -> Vec<Isa> {
        let widest = Isa::detected();
        [Isa::Baseline, Isa::Avx2, Isa::Avx512].into_iter().filter(|&isa| isa as u8 <= widest as u8).collect()
    }
}

/// [`advance`] compiled for `isa`, which the CPU must support (else the baseline runs).
#[allow(clippy::too_many_arguments)]
pub fn advance_on<I: InputSource, O: Observer>(
    isa: Isa,
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    // Few outputs and many compiled apart: each function's registers go to its own loops.
    if f.n_out <= FIXED {
        dispatch::<I, O, false>(isa, s, f, plastic, input, obs, until, tally)
    } else {
        dispatch::<I, O, true>(isa, s, f, plastic, input, obs, until, tally)
    }
}

/// [`advance_on`] for few (`MANY` unset: at most [`FIXED`]) or many outputs: the build for `isa`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dispatch<I: InputSource, O: Observer, const MANY: bool>(
    isa: Isa,
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    #[cfg(target_arch = "x86_64")]
    match isa {
        // SAFETY: the CPU supports AVX-512F (checked here).
        Isa::Avx512 if std::arch::is_x86_feature_detected!("avx512f") => {
            return unsafe { advance_avx512::<I, O, MANY>(s, f, plastic, input, obs, until, tally) };
        }
        // SAFETY: the CPU supports AVX2 (checked here).
        Isa::Avx2 if std::arch::is_x86_feature_detected!("avx2") => {
            return unsafe { advance_avx2::<I, O, MANY>(s, f, plastic, input, obs, until, tally) };
        }
        _ => {}
    }
    let _ = isa;
    advance_body::<I, O, MANY>(s, f, plastic, input, obs, until, tally)
}

/// [`advance`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn advance_avx2<I: InputSource, O: Observer, const MANY: bool>(
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    advance_body::<I, O, MANY>(s, f, plastic, input, obs, until, tally)
}

/// [`advance`] compiled for AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn advance_avx512<I: InputSource, O: Observer, const MANY: bool>(
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    advance_body::<I, O, MANY>(s, f, plastic, input, obs, until, tally)
}

/// The runs of steps, for more than [`FIXED`] outputs (`MANY`) or for at most that many.
#[inline(always)]
fn advance_body<I: InputSource, O: Observer, const MANY: bool>(
    s: &mut State,
    f: &Factors,
    plastic: bool,
    input: &mut I,
    obs: &mut O,
    until: u64,
    tally: &mut Tally<'_>,
) {
    if O::EVERY_STEP {
        while s.step < until {
            tally.sum(s.step, &s.g_a);
            step(s, f, plastic, input, obs);
            tally.count(&s.in_spikes, &s.out_spikes);
        }
        return;
    }
    let mut p = Parts::of(s, f);
    while *p.step < until {
        let n = *p.step;
        // Phases 1-2 of the outputs from n through the next step that may have input spikes (the
        // steps before it have none, so nothing else happens in them unless an output fires).
        let candidate = input.next_candidate(n).min(until);
        let last = (candidate + 1).min(until);
        p.in_spikes.clear();
        p.out_spikes.clear();
        // Few outputs leave a stretch bound by the latency of their update: work of the input's
        // done here overlaps with its first steps. (Inside the loop it would take the registers
        // that keep the outputs' state, and ran the notebook twice as slow.)
        if !MANY {
            input.idle();
        }
        let m = match f.n_out {
            _ if MANY => quiet(&mut p, f, n, last, tally),
            1 => quiet_fixed::<1>(&mut p, f, n, last, tally),
            2 => quiet_fixed::<2>(&mut p, f, n, last, tally),
            3 => quiet_fixed::<3>(&mut p, f, n, last, tally),
            // FIXED outputs
            _ => quiet_fixed::<4>(&mut p, f, n, last, tally),
        };
        let fired = m < last;
        if !fired && candidate == until {
            *p.step = until;
            break;
        }
        // The step to finish: the first with an output spike, or else the candidate.
        let at = if fired { m } else { candidate };
        if at == candidate {
            p.inputs(f, at, input);
        }
        p.synapses(f, at, plastic);
        tally.count(p.in_spikes, p.out_spikes);
    }
}

/// Outputs up to which a stretch keeps every output's state in registers ([`quiet_fixed`]).
pub(super) const FIXED: usize = 4;

/// Quiet steps from `n` until `end` or the first step at which an output fires (its phases 1-2
/// done, `out_spikes` set); returns that step or `end`. A long stretch runs block by block.
#[inline(always)]
fn quiet(p: &mut Parts<'_>, f: &Factors, n: u64, end: u64, tally: &mut Tally<'_>) -> u64 {
    if end - n >= LONG {
        outputs_blocked(p, f, n, end, tally.g_a_sum, tally.sum_from)
    } else {
        p.outputs_until(f, n, end, tally.g_a_sum, tally.sum_from)
    }
}

/// [`quiet`] for `N` outputs, with the state in local arrays the compiler keeps in registers (the
/// arithmetic is [`output_group`], as in [`Parts::outputs`]).
#[inline(always)]
fn quiet_fixed<const N: usize>(p: &mut Parts<'_>, f: &Factors, mut n: u64, end: u64, tally: &mut Tally<'_>) -> u64 {
    let load = |x: &[f64]| -> [f64; N] { x.try_into().expect("N outputs") };
    let (mut v, mut i_inp, mut i_neg, mut g_a) = (load(p.v), load(p.i_inp), load(p.i_neg), load(p.g_a));
    let (mut g_theta, mut hold, teacher) = (load(p.g_theta), load(p.hold), load(p.drive));
    let mut sum = load(tally.g_a_sum);
    let g_ready: [u64; N] = (&*p.g_ready).try_into().expect("N outputs");
    let mut fired = false;
    while n < end {
        if n >= tally.sum_from {
            for j in 0..N {
                sum[j] += g_a[j];
            }
        }
        for j in 0..N {
            let ready = n >= g_ready[j];
            let (v, hold) = (&mut v[j], &mut hold[j]);
            fired |=
                output_group(f, ready, v, &mut i_inp[j], &mut i_neg[j], teacher[j], &mut g_a[j], &mut g_theta[j], hold);
        }
        if fired {
            break;
        }
        n += 1;
    }
    // `[..N]`: a copy of constant length, inlined (the slices' lengths are not known to be N).
    p.v[..N].copy_from_slice(&v);
    p.i_inp[..N].copy_from_slice(&i_inp);
    p.i_neg[..N].copy_from_slice(&i_neg);
    p.g_a[..N].copy_from_slice(&g_a);
    p.g_theta[..N].copy_from_slice(&g_theta);
    p.hold[..N].copy_from_slice(&hold);
    tally.g_a_sum[..N].copy_from_slice(&sum);
    if fired {
        list_crossings(n, &v, &hold, p.g_ready, f.ref_steps, p.out_spikes);
    }
    n
}
