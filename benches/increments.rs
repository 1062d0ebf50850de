//! brian2's repeated per-synapse trace increments in isolation (`model::Repeated`: the table's one
//! addition, the ladder for sums that cross binades): the elite's four increments
//! (`experiments/speed/elite.toml`: `P.a` and `P.theta` added 80 times per input spike, `G.a` and
//! `G.theta` 64 times per output spike), on 64 traces that decay between their spikes, with the
//! spike intervals of a presentation (about 40 steps) and now and then a rest (hundreds to
//! thousands of steps), so that the traces meet the increments in the binades the run meets them
//! in; one spike after another goes to the next trace, so consecutive increments are independent
//! as in the run. 100,000 increments each; the elite makes about 637,000 input and 369,000 output
//! spikes (24 ms of increments in all on session 17's machine, README "Speed").
//!
//!   cargo bench --bench increments

use criterion::{Criterion, criterion_group, criterion_main};
use harness::model::Repeated;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::hint::black_box;

/// Large allocations on cache lines ([`harness::alloc`]), as in the other benchmarks.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

/// The elite's time constants (ms) and synapse counts.
const ALPHA_MS: f64 = 5.050757693236718;
const BETA_MS: f64 = 394.13689895817816;
const N_IN: u32 = 64;
const N_OUT: u32 = 80;
const DT_MS: f64 = 0.1;
const SPIKES: usize = 100_000;
const TRACES: usize = 64;

/// Per spike the decay factor since its trace's last (`exp(-m dt / tau)`, drawn once).
fn decays(tau_ms: f64, seed: u64) -> Vec<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    (0..SPIKES)
        .map(|_| {
            let steps = if rng.random::<f64>() < 0.9 {
                1.0 + (-rng.random::<f64>().ln() * 40.0).floor()
            } else {
                rng.random_range(300.0..3000.0f64).floor()
            };
            (-steps * DT_MS / tau_ms).exp()
        })
        .collect()
}

fn increments(c: &mut Criterion) {
    let mut group = c.benchmark_group("increments");
    group.sample_size(20);
    for (name, tau, n, seed) in [
        ("p_a_80", ALPHA_MS, N_OUT, 1),
        ("p_theta_80", BETA_MS, N_OUT, 2),
        ("g_a_64", ALPHA_MS, N_IN, 3),
        ("g_theta_64", BETA_MS, N_IN, 4),
    ] {
        // brian2's `a += 1ms/alpha/n` on every one of the n synapses a spike reaches.
        let rep = Repeated::new(1.0 / tau / n as f64, n);
        let decays = decays(tau, seed);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut traces = [0.0f64; TRACES];
                for (i, &d) in decays.iter().enumerate() {
                    let x = &mut traces[i % TRACES];
                    *x = rep.apply(black_box(*x * d));
                }
                traces
            })
        });
    }
    group.finish();
}

criterion_group!(benches, increments);
criterion_main!(benches);
