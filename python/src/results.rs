//! `harness.sweep`, `harness.race` and `harness.load`: results directories, as the commands write
//! and read them.

use super::*;
use crate::progress::{Shown, drive};
use crate::source::py_value;

/// A manifest as a dict (format 1 directories read through the library's migration).
fn manifest_dict<'py>(py: Python<'py>, m: &Manifest) -> PyResult<Bound<'py, PyAny>> {
    let value = toml::Value::try_from(m).map_err(results_error)?;
    py_value(py, &value)
}

/// A results directory as Python values: its path, its tables (name, Parquet bytes) and its
/// manifest.
fn directory_dict<'py>(
    py: Python<'py>,
    out: &Path,
    tables: &[(impl AsRef<str>, Vec<u8>)],
    manifest: &Manifest,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("out", out)?;
    d.set_item("tables", tables_dict(py, tables)?)?;
    d.set_item("manifest", manifest_dict(py, manifest)?)?;
    Ok(d)
}

/// What a sweep or race that has finished returns: the directory (its manifest as the work left
/// it), the runs it ran now, how long it took, its failures.
fn finished_dict<'py>(
    py: Python<'py>,
    out: &Path,
    tables: &[(&'static str, Vec<u8>)],
    ran: usize,
    elapsed_s: f64,
    failures: &[(String, usize)],
) -> PyResult<Bound<'py, PyAny>> {
    let manifest = Manifest::read(out).map_err(results_error)?;
    let d = directory_dict(py, out, tables, &manifest)?;
    d.set_item("ran", ran)?;
    d.set_item("elapsed_s", elapsed_s)?;
    d.set_item("failures", failures.to_vec())?;
    Ok(d.into_any())
}

/// How to run a sweep or race, as `harness.sweep` and `harness.race` pass it: one dict of the
/// command's options (`out`, `threads`, `seed`, `force`, `allow_other_build`, `yes`, and for a sweep
/// `shard`), each checked by name. Written once here, instead of positional arguments in four
/// places.
struct WorkOptions {
    out: Option<PathBuf>,
    threads: usize,
    seed: Option<u64>,
    shard: Option<sweep::Shard>,
    policy: Policy,
    yes: bool,
}

impl WorkOptions {
    /// The options in `d`; `shard` only where `with_shard` (a race is not sharded).
    fn of(d: &Bound<'_, PyAny>, with_shard: bool) -> PyResult<WorkOptions> {
        let d = d.cast::<PyDict>().map_err(|_| PyTypeError::new_err("options: a dict of the command's options"))?;
        let known: &[&str] = if with_shard {
            &["out", "threads", "seed", "shard", "force", "allow_other_build", "yes"]
        } else {
            &["out", "threads", "seed", "force", "allow_other_build", "yes"]
        };
        for k in d.keys() {
            let k: String = arg(&k, "an option's name")?;
            if !known.contains(&k.as_str()) {
                return Err(PyTypeError::new_err(format!("unknown option {k:?} (the options: {})", known.join(", "))));
            }
        }
        fn get<'py, T: for<'a> FromPyObject<'a, 'py>>(d: &Bound<'py, PyDict>, key: &str, default: T) -> PyResult<T> {
            match d.get_item(key)? {
                Some(v) if !v.is_none() => arg(&v, key),
                _ => Ok(default),
            }
        }
        let threads = driver::threads(get(d, "threads", None)?).map_err(PyValueError::new_err)?;
        let shard: Option<String> = get(d, "shard", None)?;
        let shard =
            sweep::Shard::from_arg(shard.as_deref(), |k| std::env::var(k).ok()).map_err(PyValueError::new_err)?;
        Ok(WorkOptions {
            out: get(d, "out", None)?,
            threads,
            seed: get(d, "seed", None)?,
            shard,
            policy: Policy { force: get(d, "force", false)?, allow_other_build: get(d, "allow_other_build", false)? },
            yes: get(d, "yes", false)?,
        })
    }
}

/// What a sweep or race that ended gives its caller, the same for both: the finished work; or,
/// when it stopped on the interrupt `interrupt` (a KeyboardInterrupt), that, after saying where it
/// stands; a `ResultsError` when it stopped without one.
fn finished<W>(
    shown: &mut Shown,
    ended: Ended<W>,
    interrupt: Option<PyErr>,
    what: &str,
) -> PyResult<harness::work::Finished<W>> {
    match (ended, interrupt) {
        (Ended::Finished(_), Some(e)) => Err(e),
        (Ended::Finished(f), None) => {
            if f.ran > 0 {
                let rate = f.ran as f64 / f.elapsed_s;
                shown.say(&format!("ran {} runs in {:.2} s ({rate:.1} runs/s)", f.ran, f.elapsed_s))?;
            }
            Ok(f)
        }
        (Ended::Stopped(s), Some(e)) => {
            let _ = shown.note(&format!(
                "interrupted: {}; call harness.{what} again with the same arguments to resume",
                s.describe()
            ));
            Err(e)
        }
        (Ended::Stopped(s), None) => Err(ResultsError::new_err(format!("{}: the {what} stopped early", s.describe()))),
    }
}

/// `harness sweep`, for `harness.sweep(experiment, progress, options)`: the same results directory, journal, resume and tables. Returns the
/// directory, its tables as Parquet bytes and its manifest; raises KeyboardInterrupt after writing
/// the tables when interrupted.
pub(crate) fn py_sweep<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 3]) -> PyResult<Bound<'py, PyAny>> {
    let [experiment, progress, options] = args;
    let WorkOptions { out, threads, seed, shard, policy, yes } = WorkOptions::of(options, true)?;
    let source = Source::from_py(experiment)?;
    let (sweep, file) = source.sweep(yes, seed)?;
    let mut shown = Shown::new(progress);
    for w in sweep.warnings() {
        shown.note(&format!("warning: {w}"))?;
    }
    let options = Options { out, threads, shard, policy };
    let prepared = runner::prepare(&sweep, &file, &options).map_err(results_error)?;
    for n in &prepared.notes {
        shown.note(&format!("note: {}", n.describe()))?;
    }
    shown.say(&prepared.describe())?;
    let (result, interrupt) = drive(py, &mut shown, |stop, progress| prepared.run(stop, progress));
    let f = finished(&mut shown, result?.map_err(results_error)?, interrupt, "sweep")?;
    // Encoded without the GIL, by the encoder that writes results directories.
    let tables = py.detach(|| encode_named(&f.what.tables.named(), Format::Parquet)).map_err(results_error)?;
    finished_dict(py, &f.out, &tables, f.ran, f.elapsed_s, &f.failures)
}

/// `harness race`, for `harness.race(experiment, progress, options)` (no `shard`): the same results directory, journal, resume and tables. Returns the
/// directory, its tables as Parquet bytes and its manifest; raises KeyboardInterrupt when
/// interrupted (the journal keeps every finished run; calling again resumes).
pub(crate) fn py_race<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 3]) -> PyResult<Bound<'py, PyAny>> {
    let [experiment, progress, options] = args;
    let WorkOptions { out, threads, seed, shard: _, policy, yes } = WorkOptions::of(options, false)?;
    let (plan, file) = Source::from_py(experiment)?.race(yes, seed)?;
    let mut shown = Shown::new(progress);
    for w in &plan.warnings {
        shown.note(&format!("warning: {w}"))?;
    }
    shown.say(&plan.describe(threads))?;
    let options = RaceOptions { out, threads, policy };
    let (result, interrupt) =
        drive(py, &mut shown, |stop, progress| race_runner::run(&plan, &file, &options, stop, progress));
    let f = finished(&mut shown, result?.map_err(results_error)?, interrupt, "race")?;
    // Encoded without the GIL, by the encoder that writes results directories.
    let tables = py.detach(|| encode_named(&f.what.tables.named(), Format::Parquet)).map_err(results_error)?;
    finished_dict(py, &f.out, &tables, f.ran, f.elapsed_s, &f.failures)
}

/// A results directory's tables (every `<name>.parquet` in it) and manifest, read under the
/// directory's shared lock, as `harness verify` and `harness report` read them.
pub(crate) fn py_load<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 1]) -> PyResult<Bound<'py, PyAny>> {
    let dir: PathBuf = arg(&args[0], "dir")?;
    let (manifest, tables) = py
        .detach(|| -> Result<_, LibResultsError> {
            let reader = Reader::open(&dir)?;
            let tables = reader.table_bytes()?;
            Ok((reader.manifest.clone(), tables))
        })
        .map_err(results_error)?;
    Ok(directory_dict(py, &dir, &tables, &manifest)?.into_any())
}
