//! One instance of the notebook protocol (200 train + 100 test presentations, 300,000 steps), with
//! 2 outputs (the notebook) and 10 outputs (all digits), on one thread.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::config::{self, DataCache, RawExperiment};
use harness::protocol::{ProtocolParams, SamplingMode};
use harness::run::run_instance;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

fn instance(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let notebook = config::load(&root.join("experiments/notebook.toml")).unwrap();
    let ten = RawExperiment {
        protocol: ProtocolParams {
            classes: (0..10).collect(),
            sampling: SamplingMode::Holdout,
            test_presentations: Some(100),
            ..Default::default()
        },
        ..Default::default()
    };
    let ten = config::resolve(&ten, "ten", root, &mut DataCache::default()).unwrap();
    let mut group = c.benchmark_group("instance");
    group.sample_size(20);
    group.bench_function("notebook_2_outputs", |b| b.iter(|| run_instance(&notebook, black_box(1), &mut ()).unwrap()));
    group.bench_function("ten_classes_10_outputs", |b| b.iter(|| run_instance(&ten, black_box(1), &mut ()).unwrap()));
    group.finish();
}

criterion_group!(benches, instance);
criterion_main!(benches);
