//! How the cost of one instance grows: with simulated time (100, 200, 400 training presentations,
//! 2 outputs), with the number of outputs (2, 5, 10 classes, 64 inputs) and with the number of
//! inputs (a synthetic 16x16 version of the digits, each pixel repeated 2x2: 256 inputs, 2 and 10
//! outputs). Every instance is the notebook protocol otherwise (held-out split, 100 test
//! presentations).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::config::{DataCache, Experiment, RawExperiment, resolve};
use harness::data::Dataset;
use harness::protocol::{ProtocolParams, SamplingMode};
use harness::run::run_instance;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

fn experiment(classes: u8, train: usize, data: Option<&Path>) -> Experiment {
    let raw = RawExperiment {
        data: data.map(|p| p.display().to_string()),
        protocol: ProtocolParams {
            classes: (0..classes).collect(),
            sampling: SamplingMode::Holdout,
            train_presentations: train,
            test_presentations: Some(100),
            ..Default::default()
        },
        ..Default::default()
    };
    resolve(&raw, "scaling", Path::new("."), &mut DataCache::default()).expect("valid")
}

/// The digits at 16x16: every pixel repeated 2x2.
fn upsampled(dir: &Path) -> std::path::PathBuf {
    let d = Dataset::bundled();
    let mut csv = String::new();
    for row in 0..d.len() {
        let img = d.image(row);
        for y in 0..16 {
            for x in 0..16 {
                let _ = write!(csv, "{},", img[(y / 2) * 8 + x / 2]);
            }
        }
        let _ = writeln!(csv, "{}", d.label(row));
    }
    let path = dir.join("digits16.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn scaling(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let big = upsampled(dir.path());
    let mut g = c.benchmark_group("scaling");
    g.sample_size(10);
    for train in [100, 200, 400] {
        let e = experiment(2, train, None);
        g.bench_function(format!("time/2_out_64_in_{train}_train"), |b| {
            b.iter(|| run_instance(&e, black_box(1), &mut ()))
        });
    }
    for classes in [2, 5, 10] {
        let e = experiment(classes, 200, None);
        g.bench_function(format!("outputs/{classes}_out_64_in"), |b| {
            b.iter(|| run_instance(&e, black_box(1), &mut ()))
        });
    }
    for classes in [2, 10] {
        let e = experiment(classes, 200, Some(&big));
        g.bench_function(format!("inputs/{classes}_out_256_in"), |b| {
            b.iter(|| run_instance(&e, black_box(1), &mut ()))
        });
    }
    g.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
