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
//!
//! Files: `source.rs` (experiments from paths or dicts), `run.rs` (`harness.run`), `results.rs`
//! (`harness.sweep`, `race`, `load`), `progress.rs` (work off the GIL, progress, Ctrl-C); this file
//! holds the errors, the argument conversion and the module's registration.

// The submodules take these imports with `use super::*`: one list for the whole binding.
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use harness::config::{self, DataCache, Experiment, Located, Problem, RawExperiment};
use harness::progress::Progress;
use harness::protocol::PhaseOutcome;
use harness::race::runner::{self as race_runner, Options as RaceOptions};
use harness::race::{self, Plan};
use harness::results::manifest::Manifest;
use harness::results::reader::Reader;
use harness::results::tables::{Format, encode, encode_named};
use harness::results::{Policy, ResultsError as LibResultsError};
use harness::run::{PhaseWeights, RunOutcome, run_with_weights, schedule};
use harness::sweep::runner::{self, Options};
use harness::sweep::{self, Sweep};
use harness::trace::{self, Snapshot, Trace};
use harness::work::{Ended, driver};

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

/// A `ConfigError` with the message the command prints, and as attributes: `file`, the first
/// problem's `key` and `line` (`None` for a dict), and `problems`, every `(key, line, message)`.
fn config_error(e: config::ConfigError) -> PyErr {
    let err = ConfigError::new_err(e.to_string());
    Python::attach(|py| {
        let value = err.value(py);
        let first = e.problems.first();
        let problems: Vec<(String, Option<usize>, String)> =
            e.problems.iter().map(|p| (p.key.clone(), p.line, p.message.clone())).collect();
        // Setting attributes on a fresh exception of ours cannot fail short of memory; if it did,
        // the message still says everything.
        let _ = value.setattr("file", &e.file);
        let _ = value.setattr("key", first.map(|p| p.key.clone()));
        let _ = value.setattr("line", first.and_then(|p| p.line));
        let _ = value.setattr("problems", problems);
    });
    err
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

mod progress;
mod results;
mod run;
mod source;

use results::{py_load, py_race, py_sweep};
use run::py_run;
use source::Source;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

/// Tables as `{name: Parquet bytes}`.
fn tables_dict<'py>(py: Python<'py>, tables: &[(impl AsRef<str>, Vec<u8>)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, bytes) in tables {
        d.set_item(name.as_ref(), PyBytes::new(py, bytes))?;
    }
    Ok(d)
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
        c"sweep(experiment, progress, options)\n--\n\n\
          A sweep into its results directory (see harness.sweep); options: out, threads, seed, shard, force, \
          allow_other_build, yes.",
        py_sweep,
    )?;
    add_function(
        m,
        c"race",
        c"race(experiment, progress, options)\n--\n\n\
          A race into its results directory (see harness.race); options: out, threads, seed, force, \
          allow_other_build, yes.",
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
