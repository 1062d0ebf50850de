//! The study's networks, one run each on one thread: the open race's best elite `dc94b2ca`
//! (`experiments/speed/elite.toml`: ten classes, 8 outputs per class = 80 outputs, 2,338 training +
//! 451 test presentations = 2,789,000 steps, spike-count rule, no test-phase plasticity) and the same
//! protocol at 40, 80 and 160 outputs (`neurons_per_class` 4, 8, 16).
//!
//! Before timing, each network is run once and its work is printed: synaptic events (input spikes
//! x outputs reached + output spikes x (inputs + other outputs)) and neuron-steps (outputs x steps),
//! so that the medians criterion reports divide into time per event and per neuron-step
//! (README, "Speed").
//!
//!     cargo bench --bench study

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::config::{self, Experiment};
use harness::run::run_instance;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

fn elite(neurons_per_class: usize) -> Experiment {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("experiments/speed/elite.toml");
    let text = std::fs::read_to_string(&path).expect("experiments/speed/elite.toml");
    let text = text.replace("neurons_per_class = 8", &format!("neurons_per_class = {neurons_per_class}"));
    let raw = config::parse_text("elite.toml", &text).expect("parses");
    config::resolve(&raw, "elite", root, &mut config::DataCache::default()).expect("valid")
}

/// What one run of `exp` does: steps, synaptic events, neuron-steps.
fn work(exp: &Experiment) -> (u64, u64, u64) {
    let run = run_instance(exp, 1, &mut ()).expect("runs");
    let (n_in, n_out) = (exp.factors.n_in as u64, exp.factors.n_out as u64);
    let inputs = run.train.input_spikes + run.test.input_spikes;
    let outputs: u64 = run.train.output_spikes.iter().chain(&run.test.output_spikes).sum();
    (run.steps, inputs * n_out + outputs * (n_in + n_out - 1), run.steps * n_out)
}

fn study(c: &mut Criterion) {
    let mut group = c.benchmark_group("study");
    group.sample_size(10);
    // 80 outputs is the elite itself.
    for (name, k) in [("outputs_40", 4), ("elite_dc94b2ca_80_outputs", 8), ("outputs_160", 16)] {
        let exp = elite(k);
        let (steps, events, neuron_steps) = work(&exp);
        eprintln!("{name}: {steps} steps, {events} synaptic events, {neuron_steps} neuron-steps per run");
        group.bench_function(name, |b| b.iter(|| run_instance(&exp, black_box(1), &mut ()).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, study);
criterion_main!(benches);
