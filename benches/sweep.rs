//! Sweep throughput: a 64-run sweep (8 configurations x 8 replicates of the notebook protocol on a
//! held-out split) through the real driver (journal synced after every run) at 1 and 2 threads.
//! Criterion reports runs per second (throughput in elements); the 2-thread to 1-thread ratio is
//! the scaling.

use std::path::Path;
use std::sync::Mutex;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::config::parse_text;
use harness::results::journal::{Journal, JournalError, RunResult};
use harness::sweep::expand;
use harness::work::driver::{Sink, execute};

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

/// A journal alone (no results directory): each run appended and synced as it finishes.
struct Journalled(Mutex<Journal>);

impl Sink for Journalled {
    type Error = JournalError;

    fn record(&self, r: &RunResult) -> Result<(), JournalError> {
        self.0.lock().unwrap().append(r)
    }
}

const SWEEP: &str = r#"
name = "bench"
seed = 1
replicates = 8
[protocol]
sampling = "holdout"
[grid]
c_inp = [0.15, 0.2, 0.25, 0.3]
lr = [0.04, 0.05]
"#;

fn sweep(c: &mut Criterion) {
    let raw = parse_text("bench.toml", SWEEP).unwrap();
    let sweep = expand(&raw, "bench", Path::new("."), false).unwrap();
    let runs = sweep.runs();
    assert_eq!(runs.len(), 64);
    let mut group = c.benchmark_group("sweep_64_runs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(runs.len() as u64));
    for threads in [1, 2] {
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().unwrap();
                let (journal, _) = Journal::open(&dir.path().join("journal.jsonl")).unwrap();
                execute(&sweep.configs, &runs, threads, &Journalled(Mutex::new(journal))).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
