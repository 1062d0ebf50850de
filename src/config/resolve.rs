//! Resolving a parsed experiment into a validated [`Experiment`], in named steps: load the data and
//! select the classes, check the sizes against [`limits`](super::limits), derive the model's
//! factors ([`crate::model::ModelParams::factors`]) and the protocol
//! ([`crate::protocol::ProtocolParams::protocol`]), then the input. Every problem is collected, with
//! its dotted key, so that one run of the command reports them all.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::limits;
use super::{Experiment, InputKind, Problem, RawExperiment};
use crate::data::spikes::SpikeTable;
use crate::data::{Dataset, Subset};

/// Data sets and spike tables by path, loaded once.
#[derive(Debug, Default)]
pub struct DataCache {
    sets: HashMap<Option<PathBuf>, Arc<Dataset>>,
    spikes: HashMap<PathBuf, Arc<SpikeTable>>,
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

    fn spikes(&mut self, path: PathBuf) -> Result<Arc<SpikeTable>, String> {
        if let Some(s) = self.spikes.get(&path) {
            return Ok(s.clone());
        }
        let s = Arc::new(SpikeTable::read(&path)?);
        self.spikes.insert(path, s.clone());
        Ok(s)
    }
}

/// Resolve a parsed experiment. `base` is the directory that relative paths start from.
pub fn resolve(
    raw: &RawExperiment,
    default_name: &str,
    base: &Path,
    cache: &mut DataCache,
) -> Result<Experiment, Vec<Problem>> {
    let mut problems = Vec::new();
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if let Some(why) = bad_name(&name) {
        problems.push(Problem::new(if raw.name.is_some() { "name" } else { "" }, why));
    }
    let (data, subset) = data_and_subset(raw, base, cache, &mut problems);
    // On/off coding gives every pixel a second input.
    let n_in = data.as_ref().map_or(64, |d| d.n_pixels) * if raw.protocol.on_off { 2 } else { 1 };
    let n_out = raw.protocol.classes.len().max(1).saturating_mul(raw.protocol.neurons_per_class.max(1));
    problems.extend(limits::check_network(n_in, n_out));
    let factors = raw.model.factors(n_in, n_out).map_err(|bad| {
        problems.extend(bad.into_iter().map(|b| Problem::new(format!("model.{}", b.key), b.message)));
    });
    let protocol = raw.protocol.protocol(raw.model.dt_ms, subset.as_ref()).map_err(|bad| {
        problems.extend(bad.into_iter().map(|b| Problem::new(format!("protocol.{}", b.key), b.message)));
    });
    let steps = match (&protocol, &subset) {
        (Ok(p), Some(s)) => {
            let (train, test) = p.presentations(s, raw.protocol.classes.len());
            limits::steps_per_run(p.window_steps, p.test_window_steps, train, test).map_err(|p| problems.push(p)).ok()
        }
        _ => None,
    };
    let mut warnings = Vec::new();
    let input = input(raw, base, cache, n_in, steps, &mut problems, &mut warnings);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Experiment {
        name,
        seed: raw.seed.unwrap_or(1),
        raw: raw.clone(),
        data: data.expect("checked"),
        classes: raw.protocol.classes.clone(),
        subset: subset.expect("checked"),
        factors: factors.expect("checked"),
        protocol: protocol.expect("checked"),
        input,
        warnings,
    })
}

/// Why `name` cannot name an experiment (its results go to `results/<name>/`, and it is shown in
/// terminals and shell commands): it must be one plain path component, without control characters
/// or bidirectional overrides (which make a name show as another), not starting with `-` (which a
/// command would take for an option).
fn bad_name(name: &str) -> Option<String> {
    let bidi =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with('-')
        && !name.contains(['/', '\\'])
        && !name.chars().any(|c| c.is_control() || bidi(c));
    (!plain).then(|| {
        format!(
            "the name {name:?} is not a plain name: results go to results/<name>/, so it must be one path component \
             (no `/`, not empty, not `.` or `..`, not starting with `-`, no control or bidirectional-override \
             characters), e.g. \"grid-2\""
        )
    })
}

/// Load the data set and select the classes' images (when the class list is valid: its problems
/// are reported with the protocol's).
fn data_and_subset(
    raw: &RawExperiment,
    base: &Path,
    cache: &mut DataCache,
    problems: &mut Vec<Problem>,
) -> (Option<Arc<Dataset>>, Option<Subset>) {
    let data = match cache.dataset(raw.data.as_ref().map(|d| base.join(d))) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(Problem::new("data", e));
            None
        }
    };
    let classes_ok = raw.protocol.check_classes().is_empty();
    let subset = match &data {
        Some(d) if classes_ok => match d.select(&raw.protocol.classes) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(Problem::new("protocol.classes", e.to_string()));
                None
            }
        },
        _ => None,
    };
    (data, subset)
}

/// Where the input spikes come from: Poisson, or a replayed table whose neurons must exist. A
/// table with spikes after the run's last step (`steps`) is accepted with a warning.
fn input(
    raw: &RawExperiment,
    base: &Path,
    cache: &mut DataCache,
    n_in: usize,
    steps: Option<u64>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<String>,
) -> InputKind {
    let Some(path) = &raw.input_spikes else { return InputKind::Poisson };
    if !raw.protocol.checkpoints.is_empty() {
        problems.push(Problem::new(
            "protocol.checkpoints",
            "not with input_spikes: a checkpoint's test needs input of its own, and a replayed run has only the \
             recorded one (remove one of the two)",
        ));
    }
    match cache.spikes(base.join(path)) {
        Ok(t) => {
            if let Some(&(step, k)) = t.spikes.iter().find(|&&(_, k)| k as usize >= n_in) {
                problems.push(Problem::new(
                    "input_spikes",
                    format!(
                        "{path}: neuron {k} at step {step} does not exist (there are {n_in} inputs, 0..{})",
                        n_in - 1
                    ),
                ));
            }
            if let Some(steps) = steps {
                let late = t.spikes.iter().filter(|&&(s, _)| s >= steps).count();
                if late > 0 {
                    warnings.push(format!(
                        "{path}: {late} spike(s) at or after step {steps}, the end of the run, are never replayed"
                    ));
                }
            }
            InputKind::Replay(t)
        }
        Err(e) => {
            problems.push(Problem::new("input_spikes", e));
            InputKind::Poisson
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_plain_components() {
        for bad in [
            "",
            ".",
            "..",
            "../../x",
            "/abs",
            "a/b",
            "a\\b",
            "nul\0",
            "-rf",
            "esc\u{1b}[31m",
            "tab\t",
            "txt.\u{202E}lmth",
        ] {
            assert!(bad_name(bad).is_some(), "{bad:?}");
        }
        for good in ["grid", "study-ten.v2", "a b", "..x"] {
            assert_eq!(bad_name(good), None, "{good:?}");
        }
    }
}
