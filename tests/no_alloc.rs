//! The step loop allocates nothing, and a run's memory stays far below 1 MB: a counting global
//! allocator watches every allocation of this test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use harness::config::{self, DataCache, RawExperiment};
use harness::model::{InputSource, Poisson, State, step};
use harness::protocol::{ProtocolParams, Sampling, SamplingMode};
use harness::rng::{Stream, stream};
use harness::run::run_instance;

struct Counting;

static COUNT: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    /// Only the watching thread's allocations count (the test harness allocates on others).
    static ON: Cell<bool> = const { Cell::new(false) };
}
/// Tests share the counters: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.with(Cell::get) {
            COUNT.fetch_add(1, Ordering::Relaxed);
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ON.with(Cell::get) {
            LIVE.fetch_sub(layout.size().min(LIVE.load(Ordering::Relaxed)), Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn watch<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    COUNT.store(0, Ordering::SeqCst);
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    ON.with(|on| on.set(true));
    let t = f();
    ON.with(|on| on.set(false));
    (t, COUNT.load(Ordering::SeqCst), PEAK.load(Ordering::SeqCst))
}

#[test]
fn the_step_loop_allocates_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let f = harness::model::ModelParams::default().factors(64, 10).unwrap();
    let mut s = State::initial(&f, &mut stream(1, Stream::Init));
    let mut input = Poisson::new(stream(1, Stream::Input), 64, f.ref_steps);
    s.i_teacher[3] = 100.0;
    let (spikes, count, _) = watch(|| {
        let mut spikes = 0;
        for window in 0..40u64 {
            let rate = if window % 2 == 0 { 250.0 } else { 0.0 };
            input.set_rates(s.step, &[rate; 64], f.dt_ms);
            for _ in 0..500 {
                step(&mut s, &f, true, &mut input, &mut ());
                spikes += s.in_spikes.len() + s.out_spikes.len();
            }
        }
        spikes
    });
    assert!(spikes > 1000, "the loop did work ({spikes} spikes)");
    assert_eq!(count, 0, "{count} allocations in 20,000 steps");
}

#[test]
fn a_run_needs_far_less_than_a_megabyte() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let notebook = config::load(&root.join("experiments/notebook.toml")).unwrap();
    let ten = RawExperiment {
        protocol: ProtocolParams { classes: (0..10).collect(), sampling: SamplingMode::Holdout, ..Default::default() },
        ..Default::default()
    };
    let ten = config::resolve(&ten, "ten", root, &mut DataCache::default()).unwrap();
    for (name, exp) in [("notebook", &notebook), ("ten classes", &ten)] {
        let (outcome, count, peak) = watch(|| run_instance(exp, 1, &mut ()).unwrap());
        println!("{name}: {count} allocations, peak {peak} bytes live, test accuracy {}", outcome.test_accuracy());
        assert!(peak < 1 << 20, "{name}: peak {peak} bytes");
        // Allocations are set-up only: twice the training does not allocate more often.
        let mut longer = exp.clone();
        longer.protocol.sampling = match longer.protocol.sampling.clone() {
            Sampling::Notebook { lo, hi, train, test } => Sampling::Notebook { lo, hi, train: 2 * train, test },
            Sampling::Holdout { test_fraction, split_seed, train, test } => {
                Sampling::Holdout { test_fraction, split_seed, train: 2 * train, test }
            }
        };
        let (_, count_longer, _) = watch(|| run_instance(&longer, 1, &mut ()).unwrap());
        assert_eq!(count_longer, count, "{name}: allocations grow with the run's length");
    }
}
