//! The space a race searches: the `[random]` axes of the experiment file (the distribution syntax
//! of sweeps: `uniform`, `log_uniform`, `int`, `choice`; without `trials`), and the initial
//! candidates of an optional `[grid]`. A grid axis that is not also a random axis is searched as a
//! `choice` among its grid values; one that is must stay inside its random axis's domain.
//!
//! A candidate is a point of the space: one [`Value`] per parameter, turned into an experiment by
//! setting each parameter on the base experiment (as a sweep's axes are set).

use rand::{Rng, RngExt};

use crate::config::params::{self, Section};
use crate::config::{Problem, RawExperiment};
use crate::work::axes::{self, Dist};

/// Where a parameter's values live.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A real number in `[lo, hi]`, sampled on the log scale when `log`.
    Real { lo: f64, hi: f64, log: bool },
    /// A whole number in `[lo, hi]` (inclusive).
    Int { lo: i64, hi: i64 },
    /// One of these values.
    Choice(Vec<toml::Value>),
}

/// A parameter the race searches.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub section: Section,
    pub name: String,
    pub domain: Domain,
    /// Where the file defines it (`random.<name>`, or `grid.<name>` for a grid-only axis).
    pub key: String,
}

/// A parameter's value in a candidate: a number (reals and whole numbers), or the index of a
/// choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Num(f64),
    Choice(usize),
}

/// The searched space and its initial candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    pub params: Vec<Param>,
    /// Initial candidates from `[grid]`: a value per parameter, `None` where the grid does not
    /// set it (drawn uniformly).
    pub initial: Vec<Vec<Option<Value>>>,
}

impl Param {
    /// A uniform draw (on the log scale for log reals).
    pub fn uniform(&self, rng: &mut impl Rng) -> Value {
        match &self.domain {
            Domain::Real { lo, hi, log: false } => Value::Num(lo + (hi - lo) * rng.random::<f64>()),
            Domain::Real { lo, hi, log: true } => {
                Value::Num((lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp())
            }
            Domain::Int { lo, hi } => Value::Num(rng.random_range(*lo..=*hi) as f64),
            Domain::Choice(xs) => Value::Choice(rng.random_range(0..xs.len())),
        }
    }

    /// The value as it goes into the experiment file.
    pub fn toml(&self, v: Value) -> toml::Value {
        match (&self.domain, v) {
            (Domain::Int { .. }, Value::Num(x)) => toml::Value::Integer(x as i64),
            (Domain::Choice(xs), Value::Choice(i)) => xs[i].clone(),
            (_, Value::Num(x)) => toml::Value::Float(x),
            (_, Value::Choice(i)) => toml::Value::Integer(i as i64),
        }
    }

    /// The value of `v` (a grid value) in this domain, if it is in it.
    fn value_of(&self, v: &toml::Value) -> Option<Value> {
        let num = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
        match &self.domain {
            Domain::Real { lo, hi, .. } => num.filter(|x| x >= lo && x <= hi).map(Value::Num),
            Domain::Int { lo, hi } => v.as_integer().filter(|i| i >= lo && i <= hi).map(|i| Value::Num(i as f64)),
            Domain::Choice(xs) => xs.iter().position(|x| x == v).map(Value::Choice),
        }
    }
}

impl Space {
    /// The space of `raw`'s `[random]` and `[grid]`.
    pub fn of(raw: &RawExperiment) -> Result<Space, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut params = Vec::new();
        for (name, v) in raw.random.iter().flatten() {
            if name == "trials" {
                problems.push(Problem::new(
                    "random.trials",
                    "a race has no trials: its budget decides how many candidates it tries",
                ));
                continue;
            }
            let parsed = section("random", name).and_then(|s| axes::parse_dist(name, v).map(|d| (s, d)));
            match parsed {
                Ok((section, dist)) => params.push(Param {
                    section,
                    name: name.clone(),
                    domain: domain(dist),
                    key: format!("random.{name}"),
                }),
                Err(p) => problems.push(p),
            }
        }
        let mut grid: Vec<(usize, Vec<toml::Value>)> = Vec::new();
        for (name, values) in raw.grid.iter().flatten() {
            let key = format!("grid.{name}");
            let Some(values) = values.as_array().filter(|v| !v.is_empty()) else {
                problems.push(Problem::new(key, "a grid axis is a non-empty list of values"));
                continue;
            };
            let at = match params.iter().position(|p| &p.name == name) {
                Some(i) => i,
                None => match section("grid", name) {
                    Ok(section) => {
                        let domain = Domain::Choice(values.clone());
                        params.push(Param { section, name: name.clone(), domain, key: key.clone() });
                        params.len() - 1
                    }
                    Err(p) => {
                        problems.push(p);
                        continue;
                    }
                },
            };
            if let Some(bad) = values.iter().find(|v| params[at].value_of(v).is_none()) {
                problems.push(Problem::new(key, format!("{bad} is outside the domain of random.{name}")));
            }
            grid.push((at, values.clone()));
        }
        if params.is_empty() && problems.is_empty() {
            problems
                .push(Problem::new("random", "a race needs a space: give `[random]` axes (and optionally `[grid]`)"));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let initial = grid_points(&params, &grid);
        Ok(Space { params, initial })
    }

    /// The experiment of a candidate: `base` with each parameter set.
    pub fn raw_of(&self, base: &RawExperiment, values: &[Value]) -> Result<RawExperiment, Problem> {
        let mut raw = base.clone();
        for (p, &v) in self.params.iter().zip(values) {
            let t = p.toml(v);
            params::set(&mut raw, p.section, &p.name, t.clone())
                .map_err(|m| Problem::new(p.key.clone(), format!("value {t}: {m}")))?;
        }
        Ok(raw)
    }

    /// How many distinct candidates the space holds, when it is finite (every parameter a choice
    /// or an integer range); saturates at `u128::MAX`.
    pub fn points(&self) -> Option<u128> {
        self.params.iter().try_fold(1u128, |n, p| {
            let k = match &p.domain {
                Domain::Real { .. } => return None,
                Domain::Int { lo, hi } => (i128::from(*hi) - i128::from(*lo) + 1).max(0) as u128,
                Domain::Choice(xs) => xs.iter().enumerate().filter(|(i, x)| !xs[..*i].contains(x)).count() as u128,
            };
            Some(n.saturating_mul(k))
        })
    }

    /// The parameters' names, in order.
    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }
}

fn section(kind: &str, name: &str) -> Result<Section, Problem> {
    params::section_of(name).ok_or_else(|| {
        let hint = params::suggest(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        Problem::new(format!("{kind}.{name}"), format!("`{name}` is not a model or protocol parameter{hint}"))
    })
}

fn domain(d: Dist) -> Domain {
    match d {
        Dist::Uniform(lo, hi) => Domain::Real { lo, hi, log: false },
        Dist::LogUniform(lo, hi) => Domain::Real { lo, hi, log: true },
        Dist::Int(lo, hi) => Domain::Int { lo, hi },
        Dist::Choice(xs) => Domain::Choice(xs),
    }
}

/// The Cartesian product of the grid axes (first axis slowest), as partial candidates.
fn grid_points(params: &[Param], grid: &[(usize, Vec<toml::Value>)]) -> Vec<Vec<Option<Value>>> {
    if grid.is_empty() {
        return Vec::new();
    }
    let mut points = vec![vec![None; params.len()]];
    for (at, values) in grid {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q[*at] = params[*at].value_of(v);
                    q
                })
            })
            .collect();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawExperiment {
        crate::config::parse_text("t.toml", text).unwrap()
    }

    #[test]
    fn random_axes_and_grid_make_the_space_and_its_initial_candidates() {
        let r = raw("[random]\nc_inp = { log_uniform = [0.05, 0.8] }\ntrain_presentations = { int = [100, 400] }\n\
                     [grid]\nc_inp = [0.1, 0.2]\nprediction = [\"trace\", \"spikes\"]\n");
        let s = Space::of(&r).unwrap();
        assert_eq!(s.names(), ["c_inp", "train_presentations", "prediction"]);
        assert_eq!(s.params[2].domain, Domain::Choice(vec!["trace".into(), "spikes".into()]));
        assert_eq!(s.initial.len(), 4);
        assert_eq!(s.initial[1], vec![Some(Value::Num(0.1)), None, Some(Value::Choice(1))]);
        let cand = s.raw_of(&r.base(), &[Value::Num(0.3), Value::Num(250.0), Value::Choice(1)]).unwrap();
        assert_eq!((cand.model.c_inp, cand.protocol.train_presentations), (0.3, 250));
    }

    #[test]
    fn a_finite_space_counts_its_points() {
        let points = |t: &str| Space::of(&raw(t)).unwrap().points();
        assert_eq!(
            points("[random]\nlr = { choice = [0.1, 0.2, 0.1] }\ntrain_presentations = { int = [10, 12] }\n"),
            Some(6)
        );
        assert_eq!(points("[random]\nlr = { uniform = [0.1, 0.2] }\n"), None);
        let widest = "[random]\ntrain_presentations = { int = [-9223372036854775808, 9223372036854775807] }\n";
        assert_eq!(points(widest), Some(1 << 64), "no overflow");
    }

    #[test]
    fn what_a_race_cannot_search_is_refused() {
        let keys = |t: &str| Space::of(&raw(t)).unwrap_err().into_iter().map(|p| p.key).collect::<Vec<_>>();
        assert_eq!(keys("[random]\ntrials = 3\nlr = { uniform = [0.1, 0.2] }\n"), ["random.trials"]);
        assert_eq!(keys("[random]\nlr = { uniform = [0.1, 0.2] }\n[grid]\nlr = [0.5]\n"), ["grid.lr"]);
        assert_eq!(keys("[random]\nlrr = { uniform = [0.1, 0.2] }\n"), ["random.lrr"]);
        assert_eq!(keys("name = \"x\"\n"), ["random"]);
    }
}
