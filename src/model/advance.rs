//! Many steps at once, with the quiet ones in a tight loop.
//!
//! Most steps have no input spike (about 0.2 per step in the notebook) and no output spike (about
//! 0.03): all they do is the output group's update and its thresholds (step phases 1 and 2 of
//! [`super::step`]). [`advance`] asks the input source for the next step that may have an input
//! spike and runs the steps before it through those two phases alone, until one of them has an
//! output spike; that step, and every step with input spikes, goes through the whole step. The
//! arithmetic is the step's own, so the result is the same, bit for bit, as one [`step`] per step
//! (`tests::advance_is_stepping_bit_for_bit`).
//!
//! [`advance`] also keeps the protocol's tallies (spike counts, the sum of `G.a` that the
//! prediction reads), which would otherwise need an observer call per step. Observers that want
//! every step ([`Observer::EVERY_STEP`]) get one [`step`] per step.

use super::input::InputSource;
use super::params::Factors;
use super::state::State;
use super::step::{Observer, Parts, step};

/// What a run of steps adds up for the protocol.
#[derive(Debug)]
pub struct Tally<'a> {
    /// Input spikes accepted.
    pub input_spikes: u64,
    /// Spikes of each output.
    pub output_spikes: &'a mut [u64],
    /// Per output: the sum of `G.a` at the start of every step from `sum_from` on (the records of
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
        let quiet_end = input.next_candidate(*p.step).min(until);
        let mut n = *p.step;
        p.in_spikes.clear();
        p.out_spikes.clear();
        // Quiet steps: phases 1-2 of the outputs; no input spike, so nothing else happens unless
        // an output fires.
        while n < quiet_end {
            tally.sum(n, p.g_a);
            p.outputs(f, n);
            if !p.out_spikes.is_empty() {
                break;
            }
            n += 1;
        }
        *p.step = n;
        if n < quiet_end {
            p.synapses(f, n, plastic); // an output fired at n
        } else if n < until {
            tally.sum(n, p.g_a);
            p.outputs(f, n);
            p.inputs(f, n, input);
            p.synapses(f, n, plastic);
        } else {
            break;
        }
        tally.count(p.in_spikes, p.out_spikes);
    }
}
