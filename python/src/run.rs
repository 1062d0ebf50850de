//! `harness.run`: one run, its weights at each phase's end and, when recording, its trace tables.

use super::*;

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
pub(crate) fn py_run<'py>(py: Python<'py>, args: &[Bound<'py, PyAny>; 3]) -> PyResult<Bound<'py, PyAny>> {
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
    d.set_item("assigned_digits", o.owners.iter().map(|&c| u32::from(exp.classes[c])).collect::<Vec<_>>())?;
    d.set_item("train", phase_dict(py, &o.train, &exp.classes)?)?;
    d.set_item("test", phase_dict(py, &o.test, &exp.classes)?)?;
    d.set_item("steps", o.steps)?;
    // The learning curve: each checkpoint, then the run's own end of training.
    let mut curve: Vec<(usize, f64)> = o.checkpoints.iter().map(|c| (c.presentations, c.accuracy)).collect();
    curve.push((o.train.labels.len(), o.test.accuracy()));
    d.set_item("curve", curve)?;
    d.set_item("wall_s", ran.wall_s)?;
    d.set_item("load_s", load_s)?;
    d.set_item("weights_after_train", snapshot_dict(py, &ran.weights.after_train)?)?;
    d.set_item("weights_after_test", snapshot_dict(py, &ran.weights.after_test)?)?;
    d.set_item("report", harness::run::describe(&exp, o, ran.wall_s))?;
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
