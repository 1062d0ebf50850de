//! Experiment files: parsing (the raw stage, [`raw`]), then resolving into a validated
//! [`Experiment`] that the rest of harness trusts. Errors name the file, the line and the key.

pub mod raw;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::{Dataset, Subset};
use crate::model::{Factors, params::whole_steps};
use crate::protocol::{Protocol, Sampling, SamplingMode};

pub use raw::RawExperiment;

/// A validated experiment: one configuration of model and protocol, with its data.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    /// Default seed of a single run.
    pub seed: u64,
    /// The file as parsed (absent keys still absent): what manifests record.
    pub raw: RawExperiment,
    pub data: Arc<Dataset>,
    pub classes: Vec<u8>,
    pub subset: Subset,
    pub factors: Factors,
    pub protocol: Protocol,
    pub input: InputKind,
}

/// Where input spikes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Poisson,
    /// A spike table `(step, neuron)` replayed in every run.
    Replay(Arc<Vec<(u64, u32)>>),
}

/// One problem with a configuration: the dotted key and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { key: key.into(), message: message.into() }
    }
}

/// Problems found in an experiment file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: String,
    pub problems: Vec<Located>,
}

/// A problem with its line (1-based) when the key is written in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file)?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
            }
            if !p.key.is_empty() {
                write!(f, ": key `{}`", p.key)?;
            }
            write!(f, ": {}", p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of the value of the dotted `key` (`model.tau_ms`, `protocol.classes[1]`) in `text`.
pub fn locate(text: &str, key: &str) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut parts = key.split('.').flat_map(|p| p.split('[')).map(|p| p.trim_end_matches(']'));
    let first = parts.next()?;
    let mut value = doc.get_ref().get(first)?;
    for part in parts {
        value = match part.parse::<usize>() {
            Ok(i) => value.get_ref().as_array().and_then(|a| a.get(i))?,
            Err(_) => value.get_ref().as_table().and_then(|t| t.get(part))?,
        };
    }
    Some(line_of(text, value.span().start))
}

/// Data sets by path, loaded once.
#[derive(Debug, Default)]
pub struct DataCache {
    sets: HashMap<Option<PathBuf>, Arc<Dataset>>,
    spikes: HashMap<PathBuf, Arc<Vec<(u64, u32)>>>,
}

impl DataCache {
    fn dataset(&mut self, path: Option<PathBuf>) -> Result<Arc<Dataset>, String> {
        if let Some(d) = self.sets.get(&path) {
            return Ok(d.clone());
        }
        let d = match &path {
            None => Dataset::bundled(),
            Some(p) => Dataset::load(p).map_err(|e| e.to_string())?,
        };
        let d = Arc::new(d);
        self.sets.insert(path, d.clone());
        Ok(d)
    }

    fn spikes(&mut self, path: PathBuf) -> Result<Arc<Vec<(u64, u32)>>, String> {
        if let Some(s) = self.spikes.get(&path) {
            return Ok(s.clone());
        }
        let s = Arc::new(read_spike_table(&path)?);
        self.spikes.insert(path, s.clone());
        Ok(s)
    }
}

/// Read a `step,neuron` CSV spike table.
pub fn read_spike_table(path: &Path) -> Result<Vec<(u64, u32)>, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.replace(' ', "") == "step,neuron" => {}
        _ => return Err(format!("{file}:1: expected the header `step,neuron`")),
    }
    let mut table = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let parsed = line.split_once(',').and_then(|(s, n)| Some((s.trim().parse().ok()?, n.trim().parse().ok()?)));
        table.push(
            parsed.ok_or_else(|| {
                format!("{file}:{}: expected `step,neuron` (two whole numbers), found {line:?}", i + 1)
            })?,
        );
    }
    Ok(table)
}

/// Resolve a parsed experiment. `base` is the directory that relative paths start from.
pub fn resolve(
    raw: &RawExperiment,
    default_name: &str,
    base: &Path,
    cache: &mut DataCache,
) -> Result<Experiment, Vec<Problem>> {
    let mut problems = Vec::new();
    let p = &raw.protocol;

    let classes = p.classes.clone();
    if classes.is_empty() {
        problems.push(Problem::new(
            "protocol.classes",
            "the class list is empty: give 1 to 10 distinct digits, e.g. [0, 1]",
        ));
    } else if classes.len() > 10 {
        problems.push(Problem::new("protocol.classes", format!("{} classes given, at most 10", classes.len())));
    }
    for (i, &c) in classes.iter().enumerate() {
        if c > 9 {
            problems.push(Problem::new(format!("protocol.classes[{i}]"), format!("class {c} is outside 0..9")));
        } else if classes[..i].contains(&c) {
            problems.push(Problem::new(format!("protocol.classes[{i}]"), format!("class {c} is listed twice")));
        }
    }

    let data_path = raw.data.as_ref().map(|d| base.join(d));
    let data = match cache.dataset(data_path) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(Problem::new("data", e));
            None
        }
    };
    if p.neurons_per_class == 0 {
        problems.push(Problem::new("protocol.neurons_per_class", "must be at least 1"));
    }
    let n_out = classes.len().max(1) * p.neurons_per_class.max(1);
    let n_in = data.as_ref().map_or(64, |d| d.n_pixels);
    let factors = raw.model.factors(n_in, n_out).map_err(|bad| {
        problems.extend(bad.into_iter().map(|b| Problem::new(format!("model.{}", b.key), b.message)));
    });

    let dt = raw.model.dt_ms;
    let window_steps = if dt > 0.0 && dt.is_finite() { whole_steps(p.window_ms, dt).filter(|&w| w > 0) } else { None };
    if window_steps.is_none() {
        problems.push(Problem::new(
            "protocol.window_ms",
            format!("must be a positive whole number of steps of dt_ms = {dt} (got {})", p.window_ms),
        ));
    }
    if p.predict_steps == 0 || window_steps.is_some_and(|w| p.predict_steps as u64 > w) {
        problems.push(Problem::new(
            "protocol.predict_steps",
            format!(
                "must be between 1 and the steps in a window ({}), got {}",
                window_steps.unwrap_or(0),
                p.predict_steps
            ),
        ));
    }
    if !(p.f_max_hz.is_finite() && p.f_max_hz >= 0.0) {
        problems.push(Problem::new("protocol.f_max_hz", format!("must be a rate >= 0 Hz (got {})", p.f_max_hz)));
    }
    if !p.teacher.is_finite() {
        problems.push(Problem::new("protocol.teacher", format!("must be a finite current (got {})", p.teacher)));
    }
    if p.train_presentations == 0 {
        problems.push(Problem::new("protocol.train_presentations", "must be at least 1"));
    }
    if p.test_presentations == Some(0) {
        problems.push(Problem::new("protocol.test_presentations", "must be at least 1 (or absent)"));
    }

    let subset = match &data {
        Some(d) if problems.iter().all(|p| !p.key.starts_with("protocol.classes")) => match d.select(&classes) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(Problem::new("protocol.classes", e.to_string()));
                None
            }
        },
        _ => None,
    };

    let sampling = match p.sampling {
        SamplingMode::Notebook => {
            let [lo, hi] = p.notebook_positions;
            if let Some(s) = &subset
                && (lo > hi || hi >= s.rows.len())
            {
                problems.push(Problem::new(
                    "protocol.notebook_positions",
                    format!(
                        "[{lo}, {hi}] is not a range of positions in the {} images of classes {classes:?} (0..={})",
                        s.rows.len(),
                        s.rows.len().saturating_sub(1)
                    ),
                ));
            }
            Sampling::Notebook { lo, hi, train: p.train_presentations, test: p.test_presentations.unwrap_or(100) }
        }
        SamplingMode::Holdout => {
            if !(p.test_fraction > 0.0 && p.test_fraction < 1.0) {
                problems.push(Problem::new(
                    "protocol.test_fraction",
                    format!("must be strictly between 0 and 1 (got {})", p.test_fraction),
                ));
            }
            if let Some(s) = &subset {
                for (ci, &c) in classes.iter().enumerate() {
                    let n = s.class_index.iter().filter(|&&x| x == ci).count();
                    if n < 2 {
                        problems.push(Problem::new(
                            "protocol.classes",
                            format!("class {c} has {n} image(s); a held-out split needs at least 2"),
                        ));
                    }
                }
            }
            Sampling::Holdout {
                test_fraction: p.test_fraction,
                split_seed: p.split_seed,
                train: p.train_presentations,
                test: p.test_presentations,
            }
        }
    };

    let input = match &raw.input_spikes {
        None => InputKind::Poisson,
        Some(path) => match cache.spikes(base.join(path)) {
            Ok(t) => {
                if let Some(&(step, k)) = t.iter().find(|&&(_, k)| k as usize >= n_in) {
                    problems.push(Problem::new(
                        "input_spikes",
                        format!(
                            "{path}: neuron {k} at step {step} does not exist (there are {n_in} inputs, 0..{})",
                            n_in - 1
                        ),
                    ));
                }
                InputKind::Replay(t)
            }
            Err(e) => {
                problems.push(Problem::new("input_spikes", e));
                InputKind::Poisson
            }
        },
    };

    if !problems.is_empty() {
        return Err(problems);
    }
    let protocol = Protocol {
        window_steps: window_steps.expect("checked"),
        predict_steps: p.predict_steps,
        f_max_hz: p.f_max_hz,
        teacher: p.teacher,
        plastic_train: p.plasticity_train,
        plastic_test: p.plasticity_test,
        neurons_per_class: p.neurons_per_class,
        prediction: p.prediction,
        sampling,
    };
    Ok(Experiment {
        name: raw.name.clone().unwrap_or_else(|| default_name.to_string()),
        seed: raw.seed.unwrap_or(1),
        raw: raw.clone(),
        data: data.expect("checked"),
        classes,
        subset: subset.expect("checked"),
        factors: factors.expect("checked"),
        protocol,
        input,
    })
}

/// Locate problems in `text` (the file named `file`).
pub fn locate_all(file: &str, text: &str, problems: Vec<Problem>) -> ConfigError {
    ConfigError {
        file: file.to_string(),
        problems: problems
            .into_iter()
            .map(|p| Located { line: locate(text, &p.key), key: p.key, message: p.message })
            .collect(),
    }
}

/// Parse experiment `text` that came from `file`.
pub fn parse_text(file: &str, text: &str) -> Result<RawExperiment, ConfigError> {
    raw::parse(text).map_err(|(key, e)| ConfigError {
        file: file.to_string(),
        problems: vec![Located {
            line: e.span().map(|s| line_of(text, s.start)),
            key,
            message: e.message().trim().to_string(),
        }],
    })
}

/// Read, parse and resolve an experiment file.
pub fn load(path: &Path) -> Result<Experiment, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        problems: vec![Located { line: None, key: String::new(), message: format!("cannot read: {e}") }],
    })?;
    let raw = parse_text(&file, &text)?;
    let stem = path.file_stem().map_or("experiment".into(), |s| s.to_string_lossy().into_owned());
    let base = path.parent().unwrap_or(Path::new("."));
    resolve(&raw, &stem, base, &mut DataCache::default()).map_err(|p| locate_all(&file, &text, p))
}
