//! `harness._harness`: the native half of the Python package `harness` (python/harness/).
//!
//! A thin binding: each function maps its arguments onto the library calls the commands make
//! (`harness run`: [`harness::config::load`], [`harness::run`], [`harness::trace`]; `harness sweep`:
//! [`harness::sweep::load_with_seed`], [`harness::sweep::runner`]) and converts what they return. The public
//! API, its documentation and the result classes live in `harness/__init__.py`.
//!
//! What crosses the boundary, and why:
//! - tables as Parquet bytes, encoded by [`harness::results::tables::encode`] (the encoder that
//!   writes results directories and traces) and read by `polars.read_parquet` in Python: the
//!   frames have exactly the columns and types of the files, and no polars version is shared
//!   between the Rust and the Python side (pyo3-polars would tie them together);
//! - weights as native-endian float64 bytes, which `numpy.frombuffer` turns into arrays: the
//!   `numpy` crate would add a dependency whose versions must move in step with PyO3's, for two
//!   small arrays per phase;
//! - everything else as plain Python values.

use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use harness::config::{self, DataCache, Experiment, Located, RawExperiment};
use harness::progress::Progress;
use harness::protocol::PhaseOutcome;
use harness::race::runner::{self as race_runner, Options as RaceOptions, RaceError};
use harness::race::{self, Plan};
use harness::results::lock::DirLock;
use harness::results::manifest::Manifest;
use harness::results::tables::{Format, encode, encode_named};
use harness::results::{Policy, ResultsError as LibResultsError};
use harness::run::{PhaseWeights, RunOutcome, run_with_weights, schedule};
use harness::sweep::runner::{self, Options};
use harness::sweep::{self, Sweep, driver};
use harness::trace::{self, Snapshot, Trace};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCFunction, PyDict, PyList, PyModule, PyString, PyTuple};

create_exception!(harness, HarnessError, PyException, "Base class of the errors harness raises.");
create_exception!(
    harness,
    ConfigError,
    HarnessError,
    "An experiment that cannot be run: unknown keys, wrong types, invalid values (the message names the key)."
);
create_exception!(
    harness,
    ResultsError,
    HarnessError,
    "A results directory that cannot be written or read: another experiment's, locked, unreadable."
);
create_exception!(harness, RunError, HarnessError, "A run that failed: its parameters made the network diverge.");
create_exception!(harness, TraceError, HarnessError, "A trace that cannot be made: too large for memory.");

/// How experiments given as dicts are named in error messages (as a file's name would be).
const DICT_LABEL: &str = "<dict>";
/// The name of an experiment given as a dict without `name` (a file's would be its stem).
const DICT_NAME: &str = "experiment";
/// How often the calling thread checks for Ctrl-C and redraws the progress bar while a sweep runs
/// without the GIL.
const POLL: Duration = Duration::from_millis(100);

fn config_error(e: config::ConfigError) -> PyErr {
    ConfigError::new_err(e.to_string())
}

fn results_error(e: impl std::fmt::Display) -> PyErr {
    ResultsError::new_err(e.to_string())
}

/// A problem with the key at `path` of a dict experiment.
fn dict_problem(path: &str, message: String) -> PyErr {
    let located = Located { line: None, key: path.to_string(), message };
    config_error(config::ConfigError { file: DICT_LABEL.into(), problems: vec![located] })
}

/// Lines of the TOML text made from a dict mean nothing to whoever wrote the dict: errors name the
/// key alone.
fn unlocated(mut e: config::ConfigError) -> config::ConfigError {
    for p in &mut e.problems {
        p.line = None;
    }
    e
}

/// An experiment as given from Python: a file, or a dict of the file's keys as TOML text.
enum Source {
    File(PathBuf),
    Dict(String),
}

impl Source {
    fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
        if let Ok(d) = obj.cast::<PyDict>() {
            let table = toml_table(d, "")?;
            let text = toml::to_string(&table).map_err(|e| dict_problem("", e.to_string()))?;
            return Ok(Source::Dict(text));
        }
        obj.extract::<PathBuf>().map(Source::File).map_err(|_| {
            PyTypeError::new_err(
                "experiment: give a path to an experiment file (str or os.PathLike) or a dict of its keys",
            )
        })
    }

    fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Dict(_) => DICT_LABEL.into(),
        }
    }

    fn parse_dict(text: &str) -> PyResult<RawExperiment> {
        config::parse_text(DICT_LABEL, text).map_err(|e| config_error(unlocated(e)))
    }

    /// One resolved configuration (what `harness run` loads). Relative paths in a dict start from
    /// the working directory.
    fn experiment(&self) -> PyResult<Experiment> {
        match self {
            Source::File(path) => config::load(path).map_err(config_error),
            Source::Dict(text) => {
                config::resolve(&Self::parse_dict(text)?, DICT_NAME, Path::new("."), &mut DataCache::default())
                    .map_err(|p| config_error(unlocated(config::locate_all(DICT_LABEL, text, p))))
            }
        }
    }

    /// The expanded sweep (what `harness sweep [--seed N]` loads) and the experiment file its
    /// manifest names.
    fn sweep(&self, yes: bool, seed: Option<u64>) -> PyResult<(Sweep, PathBuf)> {
        match self {
            Source::File(path) => Ok((sweep::load_with_seed(path, yes, seed).map_err(config_error)?, path.clone())),
            Source::Dict(text) => {
                let mut raw = Self::parse_dict(text)?;
                if seed.is_some() {
                    raw.seed = seed;
                }
                let s = sweep::expand(&raw, DICT_NAME, Path::new("."), yes)
                    .map_err(|p| config_error(unlocated(config::locate_all(DICT_LABEL, text, p))))?;
                Ok((s, PathBuf::from(DICT_LABEL)))
            }
        }
    }

    /// The checked race (what `harness race [--seed N]` loads) and the experiment file its
    /// manifest names.
    fn race(&self, yes: bool, seed: Option<u64>) -> PyResult<(Plan, PathBuf)> {
        match self {
            Source::File(path) => Ok((race::load(path, yes, seed).map_err(config_error)?, path.clone())),
            Source::Dict(text) => {
                let mut raw = Self::parse_dict(text)?;
                if seed.is_some() {
                    raw.seed = seed;
                }
                let plan = race::plan(&raw, DICT_NAME, Path::new("."), yes)
                    .map_err(|p| config_error(unlocated(config::locate_all(DICT_LABEL, text, p))))?;
                Ok((plan, PathBuf::from(DICT_LABEL)))
            }
        }
    }
}

/// A dict of experiment keys as a TOML table; `prefix` is the dotted key of the dict itself.
/// `None` values are left out (the key takes its default, as when absent from a file).
fn toml_table(d: &Bound<'_, PyDict>, prefix: &str) -> PyResult<toml::Table> {
    let mut table = toml::Table::new();
    for (k, v) in d.iter() {
        let Ok(key) = k.extract::<String>() else {
            return Err(dict_problem(prefix, format!("keys are strings (got {})", k.repr()?)));
        };
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if let Some(value) = toml_value(&v, &path)? {
            table.insert(key, value);
        }
    }
    Ok(table)
}

/// A Python value as a TOML value (`None` for `None`). bool is tried before int (it is one), and
/// int before float, so that `3` stays an integer; numpy scalars convert like their Python kin.
fn toml_value(v: &Bound<'_, PyAny>, path: &str) -> PyResult<Option<toml::Value>> {
    use toml::Value;
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Some(Value::String(v.extract::<String>()?)));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        return Ok(Some(Value::Table(toml_table(d, path)?)));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            let at = format!("{path}[{i}]");
            match toml_value(&item?, &at)? {
                Some(x) => items.push(x),
                None => return Err(dict_problem(&at, "None cannot be an element of a list".into())),
            }
        }
        return Ok(Some(Value::Array(items)));
    }
    if let Ok(b) = v.extract::<bool>() {
        return Ok(Some(Value::Boolean(b)));
    }
    if let Ok(i) = v.extract::<i64>() {
        return Ok(Some(Value::Integer(i)));
    }
    if v.is_instance_of::<pyo3::types::PyInt>() {
        return Err(dict_problem(path, format!("{} is beyond a TOML integer's range (64-bit signed)", v.repr()?)));
    }
    if let Ok(f) = v.extract::<f64>() {
        return Ok(Some(Value::Float(f)));
    }
    let kind = v.get_type().name()?;
    Err(dict_problem(
        path,
        format!("{kind} values cannot be written in an experiment (bool, int, float, str, list or dict)"),
    ))
}

/// A TOML value as a Python value.
fn py_value<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    use toml::Value;
    Ok(match v {
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|x| py_value(py, x)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, py_value(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A manifest as a dict (format 1 directories read through the library's migration).
fn manifest_dict<'py>(py: Python<'py>, m: &Manifest) -> PyResult<Bound<'py, PyAny>> {
    let value = toml::Value::try_from(m).map_err(results_error)?;
    py_value(py, &value)
}

/// Tables as `{name: Parquet bytes}`.
fn tables_dict<'py>(py: Python<'py>, tables: &[(impl AsRef<str>, Vec<u8>)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, bytes) in tables {
        d.set_item(name.as_ref(), PyBytes::new(py, bytes))?;
    }
    Ok(d)
}

/// Native-endian float64 bytes of an array, in logical (row-major) order.
fn f64_bytes<'a>(xs: impl IntoIterator<Item = &'a f64>) -> Vec<u8> {
    xs.into_iter().flat_map(|x| x.to_ne_bytes()).collect()
}

fn snapshot_dict<'py>(py: Python<'py>, s: &Snapshot) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("step", s.step)?;
    d.set_item("forward", PyBytes::new(py, &f64_bytes(&s.w)))?;
    d.set_item("lateral", PyBytes::new(py, &f64_bytes(&s.w_neg)))?;
    Ok(d)
}

/// A phase's outcome; labels and predictions as digits (they are class indices in the library),
/// one byte each (`numpy.frombuffer` reads them as uint8).
fn phase_dict<'py>(py: Python<'py>, p: &PhaseOutcome, classes: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("accuracy", p.accuracy())?;
    let digits = |xs: &[usize]| PyBytes::new(py, &xs.iter().map(|&c| classes[c]).collect::<Vec<u8>>());
    d.set_item("labels", digits(&p.labels))?;
    d.set_item("predictions", digits(&p.predictions))?;
    d.set_item("input_spikes", p.input_spikes)?;
    d.set_item("output_spikes", &p.output_spikes)?;
    Ok(d)
}

/// What a run produced, before it becomes Python values.
struct Ran {
    outcome: RunOutcome,
    weights: PhaseWeights,
    wall_s: f64,
    /// The trace's tables (name, Parquet bytes), when recording.
    tables: Option<Vec<(&'static str, Vec<u8>)>>,
}

/// The tables `harness run --trace` writes, as (name, Parquet bytes).
fn trace_tables(tr: &Trace) -> PyResult<Vec<(&'static str, Vec<u8>)>> {
    trace::tables::TABLES
        .iter()
        .map(|&(table, build)| {
            let bytes = build(tr).and_then(|df| encode(&df, Format::Parquet));
            bytes
                .map(|b| (table, b))
                .map_err(|source| TraceError::new_err(trace::TraceError::Table { table, source }.to_string()))
        })
        .collect()
}

/// `harness run`, for `harness.run(experiment, seed, record_every)`: the run (train, then test),
/// its weights at the end of each phase, and, with `record_every`, the tables of `harness run
/// --trace`. The GIL is released while the run runs and its tables are encoded.
fn py_run<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 3]) -> PyResult<Bound<'py, PyAny>> {
    let [experiment, seed, record_every] = args;
    let seed: Option<u64> = arg(seed, "seed")?;
    let record_every: Option<u64> = arg(record_every, "record_every")?;
    let loading = Instant::now();
    let source = Source::from_py(experiment)?;
    let exp = source.experiment()?;
    let load_s = loading.elapsed().as_secs_f64();
    let mut notes = Vec::new();
    if exp.raw.has_axes() {
        let what = source.label();
        notes.push(format!("{what} defines sweep axes; harness.run runs its base configuration (use harness.sweep)"));
    }
    notes.extend(exp.warnings.iter().cloned());
    let seed = seed.unwrap_or(exp.seed);
    let mut trace = match record_every {
        None => None,
        // The command line refuses 0 too (clap's range 1..).
        Some(0) => return Err(PyValueError::new_err("record_every: sample every K >= 1 steps (got 0)")),
        Some(every) => {
            Some(Trace::new(&exp, &schedule(&exp, seed), every).map_err(|e| TraceError::new_err(e.to_string()))?)
        }
    };
    let every = trace.as_ref().map(|t| t.every);
    let ran = py.detach(|| -> PyResult<Ran> {
        let start = Instant::now();
        let (outcome, weights) =
            run_with_weights(&exp, seed, trace.as_mut()).map_err(|e| RunError::new_err(e.to_string()))?;
        let wall_s = start.elapsed().as_secs_f64();
        let tables = trace.as_ref().map(trace_tables).transpose()?;
        Ok(Ran { outcome, weights, wall_s, tables })
    })?;
    let o = &ran.outcome;
    let d = PyDict::new(py);
    d.set_item("experiment", &exp.name)?;
    d.set_item("seed", seed)?;
    // As lists of ints (a Vec<u8> would become bytes).
    d.set_item("classes", exp.classes.iter().map(|&c| u32::from(c)).collect::<Vec<_>>())?;
    d.set_item("neurons_per_class", exp.protocol.neurons_per_class)?;
    d.set_item("n_in", exp.factors.n_in)?;
    d.set_item("n_out", exp.factors.n_out)?;
    let k = exp.protocol.neurons_per_class;
    d.set_item("output_digits", (0..exp.factors.n_out).map(|j| u32::from(exp.classes[j / k])).collect::<Vec<_>>())?;
    d.set_item("train", phase_dict(py, &o.train, &exp.classes)?)?;
    d.set_item("test", phase_dict(py, &o.test, &exp.classes)?)?;
    d.set_item("steps", o.steps)?;
    d.set_item("wall_s", ran.wall_s)?;
    d.set_item("load_s", load_s)?;
    d.set_item("weights_after_train", snapshot_dict(py, &ran.weights.after_train)?)?;
    d.set_item("weights_after_test", snapshot_dict(py, &ran.weights.after_test)?)?;
    d.set_item("report", harness::commands::run::report(&exp, o, ran.wall_s))?;
    d.set_item("notes", notes)?;
    match (&ran.tables, every) {
        (Some(tables), Some(every)) => {
            let t = PyDict::new(py);
            t.set_item("every", every)?;
            t.set_item("tables", tables_dict(py, tables)?)?;
            d.set_item("trace", t)?;
        }
        _ => d.set_item("trace", py.None())?,
    }
    Ok(d.into_any())
}

/// Progress of work on other threads, kept in atomics for the calling thread to show: the
/// library's [`Progress`] calls come from the pool's threads, which never touch Python.
#[derive(Default)]
struct Counter {
    total: AtomicUsize,
    done: AtomicUsize,
    /// `what` of `start`, until the calling thread has shown it.
    started: Mutex<Option<String>>,
    lines: Mutex<Vec<String>>,
    /// The latest status line, until the calling thread has shown it.
    status: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress for Counter {
    fn start(&self, total: usize, what: &str) {
        self.total.store(total, Ordering::SeqCst);
        self.done.store(0, Ordering::SeqCst);
        *lock(&self.started) = Some(what.to_string());
    }

    fn advance(&self) {
        self.done.fetch_add(1, Ordering::SeqCst);
    }

    fn say(&self, line: &str) {
        lock(&self.lines).push(line.to_string());
    }

    fn status(&self, line: &str) {
        *lock(&self.status) = Some(line.to_string());
    }

    // The calling thread closes the bar once the work has returned (tables written).
    fn finish(&self) {}
}

/// The Python object that shows progress (a `harness.Progress`: `start(total, what)`,
/// `update(done)`, `status(line)` for where the work stands, `say(line)` for what a progress
/// display shows, `note(line)` for notes and warnings shown even without one, `close()`), driven
/// from the calling thread only.
struct Shown<'py> {
    bar: Bound<'py, PyAny>,
    started: bool,
    done: usize,
}

impl<'py> Shown<'py> {
    fn say(&self, line: &str) -> PyResult<()> {
        self.bar.call_method1("say", (line,)).map(drop)
    }

    fn note(&self, line: &str) -> PyResult<()> {
        self.bar.call_method1("note", (line,)).map(drop)
    }

    /// Show what the counter has that is not shown yet.
    fn forward(&mut self, c: &Counter) -> PyResult<()> {
        for line in std::mem::take(&mut *lock(&c.lines)) {
            self.say(&line)?;
        }
        if let Some(what) = lock(&c.started).take() {
            self.bar.call_method1("start", (c.total.load(Ordering::SeqCst), what))?;
            self.started = true;
            self.done = 0;
        }
        if let Some(line) = lock(&c.status).take() {
            self.bar.call_method1("status", (line,))?;
        }
        let done = c.done.load(Ordering::SeqCst);
        if self.started && done != self.done {
            self.bar.call_method1("update", (done,))?;
            self.done = done;
        }
        Ok(())
    }

    fn close(&self) -> PyResult<()> {
        self.bar.call_method0("close").map(drop)
    }
}

/// Set once the work has returned (or unwound): what the calling thread waits on.
#[derive(Default)]
struct Ended {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Ended {
    fn set(&self) {
        *lock(&self.flag) = true;
        self.cv.notify_all();
    }

    /// Wait at most `timeout` for the end; whether it came.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = lock(&self.flag);
        let (guard, _) = self.cv.wait_timeout_while(guard, timeout, |ended| !*ended).unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

struct SetOnDrop<'a>(&'a Ended);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// Run `work` on a thread of its own with the GIL released, while this thread shows its progress
/// and checks for Ctrl-C every [`POLL`]. A KeyboardInterrupt (or an error of the progress object)
/// sets `stop`: the work finishes what is in flight and returns (a sweep writes its tables), and
/// the error comes back beside the work's result for the caller to raise. A second Ctrl-C while
/// the runs in flight finish is absorbed: what finished is being written.
fn drive<T: Send>(
    py: Python<'_>,
    shown: &mut Shown<'_>,
    work: impl FnOnce(&AtomicBool, &dyn Progress) -> T + Send,
) -> (PyResult<T>, Option<PyErr>) {
    let stop = AtomicBool::new(false);
    let counter = Counter::default();
    let ended = Ended::default();
    let mut first_error: Option<PyErr> = None;
    let joined = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let _end = SetOnDrop(&ended);
            work(&stop, &counter)
        });
        loop {
            let finished = py.detach(|| ended.wait(POLL));
            let mut error = shown.forward(&counter).err();
            if error.is_none() {
                error = py.check_signals().err();
            }
            if let Some(e) = error
                && first_error.is_none()
            {
                stop.store(true, Ordering::SeqCst);
                if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
                    let _ = shown.note("interrupt: finishing the runs in flight, then writing tables");
                }
                first_error = Some(e);
            }
            if finished {
                break;
            }
        }
        worker.join()
    });
    let _ = shown.forward(&counter);
    if shown.started
        && let Err(e) = shown.close()
        && first_error.is_none()
    {
        first_error = Some(e);
    }
    let result = joined.map_err(|panic| {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        PanicException::new_err(msg)
    });
    (result, first_error)
}

/// `harness sweep`, for `harness.sweep(experiment, progress, out, threads, seed, shard, force,
/// allow_other_build, yes)`: the same results directory, journal, resume and tables. Returns the
/// directory, its tables as Parquet bytes and its manifest; raises KeyboardInterrupt after writing
/// the tables when interrupted.
fn py_sweep<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 9]) -> PyResult<Bound<'py, PyAny>> {
    let [experiment, progress, out, threads, seed, shard, force, allow_other_build, yes] = args;
    let out: Option<PathBuf> = arg(out, "out")?;
    let threads: Option<usize> = arg(threads, "threads")?;
    let seed: Option<u64> = arg(seed, "seed")?;
    let shard: Option<String> = arg(shard, "shard")?;
    let (force, allow_other_build, yes): (bool, bool, bool) =
        (arg(force, "force")?, arg(allow_other_build, "allow_other_build")?, arg(yes, "yes")?);
    let threads = driver::threads(threads).map_err(PyValueError::new_err)?;
    let shard = harness::commands::sweep::shard(shard.as_deref()).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let source = Source::from_py(experiment)?;
    let (sweep, file) = source.sweep(yes, seed)?;
    let mut shown = Shown { bar: progress.clone(), started: false, done: 0 };
    for w in sweep.configs.first().map(|c| c.exp.warnings.clone()).unwrap_or_default() {
        shown.note(&format!("warning: {w}"))?;
    }
    let options = Options { out, threads, shard, policy: Policy { force, allow_other_build } };
    let prepared = runner::prepare(&sweep, &file, &options).map_err(results_error)?;
    for n in &prepared.notes {
        shown.note(&format!("note: {}", n.describe()))?;
    }
    let (here, done, pending) = prepared.counts();
    let shard_note = shard.map(|s| format!(" (shard {}: {here} runs)", s.label())).unwrap_or_default();
    shown.say(&format!(
        "sweep {}: {} configurations x {} replicates = {} runs{shard_note}; {done} already done, {pending} to run \
         on {threads} thread(s) -> {}",
        sweep.name,
        sweep.configs.len(),
        sweep.replicates,
        sweep.configs.len() * sweep.replicates as usize,
        prepared.out().display()
    ))?;
    let (result, interrupt) = drive(py, &mut shown, |stop, progress| prepared.run(stop, progress));
    let f = result?.map_err(results_error)?;
    if f.ran > 0 {
        shown.say(&format!("ran {} runs in {:.2} s ({:.1} runs/s)", f.ran, f.elapsed_s, f.ran as f64 / f.elapsed_s))?;
    }
    if let Some(e) = interrupt {
        if f.interrupted {
            let _ = shown.note(&format!(
                "interrupted: {} of {} runs done; call harness.sweep again with the same arguments to resume",
                f.done, f.runs
            ));
        }
        return Err(e);
    }
    if f.interrupted {
        return Err(ResultsError::new_err(format!("{} of {} runs done: the sweep stopped early", f.done, f.runs)));
    }
    // Encoded without the GIL, by the encoder that writes results directories.
    let tables = py.detach(|| encode_named(&f.tables.named(), Format::Parquet)).map_err(results_error)?;
    let manifest = Manifest::read(&f.out).map_err(results_error)?;
    let d = PyDict::new(py);
    d.set_item("out", &f.out)?;
    d.set_item("tables", tables_dict(py, &tables)?)?;
    d.set_item("manifest", manifest_dict(py, &manifest)?)?;
    d.set_item("ran", f.ran)?;
    d.set_item("elapsed_s", f.elapsed_s)?;
    d.set_item("failures", f.failures.clone())?;
    Ok(d.into_any())
}

/// `harness race`, for `harness.race(experiment, progress, out, threads, seed, force,
/// allow_other_build, yes)`: the same results directory, journal, resume and tables. Returns the
/// directory, its tables as Parquet bytes and its manifest; raises KeyboardInterrupt when
/// interrupted (the journal keeps every finished run; calling again resumes).
fn py_race<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 8]) -> PyResult<Bound<'py, PyAny>> {
    let [experiment, progress, out, threads, seed, force, allow_other_build, yes] = args;
    let out: Option<PathBuf> = arg(out, "out")?;
    let threads: Option<usize> = arg(threads, "threads")?;
    let seed: Option<u64> = arg(seed, "seed")?;
    let (force, allow_other_build, yes): (bool, bool, bool) =
        (arg(force, "force")?, arg(allow_other_build, "allow_other_build")?, arg(yes, "yes")?);
    let threads = driver::threads(threads).map_err(PyValueError::new_err)?;
    let (plan, file) = Source::from_py(experiment)?.race(yes, seed)?;
    let mut shown = Shown { bar: progress.clone(), started: false, done: 0 };
    for w in &plan.warnings {
        shown.note(&format!("warning: {w}"))?;
    }
    let s = &plan.settings;
    shown.say(&format!(
        "race {}: {} parameters ({}), budget {} runs, then {} validation seeds per final elite; {} test, \
         confidence {}, first test after {} seeds; on {threads} thread(s)",
        plan.name,
        plan.space.params.len(),
        plan.space.names().join(", "),
        s.budget,
        s.validation_replicates,
        s.test.word(),
        s.confidence,
        s.first_test,
    ))?;
    let options = RaceOptions { out, threads, policy: Policy { force, allow_other_build } };
    let (result, interrupt) =
        drive(py, &mut shown, |stop, progress| race_runner::run(&plan, &file, &options, stop, progress));
    let f = match (result?, interrupt) {
        (Err(RaceError::Interrupted { done }), Some(e)) => {
            let _ = shown.note(&format!(
                "interrupted: {done} runs are in the journal; call harness.race again with the same arguments to \
                 resume"
            ));
            return Err(e);
        }
        (Err(e), _) => return Err(results_error(e)),
        (Ok(_), Some(e)) => return Err(e),
        (Ok(f), None) => f,
    };
    if f.ran > 0 {
        shown.say(&format!("ran {} runs in {:.2} s ({:.1} runs/s)", f.ran, f.elapsed_s, f.ran as f64 / f.elapsed_s))?;
    }
    // Encoded without the GIL, by the encoder that writes results directories.
    let tables = py.detach(|| encode_named(&f.tables.named(), Format::Parquet)).map_err(results_error)?;
    let manifest = Manifest::read(&f.out).map_err(results_error)?;
    let d = PyDict::new(py);
    d.set_item("out", &f.out)?;
    d.set_item("tables", tables_dict(py, &tables)?)?;
    d.set_item("manifest", manifest_dict(py, &manifest)?)?;
    d.set_item("ran", f.ran)?;
    d.set_item("elapsed_s", f.elapsed_s)?;
    d.set_item("failures", f.failures.clone())?;
    Ok(d.into_any())
}

/// A results directory's tables (every `<name>.parquet` in it) and manifest, read under the
/// directory's shared lock, as `harness verify` and `harness report` read them.
fn py_load<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 1]) -> PyResult<Bound<'py, PyAny>> {
    let dir: PathBuf = arg(&args[0], "dir")?;
    let (manifest, tables) = py
        .detach(|| -> Result<_, LibResultsError> {
            let _reading = DirLock::shared(&dir)?;
            let manifest = Manifest::read(&dir)?;
            let mut tables = Vec::new();
            let entries = std::fs::read_dir(&dir).map_err(harness::fsio::at("listing", &dir))?;
            for entry in entries {
                let path = entry.map_err(harness::fsio::at("listing", &dir))?.path();
                if path.extension().is_some_and(|e| e == "parquet")
                    && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                {
                    tables.push((stem.to_string(), harness::fsio::read(&path)?));
                }
            }
            tables.sort();
            Ok((manifest, tables))
        })
        .map_err(results_error)?;
    let d = PyDict::new(py);
    d.set_item("out", &dir)?;
    d.set_item("tables", tables_dict(py, &tables)?)?;
    d.set_item("manifest", manifest_dict(py, &manifest)?)?;
    Ok(d.into_any())
}

/// An argument of a native function, converted; a wrong type names the argument.
fn arg<'a, 'py, T: FromPyObject<'a, 'py>>(value: &'a Bound<'py, PyAny>, name: &str) -> PyResult<T> {
    value.extract::<T>().map_err(|e| {
        let e: PyErr = e.into();
        let err = PyTypeError::new_err(format!("{name}: {}", e.value(value.py())));
        err.set_cause(value.py(), Some(e));
        err
    })
}

/// The body of a native function of `N` positional arguments.
type Native<const N: usize> = for<'py> fn(Python<'py>, &[Bound<'py, PyAny>; N]) -> PyResult<Bound<'py, PyAny>>;

/// A native function of `N` positional arguments: harness/__init__.py passes every argument, in
/// the order harness/_harness.pyi gives. (Registered by hand rather than with PyO3's
/// `#[pyfunction]`: PyO3's proc-macros turn on features of `syn` that the derive macros of
/// harness's dependencies share, and cargo would then build polars and the rest a second time for
/// this crate instead of reusing the command's build.)
fn add_function<const N: usize>(
    m: &Bound<'_, PyModule>,
    name: &'static CStr,
    doc: &'static CStr,
    body: Native<N>,
) -> PyResult<()> {
    let call = move |args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>| -> PyResult<Py<PyAny>> {
        let given: Vec<Bound<'_, PyAny>> = args.iter().collect();
        let args: [Bound<'_, PyAny>; N] = match given.try_into() {
            Ok(a) if kwargs.is_none_or(|k| k.is_empty()) => a,
            _ => {
                let name = name.to_string_lossy();
                return Err(PyTypeError::new_err(format!("{name}() takes {N} positional arguments")));
            }
        };
        body(args[0].py(), &args).map(Bound::unbind)
    };
    let f = PyCFunction::new_closure(m.py(), Some(name), Some(doc), call)?;
    m.add(name.to_string_lossy().as_ref(), f)
}

fn populate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    add_function(m, c"run", c"run(experiment, seed, record_every)\n--\n\nOne run (see harness.run).", py_run)?;
    add_function(
        m,
        c"sweep",
        c"sweep(experiment, progress, out, threads, seed, shard, force, allow_other_build, yes)\n--\n\n\
          A sweep into its results directory (see harness.sweep).",
        py_sweep,
    )?;
    add_function(
        m,
        c"race",
        c"race(experiment, progress, out, threads, seed, force, allow_other_build, yes)\n--\n\n\
          A race into its results directory (see harness.race).",
        py_race,
    )?;
    add_function(
        m,
        c"load",
        c"load(dir)\n--\n\nA results directory's tables and manifest (see harness.load).",
        py_load,
    )?;
    m.add("HarnessError", py.get_type::<HarnessError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ResultsError", py.get_type::<ResultsError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("TraceError", py.get_type::<TraceError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("BUILD", harness::results::manifest::this_build())?;
    m.add("DEFAULT_EVERY", trace::DEFAULT_EVERY)?;
    m.add("TRACE_TABLES", trace::tables::TABLES.iter().map(|(name, _)| *name).collect::<Vec<_>>())?;
    Ok(())
}

/// The module's definition, for single-phase initialisation (the module keeps no state of its
/// own). CPython fills in `m_base` when it creates the module.
static mut MODULE: ffi::PyModuleDef = ffi::PyModuleDef {
    m_base: ffi::PyModuleDef_HEAD_INIT,
    m_name: c"harness._harness".as_ptr(),
    m_doc: c"The native half of harness (python/src/lib.rs); the API is the package harness.".as_ptr(),
    m_size: -1,
    m_methods: std::ptr::null_mut(),
    m_slots: std::ptr::null_mut(),
    m_traverse: None,
    m_clear: None,
    m_free: None,
};

/// What `import harness._harness` calls.
///
/// # Safety
///
/// Called by CPython, with the GIL held, as the module's initialisation function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PyInit__harness() -> *mut ffi::PyObject {
    // SAFETY: CPython calls this holding the GIL. MODULE lives as long as the process, as a
    // module definition must, and only CPython writes to it (its `m_base`).
    unsafe {
        let py = Python::assume_attached();
        let module = Bound::from_owned_ptr_or_err(py, ffi::PyModule_Create(&raw mut MODULE))
            .and_then(|m| Ok(m.cast_into::<PyModule>()?))
            .and_then(|m| populate(&m).map(|()| m));
        match module {
            Ok(m) => m.into_ptr(),
            Err(e) => {
                e.restore(py);
                std::ptr::null_mut()
            }
        }
    }
}
