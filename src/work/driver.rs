//! Running runs: one kernel ([`run_one`]) behind every path, parallelism only here (`par_iter` on
//! a rayon pool of the requested size). Each finished run is pushed into a [`Sink`] at once (a
//! results directory's journal, [`super::journal::Journalling`]; or nothing, [`InMemory`]), as
//! ripgrep's searcher pushes matches into its `Sink`. A run that panics or diverges is recorded as
//! failed and the rest go on. When the sink says stop (Ctrl-C) or fails, in-flight runs finish and
//! no new one starts.
//!
//! A run's result depends only on its configuration and seed, never on the thread that ran it or
//! on when: `tests::one_thread_and_two_agree_bit_for_bit` holds the kernel to that.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::{Config, RunSpec};
use crate::config::params;
use crate::results::journal::RunResult;
use crate::run::{RunOutcome, run_instance};

/// The most worker threads harness starts (far beyond any machine it runs on; a larger request
/// is a typo).
pub const MAX_THREADS: usize = 1024;

/// Worker threads: the requested number (1 to [`MAX_THREADS`]), or every core.
pub fn threads(requested: Option<usize>) -> Result<usize, String> {
    match requested {
        Some(0) => Err("--threads 0: give at least 1 thread".into()),
        Some(n) if n > MAX_THREADS => Err(format!("--threads {n}: at most {MAX_THREADS}")),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// The result of a run of `config` with `spec`'s seed, from what the run produced (or why not).
pub fn result_of(config: &Config, spec: &RunSpec, outcome: Result<RunOutcome, String>, wall_s: f64) -> RunResult {
    let mut r = RunResult {
        index: spec.index,
        run_id: spec.run_id.clone(),
        config_id: config.id_hex(),
        replicate: spec.replicate,
        seed: spec.seed,
        params: params::values(&config.exp.raw, config.exp.factors.n_out),
        error: None,
        train_accuracy: None,
        test_accuracy: None,
        train_presentations: 0,
        test_presentations: 0,
        input_spikes_train: 0,
        input_spikes_test: 0,
        output_spikes_train: 0,
        output_spikes_test: 0,
        checkpoints: Vec::new(),
        wall_s,
        race: spec.race,
    };
    match outcome {
        Ok(o) => {
            r.train_accuracy = Some(o.train_accuracy());
            r.test_accuracy = Some(o.test_accuracy());
            r.train_presentations = o.train.labels.len() as u64;
            r.test_presentations = o.test.labels.len() as u64;
            r.input_spikes_train = o.train.input_spikes;
            r.input_spikes_test = o.test.input_spikes;
            r.output_spikes_train = o.train.output_spikes.iter().sum();
            r.output_spikes_test = o.test.output_spikes.iter().sum();
            r.checkpoints = o.checkpoints.iter().map(|c| (c.presentations as u64, c.accuracy)).collect();
        }
        Err(e) => r.error = Some(e),
    }
    r
}

/// Whether the journalled `r` is the run `spec` of `config` asks for: every field that names the
/// run (position, run id, configuration, replicate, seed, parameters, race place) must be what a
/// run of `spec` writes. `Err` names the first field that differs. Resume, replay and `verify`
/// accept a journal line only through this, so a line copied from another run cannot pass.
pub fn answers(config: &Config, spec: &RunSpec, r: &RunResult) -> Result<(), String> {
    let want = result_of(config, spec, Err(String::new()), 0.0);
    let differs = |field: &str, found: String, wanted: String| {
        Err(format!("its {field} is {found} where the run at position {} has {wanted}", spec.index))
    };
    if r.index != want.index {
        return differs("position", r.index.to_string(), want.index.to_string());
    }
    if r.run_id != want.run_id {
        return differs("run id", r.run_id.clone(), want.run_id);
    }
    if r.config_id != want.config_id {
        return differs("configuration", r.config_id.clone(), want.config_id);
    }
    if r.replicate != want.replicate {
        return differs("replicate", r.replicate.to_string(), want.replicate.to_string());
    }
    if r.seed != want.seed {
        return differs("seed", r.seed.to_string(), want.seed.to_string());
    }
    if r.race != want.race {
        let tag = |t: Option<crate::results::journal::RaceTag>| {
            t.map_or("none".to_string(), |t| {
                format!(
                    "iteration {} seed {}{}",
                    t.iteration,
                    t.seed_index,
                    match (t.validation, t.screen) {
                        (true, _) => " (validation)".to_string(),
                        (_, Some(r)) => format!(" (screening rung {r})"),
                        _ => String::new(),
                    }
                )
            })
        };
        return differs("race place", tag(r.race), tag(want.race));
    }
    if r.params != want.params {
        return Err(format!("its parameters are not those of configuration {}", want.config_id));
    }
    Ok(())
}

/// Run one run: the kernel of every path.
pub fn run_one(config: &Config, spec: &RunSpec) -> RunResult {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| run_instance(&config.exp, spec.seed, &mut ())));
    let wall_s = start.elapsed().as_secs_f64();
    let outcome = match outcome {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("panic: {msg}"))
        }
    };
    result_of(config, spec, outcome, wall_s)
}

/// Where finished runs go, one at a time as each finishes, from any worker thread.
pub trait Sink: Sync {
    /// Why a run could not be kept (it stops the work).
    type Error: std::error::Error + Send;

    /// Keep `r` (a journal syncs it to disk before this returns).
    fn record(&self, r: &RunResult) -> Result<(), Self::Error>;

    /// Whether to start no new run (runs in flight finish and are recorded).
    fn stopped(&self) -> bool {
        false
    }
}

/// A sink that keeps nothing: [`execute`] returns the results.
pub struct InMemory;

impl Sink for InMemory {
    type Error = std::convert::Infallible;

    fn record(&self, _: &RunResult) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Why running runs stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DriverError<E: std::error::Error + 'static> {
    #[error("starting {threads} worker thread(s): {message}")]
    Pool { threads: usize, message: String },
    #[error(transparent)]
    Sink(E),
}

/// Run `specs` on `threads` threads, pushing each result into `sink` as it finishes (a sink error
/// stops the work). Returns the results of the runs that ran, in the order of `specs` (runs not
/// started because the sink said stop are absent).
pub fn execute<S: Sink>(
    configs: &[Config],
    specs: &[RunSpec],
    threads: usize,
    sink: &S,
) -> Result<Vec<RunResult>, DriverError<S::Error>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| DriverError::Pool { threads, message: e.to_string() })?;
    let failed = AtomicBool::new(false);
    let results: Vec<Option<Result<RunResult, S::Error>>> = pool.install(|| {
        specs
            .par_iter()
            .map(|spec| {
                if failed.load(Ordering::SeqCst) || sink.stopped() {
                    return None;
                }
                let result = run_one(&configs[spec.config], spec);
                let written = sink.record(&result);
                if written.is_err() {
                    failed.store(true, Ordering::SeqCst);
                }
                Some(written.map(|_| result))
            })
            .collect()
    });
    results.into_iter().flatten().collect::<Result<_, _>>().map_err(DriverError::Sink)
}

/// Run `specs` on `threads` threads without a sink: results in the order of `specs`.
pub fn execute_in_memory(configs: &[Config], specs: &[RunSpec], threads: usize) -> Vec<RunResult> {
    match execute(configs, specs, threads, &InMemory) {
        Ok(results) => results,
        // A pool that cannot start its threads: run on this one (the same kernel, the same bits).
        Err(DriverError::Pool { .. }) => specs.iter().map(|s| run_one(&configs[s.config], s)).collect(),
        Err(DriverError::Sink(never)) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::expand;

    /// rayon-demo's `test_life`: the parallel path and the sequential one agree bit for bit, in
    /// the same order, whatever finishes first.
    #[test]
    fn one_thread_and_two_agree_bit_for_bit() {
        let text = "seed = 3\nreplicates = 3\n[protocol]\ntrain_presentations = 10\ntest_presentations = 5\n\
                    [grid]\nc_inp = [0.1, 0.3]\nlr = [0.05, 0.2]\n";
        let raw = crate::config::parse_text("t.toml", text).unwrap();
        let sweep = expand(&raw, "t", std::path::Path::new("."), false).unwrap();
        let specs = sweep.runs();
        let strip = |rs: Vec<RunResult>| rs.into_iter().map(|r| RunResult { wall_s: 0.0, ..r }).collect::<Vec<_>>();
        let one = strip(execute_in_memory(&sweep.configs, &specs, 1));
        let two = strip(execute_in_memory(&sweep.configs, &specs, 2));
        assert_eq!(one.len(), 12);
        assert_eq!(one, two);
        let sequential = strip(specs.iter().map(|s| run_one(&sweep.configs[s.config], s)).collect());
        assert_eq!(one, sequential);
        assert!(one.iter().any(|r| r.test_accuracy != one[0].test_accuracy), "runs differ from each other");
    }

    #[test]
    fn thread_counts_are_checked() {
        assert!(threads(Some(0)).unwrap_err().contains("at least 1"));
        assert!(threads(Some(MAX_THREADS + 1)).unwrap_err().contains("at most"));
        assert_eq!(threads(Some(3)), Ok(3));
        assert!(threads(None).unwrap() >= 1);
    }
}
