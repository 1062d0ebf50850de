//! The axes of a sweep file: `[grid]` (a list of values per parameter, Cartesian product, first
//! axis slowest) and `[random]` (`trials = N` draws per grid point from a distribution per
//! parameter), parsed and checked before anything is expanded.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use crate::config::params::{self, Section};
use crate::config::{Problem, RawExperiment};

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
    /// One draw. (The formulas are part of every random sweep's identity: changing one moves
    /// every drawn configuration.)
    pub fn draw(&self, rng: &mut Pcg64Mcg) -> toml::Value {
        match self {
            Dist::Uniform(lo, hi) => toml::Value::Float(lo + (hi - lo) * rng.random::<f64>()),
            Dist::LogUniform(lo, hi) => toml::Value::Float((lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp()),
            Dist::Int(lo, hi) => toml::Value::Integer(rng.random_range(*lo..=*hi)),
            Dist::Choice(xs) => xs[rng.random_range(0..xs.len())].clone(),
        }
    }

    /// The values that stand for the whole distribution when checking it up front: every choice,
    /// both bounds of a range.
    pub fn extremes(&self) -> Vec<toml::Value> {
        match self {
            Dist::Uniform(lo, hi) | Dist::LogUniform(lo, hi) => vec![toml::Value::Float(*lo), toml::Value::Float(*hi)],
            Dist::Int(lo, hi) => vec![toml::Value::Integer(*lo), toml::Value::Integer(*hi)],
            Dist::Choice(xs) => xs.clone(),
        }
    }
}

/// A grid axis: a parameter and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct GridAxis {
    pub section: Section,
    pub name: String,
    pub values: Vec<toml::Value>,
}

/// A random axis: a parameter and its distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomAxis {
    pub section: Section,
    pub name: String,
    pub dist: Dist,
}

/// The parsed axes of a sweep file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axes {
    pub grid: Vec<GridAxis>,
    pub random: Vec<RandomAxis>,
    /// Random draws per grid point (1 without `[random]`).
    pub trials: u64,
}

/// The names of the swept parameters of `raw`, grid axes first (what tables and reports show),
/// as written, without checking them.
pub fn names(raw: &RawExperiment) -> Vec<String> {
    let grid = raw.grid.iter().flatten().map(|(k, _)| k.clone());
    grid.chain(raw.random.iter().flatten().filter(|(k, _)| *k != "trials").map(|(k, _)| k.clone())).collect()
}

fn section(kind: &str, name: &str) -> Result<Section, Problem> {
    if crate::protocol::MEASUREMENTS.contains(&name) {
        return Err(Problem {
            key: format!("{kind}.{name}"),
            message: format!("`{name}` is a measurement, not a parameter: set it once in [protocol]"),
        });
    }
    params::section_of(name).ok_or_else(|| {
        let hint = params::suggest(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        Problem {
            key: format!("{kind}.{name}"),
            message: format!("`{name}` is not a model or protocol parameter{hint}"),
        }
    })
}

fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

const FORMS: &str = "expected one of `{ uniform = [lo, hi] }`, `{ log_uniform = [lo, hi] }`, `{ int = [lo, hi] }`, `{ choice = [a, b, ...] }`";

fn range(kind: &str, arg: &toml::Value) -> Result<Dist, String> {
    let xs = arg.as_array().map(|a| a.iter().map(number).collect::<Option<Vec<f64>>>());
    let (lo, hi) = match xs {
        Some(Some(xs)) if xs.len() == 2 => (xs[0], xs[1]),
        _ => return Err(format!("`{kind}` takes [low, high], two numbers (got {arg})")),
    };
    if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
        return Err(format!("`{kind}` needs low < high (got [{lo}, {hi}])"));
    }
    if !(hi - lo).is_finite() {
        return Err(format!("`{kind}` [{lo}, {hi}]: the range is wider than the largest number; narrow it"));
    }
    if kind == "log_uniform" {
        if lo <= 0.0 {
            return Err(format!("`log_uniform` needs bounds > 0 (got [{lo}, {hi}])"));
        }
        return Ok(Dist::LogUniform(lo, hi));
    }
    Ok(Dist::Uniform(lo, hi))
}

/// Parameters that must be a whole number of steps of `dt_ms` (docs: README, "Experiment
/// files"): a continuous draw is almost never one, so every run of such an axis would fail.
pub const WHOLE_STEPS: [&str; 3] = ["window_ms", "test_window_ms", "t_ref_ms"];

/// Parse one `[random]` entry.
pub fn parse_dist(name: &str, v: &toml::Value) -> Result<Dist, Problem> {
    let bad = |message: String| Problem { key: format!("random.{name}"), message };
    let t = v.as_table().filter(|t| t.len() == 1).ok_or_else(|| bad(FORMS.to_string()))?;
    let (kind, arg) = t.iter().next().expect("one entry");
    match kind.as_str() {
        "uniform" | "log_uniform" if WHOLE_STEPS.contains(&name) => Err(bad(format!(
            "`{name}` must be a whole number of steps of dt_ms, which a continuous `{kind}` almost never draws: give \
             the values as a choice, e.g. `{name} = {{ choice = [50.0, 100.0, 150.0] }}`"
        ))),
        "uniform" | "log_uniform" => range(kind, arg).map_err(bad),
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
        other => Err(bad(format!("unknown distribution `{other}`: {FORMS}"))),
    }
}

/// Parse the axes of `raw`; every problem found, each with its key.
pub fn parse(raw: &RawExperiment) -> Result<Axes, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut axes = Axes { trials: 1, ..Default::default() };
    for (name, values) in raw.grid.iter().flatten() {
        let key = format!("grid.{name}");
        match (section("grid", name), values.as_array()) {
            (Err(p), _) => problems.push(p),
            (Ok(s), Some(vs)) if !vs.is_empty() => {
                axes.grid.push(GridAxis { section: s, name: name.clone(), values: vs.clone() })
            }
            (Ok(_), Some(_)) => {
                problems.push(Problem { key, message: "the axis is empty: give at least one value".into() })
            }
            (Ok(_), None) => problems.push(Problem {
                key,
                message: format!("a grid axis is a list of values, e.g. `{name} = [a, b]` (got {values})"),
            }),
        }
    }
    if let Some(table) = &raw.random {
        match table.get("trials").map(|t| t.as_integer()) {
            Some(Some(n)) if n >= 1 => axes.trials = n as u64,
            Some(_) => {
                problems.push(Problem { key: "random.trials".into(), message: "must be a whole number >= 1".into() })
            }
            None => problems.push(Problem {
                key: "random".into(),
                message: "`[random]` needs `trials = N` (random draws per grid point)".into(),
            }),
        }
        for (name, v) in table.iter().filter(|(k, _)| *k != "trials") {
            match section("random", name).and_then(|s| parse_dist(name, v).map(|d| (s, d))) {
                Ok(_) if axes.grid.iter().any(|g| &g.name == name) => problems.push(Problem {
                    key: format!("random.{name}"),
                    message: format!("`{name}` is already a grid axis; an axis is either grid or random"),
                }),
                Ok((section, dist)) => axes.random.push(RandomAxis { section, name: name.clone(), dist }),
                Err(p) => problems.push(p),
            }
        }
    }
    if problems.is_empty() { Ok(axes) } else { Err(problems) }
}

impl Axes {
    /// Grid points, or `None` when their number does not fit in 64 bits.
    pub fn points(&self) -> Option<u64> {
        self.grid.iter().try_fold(1u64, |n, a| n.checked_mul(a.values.len() as u64))
    }

    /// The value index of each grid axis at grid point `point`, the last axis fastest.
    pub fn picks(&self, point: u64) -> Vec<usize> {
        let mut rest = point;
        let mut picks = vec![0usize; self.grid.len()];
        for (a, axis) in self.grid.iter().enumerate().rev() {
            picks[a] = (rest % axis.values.len() as u64) as usize;
            rest /= axis.values.len() as u64;
        }
        picks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_decode_last_axis_fastest_and_overflow_is_caught() {
        let axis = |n: usize| GridAxis {
            section: Section::Model,
            name: "lr".into(),
            values: vec![toml::Value::Integer(0); n],
        };
        let axes = Axes { grid: vec![axis(3), axis(2)], random: vec![], trials: 1 };
        assert_eq!(axes.points(), Some(6));
        assert_eq!((0..6).map(|p| axes.picks(p)).collect::<Vec<_>>(), [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
        let huge = Axes { grid: vec![axis(256); 8], random: vec![], trials: 1 };
        assert_eq!(huge.points(), None, "256^8 = 2^64 does not fit");
    }

    /// A continuous distribution over a parameter counted in whole steps is refused up front,
    /// naming the key and the fix; a choice of such values is not.
    #[test]
    fn whole_step_parameters_take_choices_not_ranges() {
        let v = |text: &str| text.parse::<toml::Table>().unwrap()["x"].clone();
        for name in WHOLE_STEPS {
            for dist in ["x = { uniform = [50.0, 250.0] }", "x = { log_uniform = [50.0, 250.0] }"] {
                let p = parse_dist(name, &v(dist)).unwrap_err();
                assert_eq!(p.key, format!("random.{name}"));
                assert!(p.message.contains("whole number of steps") && p.message.contains("choice"), "{}", p.message);
            }
            assert!(parse_dist(name, &v("x = { choice = [50.0, 100.0] }")).is_ok());
        }
        assert!(parse_dist("tau_ms", &v("x = { uniform = [5.0, 30.0] }")).is_ok(), "a time constant is continuous");
    }

    #[test]
    fn extremes_stand_for_the_distribution() {
        assert_eq!(Dist::Int(2, 5).extremes(), [toml::Value::Integer(2), toml::Value::Integer(5)]);
        let c = Dist::Choice(vec![toml::Value::Float(0.1), toml::Value::String("oops".into())]);
        assert_eq!(c.extremes().len(), 2);
        let e = parse_dist("c_inp", &toml::Value::Table(toml::toml! { uniform = [-1.7e308, 1.7e308] })).unwrap_err();
        assert!(e.message.contains("wider than the largest number"), "{}", e.message);
    }
}
