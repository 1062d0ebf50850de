//! Where input spikes come from: a pluggable source behind one trait.
//!
//! - [`Poisson`]: the spike train of brian2's `threshold='rand() < rates*dt'` with a dead time of
//!   `ref` steps, drawn by skipping: instead of one Bernoulli draw per input and step, each input
//!   draws the step of its next spike, `next = ready + G - 1` with `G ~ Geometric(p = rate * dt)`
//!   on 1, 2, ... (`G - 1 = floor(E / -ln(1 - p))`, `E ~ Exp(1)`, so `P(G - 1 >= m) = (1 - p)^m`)
//!   and `ready` the first step it may fire (after the protocol's rate change, or `ref` steps after
//!   its last spike). Bernoulli trials are independent and those inside a dead time are discarded,
//!   so the train has exactly the distribution of the per-step draws, at a cost per spike instead of
//!   per neuron-step; a rate change redraws every input from the change on (memorylessness).
//!   Spikes are drawn a chunk of steps ahead and filed by step (a bucket list per step and a bitmap
//!   of the steps that have one: no sorting, no heap), so that finding the next step with a spike
//!   takes a few word operations.
//! - [`Bernoulli`]: the per-step reference (one draw per active input and step, refractoriness
//!   left to the step as brian2 ANDs the threshold with `not_refractory`); the statistical tests
//!   compare [`Poisson`] with it.
//! - [`Replay`]: a fixed table of `(step, neuron)` spikes, for golden tests against brian2 and for
//!   users who bring their own spike trains. Table entries that fall in a refractory period are
//!   dropped by the step, as brian2 would drop them.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use super::ahead::Ahead;

/// A source of candidate input spikes.
pub trait InputSource {
    /// The input rates changed (the protocol calls this at window boundaries, before step `step`).
    fn set_rates(&mut self, step: u64, rates_hz: &[f64], dt_ms: f64);
    /// Append, in ascending order, the inputs whose threshold condition holds at step `step`.
    /// Steps come in increasing order: every step, or the steps [`InputSource::next_candidate`]
    /// returns (skipping others may lose their spikes).
    fn spikes(&mut self, step: u64, out: &mut Vec<u32>);
    /// A step `>= from` such that every step in `from..` it has no input spike, so that the caller
    /// may skip calling [`InputSource::spikes`] for them (it must call it for the step returned).
    /// `from` promises nothing; that is the default.
    fn next_candidate(&mut self, from: u64) -> u64 {
        from
    }
    /// The caller is about to run steps whose work is bound by latency, so the processor has units
    /// to spare: a source may prepare what it will need, without changing what it hands out.
    #[inline(always)]
    fn idle(&mut self) {}
}

/// No entry / no spike.
const NONE: u32 = u32::MAX;

/// Poisson input with a dead time, drawn by skipping to each input's next spike.
#[derive(Debug, Clone)]
pub struct Poisson {
    rng: Ahead,
    /// Dead time in steps (at least 1: one spike per step).
    dead: u64,
    /// `1 / -ln(1 - rate * dt)` per input: mean waiting time in steps, before the floor (0: silent).
    scale: Vec<f64>,
    /// First step each input may fire again, from the spikes handed out so far.
    ready: Vec<u64>,
    /// Each input's next spike not yet filed in the chunk (`u64::MAX`: none).
    next: Vec<u64>,
    /// The chunk of steps `[start, start + head.len())` whose spikes are filed.
    start: u64,
    /// Per step of the chunk: its first entry (`NONE`: none; only read where `filled` has a bit).
    head: Vec<u32>,
    /// Bit `i % 64` of word `i / 64`: step `start + i` has spikes.
    filled: Vec<u64>,
    /// `(input, next entry of the same step)`; a step's list is in ascending input order.
    entries: Vec<(u32, u32)>,
}

impl Poisson {
    /// A source for `n_in` inputs with a dead time of `ref_steps` steps, drawing from `rng`.
    pub fn new(rng: Pcg64Mcg, n_in: usize, ref_steps: u64) -> Poisson {
        let dead = ref_steps.max(1);
        // A chunk of up to 512 steps (the notebook's 500-step windows fit in one), shorter when short
        // dead times and many inputs could file more than 16,384 spikes in one (the entries are
        // reserved here: the step loop never allocates).
        let chunk = 64 * (16_384 * dead / n_in.max(1) as u64 / 64).clamp(1, 8) as usize;
        let per_input = (chunk as u64).div_ceil(dead) as usize;
        Poisson {
            rng: Ahead::new(rng),
            dead,
            scale: vec![0.0; n_in],
            ready: vec![0; n_in],
            next: vec![u64::MAX; n_in],
            start: 0,
            head: vec![NONE; chunk],
            filled: vec![0; chunk / 64],
            entries: Vec::with_capacity(n_in * per_input),
        }
    }

    /// File every spike of the chunk starting at step `start`.
    #[inline(never)]
    fn fill(&mut self, start: u64) {
        // Distinct borrows, so that the compiler keeps them in registers across the stores.
        let Poisson { rng, dead, scale, next, head, filled, entries, .. } = self;
        self.start = start;
        filled.fill(0);
        entries.clear();
        let end = start + head.len() as u64;
        // Descending inputs, each pushed in front of its step's list: lists come out ascending.
        for k in (0..next.len()).rev() {
            let mut t = next[k];
            while t < end {
                let i = (t - start) as usize;
                let (word, bit) = (&mut filled[i / 64], 1u64 << (i % 64));
                // Branch-free: whether the step had a spike already is a coin toss.
                let first = *word & bit == 0;
                *word |= bit;
                let next = if first { NONE } else { head[i] };
                entries.push((k as u32, next));
                head[i] = (entries.len() - 1) as u32;
                t = draw(rng, t + *dead, scale[k]);
            }
            next[k] = t;
        }
    }
}

/// The first spike at or after step `from` of an input with waiting-time scale `scale`.
#[inline(always)]
fn draw(rng: &mut Ahead, from: u64, scale: f64) -> u64 {
    if scale == 0.0 {
        return u64::MAX;
    }
    let skip = rng.next() * scale; // G - 1 before the floor
    if skip < 1e18 { from.saturating_add(skip as u64) } else { u64::MAX } // `as` floors x >= 0
}

impl InputSource for Poisson {
    fn set_rates(&mut self, step: u64, rates_hz: &[f64], dt_ms: f64) {
        let dt_s = dt_ms * 1e-3;
        for (k, rate) in rates_hz.iter().enumerate() {
            let p = rate * dt_s;
            // p >= 1: every allowed step (scale 0 would mean silent; a tiny scale floors to 0).
            self.scale[k] = if p > 0.0 { if p >= 1.0 { f64::MIN_POSITIVE } else { -1.0 / (-p).ln_1p() } } else { 0.0 };
            self.next[k] = draw(&mut self.rng, step.max(self.ready[k]), self.scale[k]);
        }
        self.fill(step);
    }

    #[inline(always)]
    fn spikes(&mut self, step: u64, out: &mut Vec<u32>) {
        // Called for consecutive steps; set_rates starts a chunk, a step past its end starts the next.
        debug_assert!(step >= self.start, "steps go forward");
        if step >= self.start + self.head.len() as u64 {
            self.fill(step);
        }
        let i = (step - self.start) as usize;
        if self.filled[i / 64] & (1 << (i % 64)) == 0 {
            return;
        }
        let mut e = self.head[i];
        while e != NONE {
            let (k, next) = self.entries[e as usize];
            out.push(k);
            self.ready[k as usize] = step + self.dead;
            e = next;
        }
    }

    #[inline]
    fn next_candidate(&mut self, from: u64) -> u64 {
        let end = self.start + self.head.len() as u64;
        if from < self.start || from >= end {
            return from;
        }
        // The chunk's end is a candidate: `spikes` files the next chunk there.
        let i = (from - self.start) as usize;
        let mut w = i / 64;
        let mut bits = self.filled[w] & (u64::MAX << (i % 64));
        while bits == 0 {
            w += 1;
            if w == self.filled.len() {
                return end;
            }
            bits = self.filled[w];
        }
        self.start + (w * 64) as u64 + bits.trailing_zeros() as u64
    }

    #[inline(always)]
    fn idle(&mut self) {
        self.rng.top_up();
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

    fn next_candidate(&mut self, from: u64) -> u64 {
        self.table.get(self.next).map_or(u64::MAX, |&(s, _)| s.max(from))
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
