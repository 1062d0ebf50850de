//! A sweep file is a run file plus axes: `[grid]` (a list of values per parameter, Cartesian
//! product, first axis slowest), `[random]` (`trials = N` draws per grid point from a
//! distribution per parameter) and `replicates = K` seeded instances of each configuration.
//! Expansion resolves every configuration before any run starts, so that a bad value is
//! reported, with its axis key and line, up front.

use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::identity::{canonical_value, config_id, draw_seed, fnv1a};
use super::names::{self, Section};
use crate::config::{DataCache, Experiment, Problem, RawExperiment, resolve};
use crate::model::ModelParams;
use crate::protocol::ProtocolParams;

/// Sweeps above this many runs need `--yes`.
pub const MAX_RUNS_WITHOUT_YES: u64 = 10_000;

/// A random-search distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Uniform(f64, f64),
    LogUniform(f64, f64),
    /// Inclusive range.
    Int(i64, i64),
    Choice(Vec<toml::Value>),
}

impl Dist {
    fn draw(&self, rng: &mut Pcg64Mcg) -> toml::Value {
        match self {
            Dist::Uniform(lo, hi) => toml::Value::Float(lo + (hi - lo) * rng.random::<f64>()),
            Dist::LogUniform(lo, hi) => toml::Value::Float((lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp()),
            Dist::Int(lo, hi) => toml::Value::Integer(rng.random_range(*lo..=*hi)),
            Dist::Choice(xs) => xs[rng.random_range(0..xs.len())].clone(),
        }
    }
}

/// One configuration of a sweep.
#[derive(Debug, Clone)]
pub struct Config {
    /// Position in the sweep's order.
    pub index: usize,
    pub id: u64,
    /// The swept values, as `(name, value)`.
    pub swept: Vec<(String, toml::Value)>,
    pub exp: Experiment,
}

impl Config {
    pub fn id_hex(&self) -> String {
        format!("{:016x}", self.id)
    }
}

/// An expanded, validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub name: String,
    pub seed: u64,
    pub replicates: u64,
    /// Names of the swept parameters, grid axes first.
    pub axes: Vec<String>,
    pub configs: Vec<Config>,
    /// Configurations dropped because an earlier one had the same parameters.
    pub duplicates: usize,
    /// The file as parsed.
    pub raw: RawExperiment,
    /// FNV-1a of the parsed file re-serialised: what resume compares.
    pub hash: u64,
}

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Position in the sweep's order (configuration-major).
    pub index: usize,
    pub config: usize,
    pub replicate: u64,
    pub seed: u64,
    pub run_id: String,
}

impl Sweep {
    /// Every run, configuration-major, replicates in order.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::with_capacity(self.configs.len() * self.replicates as usize);
        for c in &self.configs {
            for r in 0..self.replicates {
                runs.push(RunSpec {
                    index: runs.len(),
                    config: c.index,
                    replicate: r,
                    seed: super::identity::run_seed(self.seed, c.id, r),
                    run_id: format!("{}-{r}", c.id_hex()),
                });
            }
        }
        runs
    }
}

/// Set parameter `name` of `raw` to `value`.
pub fn set_param(raw: &mut RawExperiment, section: Section, name: &str, value: toml::Value) -> Result<(), String> {
    fn set<T: serde::Serialize + serde::de::DeserializeOwned>(
        x: &T,
        name: &str,
        value: toml::Value,
    ) -> Result<T, String> {
        let mut t = toml::Table::try_from(x).map_err(|e| e.to_string())?;
        t.insert(name.to_string(), value);
        toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| e.message().trim().to_string())
    }
    match section {
        Section::Model => raw.model = set::<ModelParams>(&raw.model, name, value)?,
        Section::Protocol => raw.protocol = set::<ProtocolParams>(&raw.protocol, name, value)?,
    }
    Ok(())
}

fn axis_name(kind: &str, name: &str) -> Result<Section, Problem> {
    names::section_of(name).ok_or_else(|| {
        let hint = names::suggest(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        Problem {
            key: format!("{kind}.{name}"),
            message: format!("`{name}` is not a model or protocol parameter{hint}"),
        }
    })
}

fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn parse_dist(name: &str, v: &toml::Value) -> Result<Dist, Problem> {
    let key = format!("random.{name}");
    let bad = |message: String| Problem { key: key.clone(), message };
    let form = "expected one of `{ uniform = [lo, hi] }`, `{ log_uniform = [lo, hi] }`, `{ int = [lo, hi] }`, `{ choice = [a, b, ...] }`";
    let t = v.as_table().filter(|t| t.len() == 1).ok_or_else(|| bad(form.to_string()))?;
    let (kind, arg) = t.iter().next().expect("one entry");
    let pair = || -> Result<(f64, f64), Problem> {
        match arg.as_array().map(|a| a.iter().map(number).collect::<Option<Vec<f64>>>()) {
            Some(Some(xs)) if xs.len() == 2 => Ok((xs[0], xs[1])),
            _ => Err(bad(format!("`{kind}` takes [low, high], two numbers (got {arg})"))),
        }
    };
    match kind.as_str() {
        "uniform" | "log_uniform" => {
            let (lo, hi) = pair()?;
            if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
                return Err(bad(format!("`{kind}` needs low < high (got [{lo}, {hi}])")));
            }
            if kind == "log_uniform" {
                if lo <= 0.0 {
                    return Err(bad(format!("`log_uniform` needs bounds > 0 (got [{lo}, {hi}])")));
                }
                return Ok(Dist::LogUniform(lo, hi));
            }
            Ok(Dist::Uniform(lo, hi))
        }
        "int" => match arg.as_array().map(|a| a.iter().map(|x| x.as_integer()).collect::<Option<Vec<i64>>>()) {
            Some(Some(xs)) if xs.len() == 2 && xs[0] <= xs[1] => Ok(Dist::Int(xs[0], xs[1])),
            Some(Some(xs)) if xs.len() == 2 => {
                Err(bad(format!("`int` needs low <= high (got [{}, {}])", xs[0], xs[1])))
            }
            _ => Err(bad(format!("`int` takes [low, high], two whole numbers, inclusive (got {arg})"))),
        },
        "choice" => match arg.as_array() {
            Some(xs) if !xs.is_empty() => Ok(Dist::Choice(xs.clone())),
            _ => Err(bad("`choice` takes a non-empty list of values".to_string())),
        },
        other => Err(bad(format!("unknown distribution `{other}`: {form}"))),
    }
}

/// Expand and validate a sweep. `default_name` names it when the file does not; `base` is the
/// directory relative paths start from.
pub fn expand(raw: &RawExperiment, default_name: &str, base: &Path, yes: bool) -> Result<Sweep, Vec<Problem>> {
    let mut problems = Vec::new();
    let replicates = raw.replicates.unwrap_or(1);
    if replicates == 0 {
        problems.push(Problem { key: "replicates".into(), message: "must be at least 1".into() });
    }

    let mut grid: Vec<(Section, String, Vec<toml::Value>)> = Vec::new();
    for (name, values) in raw.grid.iter().flatten() {
        let section = match axis_name("grid", name) {
            Ok(s) => s,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        match values.as_array() {
            Some(vs) if !vs.is_empty() => grid.push((section, name.clone(), vs.clone())),
            Some(_) => problems.push(Problem {
                key: format!("grid.{name}"),
                message: "the axis is empty: give at least one value".into(),
            }),
            None => problems.push(Problem {
                key: format!("grid.{name}"),
                message: format!("a grid axis is a list of values, e.g. `{name} = [a, b]` (got {values})"),
            }),
        }
    }

    let mut random: Vec<(Section, String, Dist)> = Vec::new();
    let mut trials = 1u64;
    if let Some(table) = &raw.random {
        match table.get("trials").map(|t| t.as_integer()) {
            Some(Some(n)) if n >= 1 => trials = n as u64,
            Some(_) => {
                problems.push(Problem { key: "random.trials".into(), message: "must be a whole number >= 1".into() })
            }
            None => problems.push(Problem {
                key: "random".into(),
                message: "`[random]` needs `trials = N` (random draws per grid point)".into(),
            }),
        }
        for (name, v) in table.iter().filter(|(k, _)| *k != "trials") {
            let section = axis_name("random", name).and_then(|s| parse_dist(name, v).map(|d| (s, d)));
            match section {
                Ok(_) if grid.iter().any(|(_, g, _)| g == name) => problems.push(Problem {
                    key: format!("random.{name}"),
                    message: format!("`{name}` is already a grid axis; an axis is either grid or random"),
                }),
                Ok((s, d)) => random.push((s, name.clone(), d)),
                Err(p) => problems.push(p),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let n_points: u64 = grid.iter().map(|(_, _, v)| v.len() as u64).product();
    let n_runs = n_points.saturating_mul(trials).saturating_mul(replicates);
    if n_runs > MAX_RUNS_WITHOUT_YES && !yes {
        return Err(vec![Problem {
            key: if raw.grid.is_some() { "grid".into() } else { "replicates".into() },
            message: format!(
                "this sweep has {n_runs} runs ({n_points} grid points x {trials} trials x {replicates} replicates), \
                 more than {MAX_RUNS_WITHOUT_YES}: pass --yes to run it anyway"
            ),
        }]);
    }

    let seed = raw.seed.unwrap_or(1);
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    let base_raw = raw.base();
    let mut cache = DataCache::default();
    let mut configs: Vec<Config> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = 0;
    for point in 0..n_points {
        // Decode the point's index into one value per axis, the last axis fastest.
        let mut rest = point;
        let mut picks = vec![0usize; grid.len()];
        for (a, (_, _, values)) in grid.iter().enumerate().rev() {
            picks[a] = (rest % values.len() as u64) as usize;
            rest /= values.len() as u64;
        }
        let mut raw_g = base_raw.clone();
        let mut swept = Vec::new();
        for (a, (section, name, values)) in grid.iter().enumerate() {
            let v = values[picks[a]].clone();
            if let Err(message) = set_param(&mut raw_g, *section, name, v.clone()) {
                problems.push(Problem { key: format!("grid.{name}[{}]", picks[a]), message });
            }
            swept.push((name.clone(), v));
        }
        let grid_text: String = swept.iter().map(|(k, v)| format!("{k}={}\n", canonical_value(v))).collect();
        let grid_id = fnv1a(grid_text.as_bytes());
        for trial in 0..if random.is_empty() { 1 } else { trials } {
            let mut raw_t = raw_g.clone();
            let mut swept_t = swept.clone();
            for (section, name, dist) in &random {
                let v = dist.draw(&mut Pcg64Mcg::seed_from_u64(draw_seed(seed, grid_id, name, trial)));
                if let Err(message) = set_param(&mut raw_t, *section, name, v.clone()) {
                    problems.push(Problem { key: format!("random.{name}"), message: format!("drew {v}: {message}") });
                }
                swept_t.push((name.clone(), v));
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            let exp = match resolve(&raw_t, &name, base, &mut cache) {
                Ok(e) => e,
                Err(ps) => {
                    return Err(ps.into_iter().map(|p| blame_axis(p, &swept_t, &grid, &random)).collect());
                }
            };
            let id = config_id(&raw_t);
            if !seen.insert(id) {
                duplicates += 1;
                continue;
            }
            configs.push(Config { index: configs.len(), id, swept: swept_t, exp });
        }
    }
    let axes = grid.iter().map(|(_, n, _)| n.clone()).chain(random.iter().map(|(_, n, _)| n.clone())).collect();
    let hash = fnv1a(toml::to_string(raw).expect("serialisable").as_bytes());
    Ok(Sweep { name, seed, replicates, axes, configs, duplicates, raw: raw.clone(), hash })
}

/// A problem found while resolving a configuration, attributed to the axis that set the key.
fn blame_axis(
    p: Problem,
    swept: &[(String, toml::Value)],
    grid: &[(Section, String, Vec<toml::Value>)],
    random: &[(Section, String, Dist)],
) -> Problem {
    let param = p.key.split_once('.').map(|(_, k)| k.split('[').next().unwrap_or(k)).unwrap_or("");
    let value = swept.iter().find(|(n, _)| n == param).map(|(_, v)| v.to_string());
    let axis = if grid.iter().any(|(_, n, _)| n == param) {
        format!("grid.{param}")
    } else if random.iter().any(|(_, n, _)| n == param) {
        format!("random.{param}")
    } else {
        return p;
    };
    Problem {
        key: axis,
        message: format!("value {} makes the model invalid: {}", value.unwrap_or_default(), p.message),
    }
}
