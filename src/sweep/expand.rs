//! Expanding a sweep file into validated configurations, before any run starts, so that a bad
//! value is reported up front with its axis key and line: the axes are parsed, the sweep's size is
//! counted in checked arithmetic, every value a random axis may draw (each choice, both bounds of
//! each range) is checked at every grid point, and every configuration is resolved.

use std::path::Path;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::Sweep;
use crate::config::{DataCache, Problem, RawExperiment, params, resolve};
use crate::work::axes::{self, Axes};
use crate::work::identity::{self, canonical_value, config_id, draw_seed, fnv1a};
use crate::work::{Config, MAX_RUNS, MAX_RUNS_WITHOUT_YES};

/// Expand and validate a sweep. `default_name` names it when the file does not; `base` is the
/// directory relative paths start from.
pub fn expand(raw: &RawExperiment, default_name: &str, base: &Path, yes: bool) -> Result<Sweep, Vec<Problem>> {
    let replicates = raw.replicates.unwrap_or(1);
    let axes = axes::parse(raw);
    let axes = match (axes, replicates) {
        (Ok(a), r) if r >= 1 => a,
        (a, r) => {
            let mut problems = a.err().unwrap_or_default();
            if r == 0 {
                problems.insert(0, Problem { key: "replicates".into(), message: "must be at least 1".into() });
            }
            return Err(problems);
        }
    };
    let n_points = check_size(raw, &axes, replicates, yes)?;
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    let mut cache = DataCache::default();
    let base_raw = raw.base();
    let mut configs: Vec<Config> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = 0;
    let seed = raw.seed.unwrap_or(1);
    for point in 0..n_points {
        let GridPoint { raw: raw_g, swept, id: grid_id } = grid_point(&base_raw, &axes, point)?;
        check_random_values(&raw_g, &axes, &name, base, &mut cache)?;
        for trial in 0..if axes.random.is_empty() { 1 } else { axes.trials } {
            let mut raw_t = raw_g.clone();
            let mut swept_t = swept.clone();
            for a in &axes.random {
                let v = a.dist.draw(&mut Pcg64Mcg::seed_from_u64(draw_seed(seed, grid_id, &a.name, trial)));
                if let Err(message) = params::set(&mut raw_t, a.section, &a.name, v.clone()) {
                    return Err(vec![Problem {
                        key: format!("random.{}", a.name),
                        message: format!("drew {v}: {message}"),
                    }]);
                }
                swept_t.push((a.name.clone(), v));
            }
            let exp = resolve(&raw_t, &name, base, &mut cache)
                .map_err(|ps| ps.into_iter().map(|p| blame_axis(p, &swept_t, &axes)).collect::<Vec<_>>())?;
            let id = config_id(&raw_t);
            if !seen.insert(id) {
                duplicates += 1;
                continue;
            }
            configs.push(Config { index: configs.len(), id, swept: swept_t, exp });
        }
    }
    let first = &configs.first().expect("a sweep has at least one configuration").exp;
    let identity = identity::of_sweep(raw, first);
    let names = axes.grid.iter().map(|a| a.name.clone()).chain(axes.random.iter().map(|a| a.name.clone())).collect();
    Ok(Sweep {
        name,
        seed,
        replicates,
        common_seeds: raw.common_seeds.unwrap_or(false),
        axes: names,
        configs,
        duplicates,
        raw: raw.clone(),
        identity,
        base_dir: crate::config::base_dir(base),
    })
}

/// Count the grid points, checking the sweep's size: it must fit in 64 bits, stay under the hard
/// limit, and under the `--yes` limit unless `yes`.
fn check_size(raw: &RawExperiment, axes: &Axes, replicates: u64, yes: bool) -> Result<u64, Vec<Problem>> {
    let key = if raw.grid.is_some() { "grid" } else { "replicates" };
    let too_big = |message: String| vec![Problem { key: key.into(), message }];
    let trials = if axes.random.is_empty() { 1 } else { axes.trials };
    let n_points = axes.points().ok_or_else(|| too_big("the grid has more than 2^64 points".into()))?;
    let n_runs = n_points.checked_mul(trials).and_then(|n| n.checked_mul(replicates));
    let shape = format!("{n_points} grid points x {trials} trials x {replicates} replicates");
    match n_runs {
        Some(n) if n > MAX_RUNS => Err(too_big(format!(
            "this sweep has {n} runs ({shape}), more than harness runs in one sweep ({MAX_RUNS}); split it into \
             several experiments"
        ))),
        None => Err(too_big(format!("this sweep has more than 2^64 runs ({shape})"))),
        Some(n) if n > MAX_RUNS_WITHOUT_YES && !yes => Err(too_big(format!(
            "this sweep has {n} runs ({shape}), more than {MAX_RUNS_WITHOUT_YES}: pass --yes to run it anyway"
        ))),
        Some(_) => Ok(n_points),
    }
}

/// The experiment at a grid point: its raw form, the swept values and the grid point's id (FNV-1a
/// of its canonical `name=value` lines, which seeds its random draws).
struct GridPoint {
    raw: RawExperiment,
    swept: Vec<(String, toml::Value)>,
    id: u64,
}

/// The experiment at grid point `point`.
fn grid_point(base: &RawExperiment, axes: &Axes, point: u64) -> Result<GridPoint, Vec<Problem>> {
    let mut raw = base.clone();
    let mut swept = Vec::new();
    let mut problems = Vec::new();
    for (a, pick) in axes.grid.iter().zip(axes.picks(point)) {
        let v = a.values[pick].clone();
        if let Err(message) = params::set(&mut raw, a.section, &a.name, v.clone()) {
            problems.push(Problem { key: format!("grid.{}[{pick}]", a.name), message });
        }
        swept.push((a.name.clone(), v));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let text: String = swept.iter().map(|(k, v)| format!("{k}={}\n", canonical_value(v))).collect();
    Ok(GridPoint { raw, swept, id: fnv1a(text.as_bytes()) })
}

/// Check every value each random axis may draw (each choice, both bounds of a range) at this grid
/// point, so that a bad one is refused whatever the seed.
fn check_random_values(
    raw_g: &RawExperiment,
    axes: &Axes,
    name: &str,
    base: &Path,
    cache: &mut DataCache,
) -> Result<(), Vec<Problem>> {
    for a in &axes.random {
        for v in a.dist.extremes() {
            let key = format!("random.{}", a.name);
            let mut raw = raw_g.clone();
            if let Err(message) = params::set(&mut raw, a.section, &a.name, v.clone()) {
                return Err(vec![Problem { key, message: format!("value {v} cannot be drawn: {message}") }]);
            }
            if let Err(ps) = resolve(&raw, name, base, cache) {
                let swept = vec![(a.name.clone(), v.clone())];
                return Err(ps.into_iter().map(|p| blame_axis(p, &swept, axes)).collect());
            }
        }
    }
    Ok(())
}

/// A problem found while resolving a configuration, attributed to the axis that set the key.
fn blame_axis(p: Problem, swept: &[(String, toml::Value)], axes: &Axes) -> Problem {
    let param = p.key.split_once('.').map(|(_, k)| k.split('[').next().unwrap_or(k)).unwrap_or("");
    let value = swept.iter().find(|(n, _)| n == param).map(|(_, v)| v.to_string());
    let axis = if axes.grid.iter().any(|a| a.name == param) {
        format!("grid.{param}")
    } else if axes.random.iter().any(|a| a.name == param) {
        format!("random.{param}")
    } else {
        return p;
    };
    Problem {
        key: axis,
        message: format!("value {} makes the model invalid: {}", value.unwrap_or_default(), p.message),
    }
}
