//! Where input spikes come from: a pluggable source behind one trait.
//!
//! - [`Poisson`]: the spike train of brian2's `threshold='rand() < rates*dt'` with a dead time of
//!   `ref` steps, drawn by skipping: instead of one Bernoulli draw per input and step, each input
//!   draws the step of its next spike, `next = ready + G - 1` with `G ~ Geometric(p = rate * dt)`
//!   on 1, 2, ... (`G = 1 + floor(ln U / ln(1 - p))`, `U` uniform on (0, 1]) and `ready` the first
//!   step it may fire (after the protocol's rate change, or `ref` steps after its last spike).
//!   Bernoulli trials are independent and those inside a dead time are discarded, so the train
//!   has exactly the distribution of the per-step draws, at a cost per spike instead of per
//!   neuron-step; a rate change redraws every input from the change on (memorylessness).
//! - [`Bernoulli`]: the per-step reference (one draw per active input and step, refractoriness
//!   left to the step as brian2 ANDs the threshold with `not_refractory`); the statistical tests
//!   compare [`Poisson`] with it.
//! - [`Replay`]: a fixed table of `(step, neuron)` spikes, for golden tests against brian2 and for
//!   users who bring their own spike trains. Table entries that fall in a refractory period are
//!   dropped by the step, as brian2 would drop them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// A source of candidate input spikes.
pub trait InputSource {
    /// The input rates changed (the protocol calls this at window boundaries, before step `step`).
    fn set_rates(&mut self, step: u64, rates_hz: &[f64], dt_ms: f64);
    /// Append, in ascending order, the inputs whose threshold condition holds at step `step`.
    fn spikes(&mut self, step: u64, out: &mut Vec<u32>);
}

/// Poisson input with a dead time, drawn by skipping to each input's next spike.
#[derive(Debug, Clone)]
pub struct Poisson {
    rng: Pcg64Mcg,
    ref_steps: u64,
    /// `ln(1 - rate * dt)` per input (NaN: silent).
    log_q: Vec<f64>,
    /// First step each input may fire again (refractory end).
    ready: Vec<u64>,
    /// `(step of the next spike, input)` of every input that will fire, soonest first.
    queue: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Poisson {
    /// A source for `n_in` inputs with a dead time of `ref_steps` steps, drawing from `rng`.
    pub fn new(rng: Pcg64Mcg, n_in: usize, ref_steps: u64) -> Poisson {
        Poisson {
            rng,
            ref_steps,
            log_q: vec![f64::NAN; n_in],
            ready: vec![0; n_in],
            queue: BinaryHeap::with_capacity(n_in),
        }
    }

    /// The first spike at or after step `from` of an input with `ln(1 - p) = log_q`.
    fn draw(&mut self, from: u64, log_q: f64) -> Option<u64> {
        if log_q.is_nan() {
            return None;
        }
        let u = 1.0 - self.rng.random::<f64>(); // (0, 1]
        let skip = (u.ln() / log_q).floor(); // G - 1; log_q = -inf (p = 1) gives 0
        (skip.is_finite() && skip < 1e18).then(|| from.saturating_add(skip as u64))
    }
}

impl InputSource for Poisson {
    fn set_rates(&mut self, step: u64, rates_hz: &[f64], dt_ms: f64) {
        let dt_s = dt_ms * 1e-3;
        self.queue.clear();
        for (k, rate) in rates_hz.iter().enumerate() {
            let p = rate * dt_s;
            self.log_q[k] = if p > 0.0 { (-p.min(1.0)).ln_1p() } else { f64::NAN };
            if let Some(next) = self.draw(step.max(self.ready[k]), self.log_q[k]) {
                self.queue.push(Reverse((next, k as u32)));
            }
        }
    }

    fn spikes(&mut self, step: u64, out: &mut Vec<u32>) {
        // Pops come soonest first and, within a step, by ascending input: `out` stays sorted.
        while let Some(&Reverse((next, k))) = self.queue.peek() {
            if next > step {
                break;
            }
            self.queue.pop();
            out.push(k);
            let ready = step + self.ref_steps.max(1);
            self.ready[k as usize] = ready;
            if let Some(next) = self.draw(ready, self.log_q[k as usize]) {
                self.queue.push(Reverse((next, k)));
            }
        }
    }
}

/// The per-step reference: one Bernoulli draw per active input and step.
#[derive(Debug, Clone)]
pub struct Bernoulli {
    rng: Pcg64Mcg,
    /// `(input, rate * dt)` for every input with a positive rate.
    active: Vec<(u32, f64)>,
}

impl Bernoulli {
    pub fn new(rng: Pcg64Mcg) -> Bernoulli {
        Bernoulli { rng, active: Vec::new() }
    }
}

impl InputSource for Bernoulli {
    fn set_rates(&mut self, _step: u64, rates_hz: &[f64], dt_ms: f64) {
        let dt_s = dt_ms * 1e-3;
        self.active.clear();
        self.active.extend(rates_hz.iter().enumerate().filter(|(_, r)| **r > 0.0).map(|(k, r)| (k as u32, r * dt_s)));
    }

    fn spikes(&mut self, _step: u64, out: &mut Vec<u32>) {
        for &(k, p) in &self.active {
            if self.rng.random::<f64>() < p {
                out.push(k);
            }
        }
    }
}

/// A replayed spike table.
#[derive(Debug, Clone)]
pub struct Replay {
    /// `(step, neuron)`, sorted.
    table: Vec<(u64, u32)>,
    next: usize,
}

impl Replay {
    /// A replay of `spikes` (any order; duplicates are kept once).
    pub fn new(mut spikes: Vec<(u64, u32)>) -> Replay {
        spikes.sort_unstable();
        spikes.dedup();
        Replay { table: spikes, next: 0 }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl InputSource for Replay {
    fn set_rates(&mut self, _step: u64, _rates_hz: &[f64], _dt_ms: f64) {}

    fn spikes(&mut self, step: u64, out: &mut Vec<u32>) {
        while let Some(&(s, k)) = self.table.get(self.next) {
            if s > step {
                break;
            }
            if s == step {
                out.push(k);
            }
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn replay_emits_each_entry_at_its_step() {
        let mut r = Replay::new(vec![(3, 1), (1, 5), (3, 0), (3, 1)]);
        let mut got = Vec::new();
        for step in 0..5 {
            let mut out = Vec::new();
            r.spikes(step, &mut out);
            got.push(out);
        }
        assert_eq!(got, vec![vec![], vec![5], vec![], vec![0, 1], vec![]]);
    }

    #[test]
    fn sources_are_silent_at_rate_zero_and_fire_whenever_allowed_at_probability_one() {
        // 10 kHz * 0.1 ms = probability 1 per step: Bernoulli fires every step (the step then
        // applies the dead time), Poisson every `ref` steps.
        let mut b = Bernoulli::new(Pcg64Mcg::seed_from_u64(7));
        let mut p = Poisson::new(Pcg64Mcg::seed_from_u64(7), 3, 20);
        b.set_rates(0, &[0.0, 10_000.0, 0.0], 0.1);
        p.set_rates(0, &[0.0, 10_000.0, 0.0], 0.1);
        for step in 0..100 {
            let (mut ob, mut op) = (Vec::new(), Vec::new());
            b.spikes(step, &mut ob);
            p.spikes(step, &mut op);
            assert_eq!(ob, vec![1]);
            assert_eq!(op, if step % 20 == 0 { vec![1] } else { vec![] });
        }
    }

    #[test]
    fn poisson_carries_the_dead_time_across_a_rate_change() {
        let mut p = Poisson::new(Pcg64Mcg::seed_from_u64(1), 1, 20);
        p.set_rates(0, &[10_000.0], 0.1);
        let mut out = Vec::new();
        for step in 0..=5 {
            p.spikes(step, &mut out);
        }
        assert_eq!(out, vec![0]);
        p.set_rates(5, &[10_000.0], 0.1); // still refractory until step 20
        out.clear();
        for step in 5..=20 {
            p.spikes(step, &mut out);
            if step < 20 {
                assert!(out.is_empty(), "fired at {step}");
            }
        }
        assert_eq!(out, vec![0]);
    }
}
