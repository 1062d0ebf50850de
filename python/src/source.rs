//! Experiments as given from Python: a file's path, or a dict of its keys turned into TOML text.

use super::*;

/// An experiment as given from Python: a file, or a dict of the file's keys as TOML text.
pub(crate) enum Source {
    File(PathBuf),
    Dict(String),
}

impl Source {
    pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
        if let Ok(d) = obj.cast::<PyDict>() {
            let table = toml_table(d, "", &mut Vec::new())?;
            let text = toml::to_string(&table).map_err(|e| dict_problem("", e.to_string()))?;
            return Ok(Source::Dict(text));
        }
        obj.extract::<PathBuf>().map(Source::File).map_err(|_| {
            PyTypeError::new_err(
                "experiment: give a path to an experiment file (str or os.PathLike) or a dict of its keys",
            )
        })
    }

    pub(crate) fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Dict(_) => DICT_LABEL.into(),
        }
    }

    /// The experiment checked by `check(raw, name, dir)` as the command checks its file
    /// ([`config::load_checked`]; `seed` replaces the experiment's), and the experiment file a
    /// manifest names. A dict is named [`DICT_NAME`] unless it says `name`, its relative paths start
    /// from the working directory, and its problems name their keys without lines.
    fn checked<T>(
        &self,
        default: &str,
        seed: Option<u64>,
        check: impl FnOnce(&RawExperiment, &str, &Path) -> Result<T, Vec<Problem>>,
    ) -> PyResult<(T, PathBuf)> {
        match self {
            Source::File(path) => {
                Ok((config::load_checked(path, default, seed, check).map_err(config_error)?, path.clone()))
            }
            Source::Dict(text) => {
                let mut raw = config::parse_text(DICT_LABEL, text).map_err(|e| config_error(unlocated(e)))?;
                if seed.is_some() {
                    raw.seed = seed;
                }
                let checked = check(&raw, DICT_NAME, Path::new("."))
                    .map_err(|p| config_error(unlocated(config::locate_all(DICT_LABEL, text, p))))?;
                Ok((checked, PathBuf::from(DICT_LABEL)))
            }
        }
    }

    /// One resolved configuration (what `harness run` loads).
    pub(crate) fn experiment(&self) -> PyResult<Experiment> {
        let resolve =
            |raw: &RawExperiment, name: &str, dir: &Path| config::resolve(raw, name, dir, &mut DataCache::default());
        Ok(self.checked("experiment", None, resolve)?.0)
    }

    /// The expanded sweep (what `harness sweep [--seed N]` loads) and the experiment file its
    /// manifest names.
    pub(crate) fn sweep(&self, yes: bool, seed: Option<u64>) -> PyResult<(Sweep, PathBuf)> {
        self.checked("sweep", seed, |raw, name, dir| sweep::expand(raw, name, dir, yes))
    }

    /// The checked race (what `harness race [--seed N]` loads) and the experiment file its
    /// manifest names.
    pub(crate) fn race(&self, yes: bool, seed: Option<u64>) -> PyResult<(Plan, PathBuf)> {
        self.checked("race", seed, |raw, name, dir| race::plan(raw, name, dir, yes))
    }
}

/// How deep dicts and lists may nest in an experiment (one needs three: `grid.classes[i][j]`).
/// Deeper, or a container inside itself, is a `ConfigError`, never a stack overflow that kills the
/// interpreter.
pub(crate) const MAX_DEPTH: usize = 32;

/// Enter the container `v` at `path`: refused when it is already open above (a cycle) or the
/// nesting is too deep. `open` holds the containers being converted, outermost first.
fn enter(v: &Bound<'_, PyAny>, path: &str, open: &mut Vec<usize>) -> PyResult<()> {
    let at = if path.is_empty() { "the experiment" } else { path };
    if open.contains(&(v.as_ptr() as usize)) {
        return Err(dict_problem(path, format!("{at} contains itself (a cycle): an experiment is a tree of values")));
    }
    if open.len() >= MAX_DEPTH {
        return Err(dict_problem(path, format!("{at} nests dicts and lists more than {MAX_DEPTH} deep")));
    }
    open.push(v.as_ptr() as usize);
    Ok(())
}

/// A dict of experiment keys as a TOML table; `prefix` is the dotted key of the dict itself.
/// `None` values are left out (the key takes its default, as when absent from a file).
fn toml_table(d: &Bound<'_, PyDict>, prefix: &str, open: &mut Vec<usize>) -> PyResult<toml::Table> {
    enter(d.as_any(), prefix, open)?;
    let mut table = toml::Table::new();
    for (k, v) in d.iter() {
        let Ok(key) = k.extract::<String>() else {
            return Err(dict_problem(prefix, format!("keys are strings (got {})", k.repr()?)));
        };
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if let Some(value) = toml_value(&v, &path, open)? {
            table.insert(key, value);
        }
    }
    open.pop();
    Ok(table)
}

/// A Python value as a TOML value (`None` for `None`). bool is tried before int (it is one), and
/// int before float, so that `3` stays an integer; numpy scalars convert like their Python kin.
fn toml_value(v: &Bound<'_, PyAny>, path: &str, open: &mut Vec<usize>) -> PyResult<Option<toml::Value>> {
    use toml::Value;
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Some(Value::String(v.extract::<String>()?)));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        return Ok(Some(Value::Table(toml_table(d, path, open)?)));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        enter(v, path, open)?;
        let mut items = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            let at = format!("{path}[{i}]");
            match toml_value(&item?, &at, open)? {
                Some(x) => items.push(x),
                None => return Err(dict_problem(&at, "None cannot be an element of a list".into())),
            }
        }
        open.pop();
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
pub(crate) fn py_value<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
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
