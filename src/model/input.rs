//! Where input spikes come from: a pluggable source behind one trait.
//!
//! - [`Poisson`]: at each step, input `k` fires with probability `rate_k * dt` (brian2's
//!   `threshold='rand() < rates*dt'`), drawn from the run's own random stream. Inputs at rate 0 draw
//!   nothing. Refractoriness is applied by the step, not here, exactly as brian2 ANDs the threshold
//!   with `not_refractory`.
//! - [`Replay`]: a fixed table of `(step, neuron)` spikes, for golden tests against brian2 and for
//!   users who bring their own spike trains. Table entries that fall in a refractory period are
//!   dropped by the step, as brian2 would drop them.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// A source of candidate input spikes.
pub trait InputSource {
    /// The input rates changed (the protocol calls this at window boundaries, before step `step`).
    fn set_rates(&mut self, step: u64, rates_hz: &[f64], dt_ms: f64);
    /// Append, in ascending order, the inputs whose threshold condition holds at step `step`.
    fn spikes(&mut self, step: u64, out: &mut Vec<u32>);
}

/// Bernoulli draws per step and per active input.
#[derive(Debug, Clone)]
pub struct Poisson {
    rng: Pcg64Mcg,
    /// `(input, rate * dt)` for every input with a positive rate.
    active: Vec<(u32, f64)>,
}

impl Poisson {
    pub fn new(rng: Pcg64Mcg) -> Poisson {
        Poisson { rng, active: Vec::new() }
    }
}

impl InputSource for Poisson {
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
    fn poisson_is_silent_at_rate_zero_and_fires_at_rate_one_per_step() {
        let mut p = Poisson::new(Pcg64Mcg::seed_from_u64(7));
        p.set_rates(0, &[0.0, 10_000.0, 0.0], 0.1); // 10 kHz * 0.1 ms = probability 1
        for step in 0..100 {
            let mut out = Vec::new();
            p.spikes(step, &mut out);
            assert_eq!(out, vec![1]);
        }
    }
}
