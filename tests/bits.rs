//! Every result is the same, bit for bit, as the build that preceded the many-output kernel
//! (commit ec2a326): a fingerprint of each run below (labels, predictions, spike counts of every
//! output in both phases, and every bit of the forward and lateral weights at the end of each
//! phase) is pinned here, computed by that build. The runs cover every path of the step loop: the
//! fixed-size quiet loops (1 to 4 outputs) and the general one, the notebook's instance and the
//! study's networks (80 and 160 outputs), both prediction rules, test-phase plasticity on and off,
//! no dead time, and a traced run (one step at a time).
//!
//! A change of the kernel that moves one bit of one weight fails here. A change that is meant to
//! move numbers (a new model, a deliberate fix) must say so and re-pin these values, with the
//! reason in its commit.

use std::path::Path;

use harness::config::{DataCache, Experiment, parse_text, resolve};
use harness::protocol::PhaseOutcome;
use harness::rng::fnv1a;
use harness::run::{run_with_weights, schedule};
use harness::trace::Trace;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

fn experiment(text: &str) -> Experiment {
    let raw = parse_text("bits.toml", text).expect("parses");
    resolve(&raw, "bits", Path::new(env!("CARGO_MANIFEST_DIR")), &mut DataCache::default()).expect("valid")
}

fn phase_bytes(p: &PhaseOutcome, out: &mut Vec<u8>) {
    for &x in p.labels.iter().chain(&p.predictions) {
        out.extend_from_slice(&(x as u64).to_le_bytes());
    }
    out.extend_from_slice(&p.input_spikes.to_le_bytes());
    for &n in &p.output_spikes {
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// The fingerprint of one run: everything it produced, to the bit.
fn fingerprint(exp: &Experiment, seed: u64, traced: bool) -> u64 {
    let mut trace = traced.then(|| Trace::new(exp, &schedule(exp, seed), 1000).expect("a trace that fits"));
    let (outcome, weights) = run_with_weights(exp, seed, trace.as_mut()).expect("the run succeeds");
    let mut bytes = Vec::new();
    phase_bytes(&outcome.train, &mut bytes);
    phase_bytes(&outcome.test, &mut bytes);
    bytes.extend_from_slice(&outcome.steps.to_le_bytes());
    for snap in [&weights.after_train, &weights.after_test] {
        bytes.extend_from_slice(&snap.step.to_le_bytes());
        for x in snap.w.iter().chain(snap.w_neg.iter()) {
            bytes.extend_from_slice(&x.to_bits().to_le_bytes());
        }
    }
    fnv1a(&bytes)
}

const TEN: &str = "classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\nsampling = \"holdout\"\n";

/// (name, experiment text, seed, traced, the fingerprint of commit ec2a326).
fn cases() -> Vec<(&'static str, String, u64, bool, u64)> {
    let file = |p: &str| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).expect("reads");
    let elite = file("experiments/speed/elite.toml");
    let short = |text: &str, k: usize| {
        text.replace("train_presentations = 2338", "train_presentations = 300\ntest_presentations = 100")
            .replace("neurons_per_class = 8", &format!("neurons_per_class = {k}"))
    };
    vec![
        ("notebook", file("experiments/notebook.toml"), 1, false, 0x6035a0fb23bf9668),
        ("notebook, seed 7", file("experiments/notebook.toml"), 7, false, 0x60e67ddf4156de7e),
        ("notebook, traced", file("experiments/notebook.toml"), 2, true, 0x4faa30636f1c6a2b),
        ("one class", "[protocol]\nclasses = [3]\ntrain_presentations = 50\ntest_presentations = 20\n".into(), 1, false, 0x1e46720d975d05da),
        ("three classes", "[protocol]\nclasses = [1, 5, 9]\ntrain_presentations = 150\ntest_presentations = 60\n".into(), 3, false, 0x5993f4ab9033670a),
        (
            "four outputs, no dead time, spike rule",
            "[model]\nt_ref_ms = 0.0\n[protocol]\nclasses = [0, 8]\nneurons_per_class = 2\nprediction = \"spikes\"\ntrain_presentations = 100\ntest_presentations = 50\n".into(),
            4,
            false,
            0x66b2e60f9fdcde47,
        ),
        ("ten classes", format!("[protocol]\n{TEN}train_presentations = 300\ntest_presentations = 100\n"), 5, false, 0x8dc7682fea8bd93d),
        (
            "ten classes x 3, test plasticity off",
            format!("[protocol]\n{TEN}neurons_per_class = 3\nplasticity_test = false\ntrain_presentations = 300\ntest_presentations = 100\n"),
            6,
            false,
            0x9322cc27f89b7fb8,
        ),
        ("elite", elite.clone(), 1, false, 0x3d67593c67fb6577),
        ("elite, 40 outputs, short", short(&elite, 4), 2, false, 0x98a00e2ae6e8a920),
        ("elite, 160 outputs, short", short(&elite, 16), 3, false, 0x9fd0079f3b83268e),
        ("elite, 80 outputs, short, traced", short(&elite, 8), 4, true, 0x8bc971d776fc59d3),
        (
            "elite, 80 outputs, short, test plasticity, trace rule",
            short(&elite, 8).replace("prediction = \"spikes\"", "prediction = \"trace\"").replace("plasticity_test = false", "plasticity_test = true"),
            5,
            false,
            0x92c211d7878e59f0,
        ),
    ]
}

#[test]
fn every_run_is_bit_identical_to_the_build_before_the_many_output_kernel() {
    let mut wrong = Vec::new();
    for (name, text, seed, traced, want) in cases() {
        let got = fingerprint(&experiment(&text), seed, traced);
        if got != want {
            wrong.push(format!("{name} (seed {seed}): fingerprint {got:#018x}, pinned {want:#018x}"));
        }
    }
    assert!(wrong.is_empty(), "runs that changed:\n{}", wrong.join("\n"));
}
