//! Running a sweep's runs: one kernel ([`run_one`]) behind the sequential and parallel paths,
//! parallelism only here (`par_iter` on a rayon pool of the requested size), every finished run
//! appended to the journal at once. A run that panics or diverges is recorded as failed and the
//! sweep goes on. Setting `stop` lets in-flight runs finish and starts no new one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::journal::{Journal, JournalError, Param, Record};
use super::names;
use super::space::{Config, RunSpec};
use crate::run::run_instance;

/// Worker threads: the requested number, or every core.
pub fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// Every parameter of a configuration, in declaration order, as table values. `hold_inc` is
/// given its effective value (`0.1 * n_out` when absent).
pub fn params_of(config: &Config) -> Vec<(String, Option<Param>)> {
    let raw = &config.exp.raw;
    let mut model = toml::Table::try_from(&raw.model).expect("serialisable");
    model.insert("hold_inc".into(), toml::Value::Float(raw.model.hold_inc_for(config.exp.factors.n_out)));
    let protocol = toml::Table::try_from(&raw.protocol).expect("serialisable");
    names::all()
        .into_iter()
        .map(|(section, name)| {
            let table = match section {
                names::Section::Model => &model,
                names::Section::Protocol => &protocol,
            };
            (name.to_string(), table.get(name).map(to_param))
        })
        .collect()
}

fn to_param(v: &toml::Value) -> Param {
    match v {
        toml::Value::Boolean(b) => Param::Bool(*b),
        toml::Value::Integer(i) => Param::Int(*i),
        toml::Value::Float(x) => Param::Float(*x),
        toml::Value::String(s) => Param::Text(s.clone()),
        toml::Value::Array(xs) => Param::Text(
            xs.iter()
                .map(|x| match x {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Param::Text(other.to_string()),
    }
}

/// Run one run of a sweep: the kernel of every path.
pub fn run_one(config: &Config, spec: &RunSpec) -> Record {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| run_instance(&config.exp, spec.seed, &mut ())));
    let wall_s = start.elapsed().as_secs_f64();
    let mut r = Record {
        index: spec.index,
        run_id: spec.run_id.clone(),
        config_id: config.id_hex(),
        replicate: spec.replicate,
        seed: spec.seed,
        params: params_of(config),
        error: None,
        train_accuracy: None,
        test_accuracy: None,
        train_presentations: 0,
        test_presentations: 0,
        input_spikes_train: 0,
        input_spikes_test: 0,
        output_spikes_train: 0,
        output_spikes_test: 0,
        wall_s,
    };
    match outcome {
        Ok(Ok(o)) => {
            r.train_accuracy = Some(o.train_accuracy());
            r.test_accuracy = Some(o.test_accuracy());
            r.train_presentations = o.train.labels.len() as u64;
            r.test_presentations = o.test.labels.len() as u64;
            r.input_spikes_train = o.train.input_spikes;
            r.input_spikes_test = o.test.input_spikes;
            r.output_spikes_train = o.train.output_spikes.iter().sum();
            r.output_spikes_test = o.test.output_spikes.iter().sum();
        }
        Ok(Err(e)) => r.error = Some(e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            r.error = Some(format!("panic: {msg}"));
        }
    }
    r
}

/// Run `specs` on `threads` threads, appending each record to `journal` as it finishes and
/// calling `progress` after each. Returns the records of the runs that ran, in the order of
/// `specs` (runs skipped because `stop` was set are absent).
pub fn execute(
    configs: &[Config],
    specs: &[RunSpec],
    threads: usize,
    journal: &Mutex<Journal>,
    stop: &AtomicBool,
    progress: &(dyn Fn(&Record) + Sync),
) -> Result<Vec<Record>, JournalError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    let results: Vec<Option<Result<Record, JournalError>>> = pool.install(|| {
        specs
            .par_iter()
            .map(|spec| {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
                let record = run_one(&configs[spec.config], spec);
                let written = journal.lock().expect("journal lock").append(&record);
                if written.is_ok() {
                    progress(&record);
                } else {
                    stop.store(true, Ordering::SeqCst);
                }
                Some(written.map(|_| record))
            })
            .collect()
    });
    results.into_iter().flatten().collect()
}

/// The sequential path: the same kernel, one run after the other.
pub fn execute_sequential(configs: &[Config], specs: &[RunSpec]) -> Vec<Record> {
    specs.iter().map(|s| run_one(&configs[s.config], s)).collect()
}

/// The parallel path without a journal (for checks): records in the order of `specs`.
pub fn execute_in_memory(configs: &[Config], specs: &[RunSpec], threads: usize) -> Vec<Record> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    pool.install(|| specs.par_iter().map(|s| run_one(&configs[s.config], s)).collect())
}
