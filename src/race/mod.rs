//! `harness race`: the best configuration with the fewest runs, by iterated racing on common
//! seeds (irace: Lopez-Ibanez et al.; F-Race: Birattari).
//!
//! [`settings`] reads `[race]`; [`space`] the searched parameters; [`engine`] runs one race
//! (generic over an evaluation function); [`iterate`] runs the races one after the other, drawing
//! new candidates around the elites with [`model`] and [`tnorm`] (filtered by [`density`] with the
//! TPE sampler), screens new candidates on cheap runs with [`screen`] when asked, and orders the
//! final elites by [`pick`]; [`runner`] runs a race into its
//! results directory (journal, resume, validation), its runs coming from a [`source`]; [`tables`] writes the `race` table.
//! `harness verify` replays a race from its journal ([`runner::replay`]).

pub mod cluster;
pub mod density;
pub mod engine;
pub mod error;
pub mod iterate;
pub mod model;
pub mod pick;
pub mod runner;
pub mod screen;
pub mod settings;
pub mod source;
pub mod space;
pub mod tables;
pub mod tnorm;

use std::path::{Path, PathBuf};

use crate::config::{self, ConfigError, DataCache, Problem, RawExperiment, params, resolve};
use crate::work::identity::{self, Identity, canonical_value};
use settings::Settings;
use space::{Domain, Space};

/// A checked race: what to search, how, and what its results depend on.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    /// The race seed: every seed of the race and of its validation derives from it.
    pub seed: u64,
    pub settings: Settings,
    pub space: Space,
    /// The file as parsed.
    pub raw: RawExperiment,
    /// The experiment without axes or race settings: what candidates change.
    pub base: RawExperiment,
    /// The absolute directory relative paths start from.
    pub base_dir: PathBuf,
    pub identity: Identity,
    pub warnings: Vec<String>,
}

/// The effective settings as identity lines (explicit defaults and absent keys are the same race).
/// `pick`, `sampler` and `behind` came later, with new defaults: a line is written only for the
/// value that is not irace's (`rank`, `irace`, `0`), so the races of before keep their identity
/// when their file says so, and a file without the keys is another race than before (its results
/// differ).
fn settings_lines(s: &Settings) -> Vec<String> {
    let f = |x: f64| canonical_value(&toml::Value::Float(x));
    let mut lines = vec![
        format!("race.budget={}", s.budget),
        format!("race.first_test={}", s.first_test),
        format!("race.each_test={}", s.each_test),
        format!("race.confidence={}", f(s.confidence)),
        format!("race.test={}", s.test.word()),
        format!("race.iterations={}{}", s.iterations, if s.iterations_fixed { " (fixed)" } else { "" }),
        format!("race.min_survival={}", s.min_survival),
        format!("race.elitist_limit={}", s.elitist_limit),
        format!("race.max_candidates={}", s.max_candidates),
        format!("race.validation_replicates={}", s.validation_replicates),
    ];
    if s.pick != settings::Pick::Rank {
        lines.push(format!("race.pick={}", s.pick.word()));
    }
    if s.sampler != settings::Sampler::Irace {
        lines.push(format!("race.sampler={}", s.sampler.word()));
    }
    if let Some(sc) = &s.screen {
        lines.push(format!("race.screen={}", screen_text(sc)));
        lines.push(format!("race.screen_seeds={}", sc.seeds));
    }
    if let Some(b) = s.behind {
        lines.push(format!("race.behind={}", f(b)));
    }
    lines
}

/// The screening rungs as written: `[[0.25, 0.25], [0.5, 0.25]]`.
fn screen_text(sc: &settings::Screen) -> String {
    let f = |x: f64| canonical_value(&toml::Value::Float(x));
    let rungs: Vec<String> = sc.rungs.iter().map(|r| format!("[{}, {}]", f(r.train), f(r.test))).collect();
    format!("[{}]", rungs.join(", "))
}

/// Check every value a parameter may take (each choice, both bounds) on the base experiment.
fn check_extremes(space: &Space, base: &RawExperiment, name: &str, dir: &Path, cache: &mut DataCache) -> Vec<Problem> {
    let mut problems = Vec::new();
    for p in &space.params {
        let values: Vec<toml::Value> = match &p.domain {
            Domain::Real { lo, hi, .. } => vec![toml::Value::Float(*lo), toml::Value::Float(*hi)],
            Domain::Int { lo, hi } => vec![toml::Value::Integer(*lo), toml::Value::Integer(*hi)],
            Domain::Choice(xs) => xs.clone(),
        };
        for v in values {
            let mut raw = base.clone();
            let why = match params::set(&mut raw, p.section, &p.name, v.clone()) {
                Err(m) => Some(m),
                Ok(()) => resolve(&raw, name, dir, cache)
                    .err()
                    .map(|ps| ps.into_iter().map(|q| q.message).collect::<Vec<_>>().join("; ")),
            };
            if let Some(why) = why {
                problems.push(Problem::new(p.key.clone(), format!("value {v} cannot be raced: {why}")));
                break;
            }
        }
    }
    problems
}

/// Check that the base experiment can run at every screening rung (a rung no candidate could run
/// would screen nothing, silently).
fn check_rungs(
    s: &Settings,
    exp: &config::Experiment,
    name: &str,
    dir: &Path,
    cache: &mut DataCache,
) -> Result<(), Vec<Problem>> {
    let rungs = s.screen.as_ref().map_or(&[][..], |sc| &sc.rungs[..]);
    for (i, r) in rungs.iter().enumerate() {
        if let Err(ps) = resolve(&r.cut(exp), name, dir, cache) {
            let why: Vec<String> = ps.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect();
            return Err(vec![Problem::new(
                "race.screen",
                format!("rung {} cannot run the experiment with its presentations cut: {}", i + 1, why.join("; ")),
            )]);
        }
    }
    Ok(())
}

/// A warning when `behind` is within one run's noise: a test phase of `n` images gives an accuracy
/// whose binomial standard deviation reaches `sqrt(0.25 / n)`, and a margin below that drops good
/// candidates by chance after their first seed.
fn noisy_behind(s: &Settings, exp: &config::Experiment) -> Option<String> {
    let behind = s.behind?;
    let (_, test) = exp.protocol.presentations(&exp.subset, exp.classes.len());
    let sd = (0.25 / test.max(1) as f64).sqrt();
    (behind < sd).then(|| {
        format!(
            "race.behind = {behind} is within the noise of one run: with {test} test presentations a run's accuracy \
             has a standard deviation of up to {sd:.2}, so good candidates may be dropped by chance after one seed; \
             set race.behind above {sd:.2}, or 0 to drop candidates only by the tests"
        )
    })
}

impl Plan {
    /// The race in a line, as the command and the Python binding announce it.
    pub fn describe(&self, threads: usize) -> String {
        let s = &self.settings;
        format!(
            "race {}: {} parameters ({}), budget {} runs, then {} validation seeds per final elite; {} test, \
             confidence {}, first test after {} seeds{}, {} iterations planned, {} survivors{}{}; on {threads} thread(s)",
            self.name,
            self.space.params.len(),
            self.space.names().join(", "),
            s.budget,
            s.validation_replicates,
            s.test.word(),
            s.confidence,
            s.first_test,
            s.behind.map_or(String::new(), |b| format!(
                " (from the first seed on, a candidate more than {b} of accuracy behind the best is dropped)"
            )),
            s.iterations,
            s.min_survival,
            match (s.sampler, s.pick) {
                (settings::Sampler::Tpe, settings::Pick::Mean) => ", TPE sampler, the best race mean first",
                (settings::Sampler::Tpe, _) => ", TPE sampler",
                (_, settings::Pick::Mean) => ", the best race mean first",
                _ => "",
            },
            s.screen.as_ref().map_or(String::new(), |sc| format!(
                ", new candidates screened on {} seed(s) at rungs {} (training, test fractions)",
                sc.seeds,
                screen_text(sc)
            ))
        )
    }
}

/// Check a parsed race file. `default_name` names it when the file does not; `dir` is where
/// relative paths start.
pub fn plan(raw: &RawExperiment, default_name: &str, dir: &Path, yes: bool) -> Result<Plan, Vec<Problem>> {
    let Some(race) = &raw.race else {
        return Err(vec![Problem::new("race", "a race needs a `[race]` section with at least `budget = N`")]);
    };
    if raw.replicates.is_some() {
        return Err(vec![Problem::new(
            "replicates",
            "a race decides how many seeds each candidate gets: remove `replicates` (`race.validation_replicates` sets \
             the final re-runs)",
        )]);
    }
    let space = Space::of(raw)?;
    let settings = race.settings(space.params.len(), yes)?;
    if let Some(n) = space.points().filter(|&n| n <= settings.min_survival as u128) {
        return Err(vec![Problem::new(
            "random",
            format!(
                "the space holds {n} configuration(s), no more than race.min_survival ({}): a race would keep them \
                 all without a test; sweep them instead (`[grid]` and `harness sweep`), or widen the space",
                settings.min_survival
            ),
        )]);
    }
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    let base = raw.base();
    let mut cache = DataCache::default();
    let problems = check_extremes(&space, &base, &name, dir, &mut cache);
    if !problems.is_empty() {
        return Err(problems);
    }
    let exp = resolve(&base, &name, dir, &mut cache)?;
    check_rungs(&settings, &exp, &name, dir, &mut cache)?;
    let identity = identity::of_work("race", raw, &exp, settings_lines(&settings));
    let mut warnings = exp.warnings.clone();
    warnings.extend(noisy_behind(&settings, &exp));
    Ok(Plan {
        name,
        seed: raw.seed.unwrap_or(1),
        settings,
        space,
        raw: raw.clone(),
        base,
        base_dir: config::base_dir(dir),
        identity,
        warnings,
    })
}

/// Read, parse and check a race file (its `seed` replaced by `seed` when given: the manifest then
/// records it); errors name the file, line and key.
pub fn load(path: &Path, yes: bool, seed: Option<u64>) -> Result<Plan, ConfigError> {
    config::load_checked(path, "race", seed, |raw, name, dir| plan(raw, name, dir, yes))
}
