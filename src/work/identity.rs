//! Stable identities and seeds.
//!
//! - A configuration's **canonical parameters** are every parameter of `[model]` and
//!   `[protocol]` (plus `data` and `input_spikes` when set) whose value differs from the default,
//!   as `section.key=value` lines sorted by key, values in TOML syntax (floats in Rust's
//!   shortest round-trip form). A parameter left at its default contributes nothing, so adding
//!   a new parameter (with a default) in a later version keeps every existing id.
//! - Its **id** is FNV-1a (64-bit) of that text, shown as 16 hex digits.
//! - Run `r` (replicate index from 0) of configuration `c` in a sweep seeded `s` has seed
//!   `stream_seed(stream_seed(s, c), r)`, with `stream_seed(x, t) = mix(x ^ mix(t))` and `mix`
//!   SplitMix64's finaliser ([`crate::rng`]). A run's seed depends on nothing else: not on thread
//!   count, run order or the other configurations of the sweep.
//! - A random-search draw for axis `name`, trial `t`, at the grid point whose canonical override
//!   text has id `g`, comes from `Pcg64Mcg::seed_from_u64(stream_seed(stream_seed(stream_seed(s,
//!   RANDOM_TAG), g ^ fnv1a(name)), t))`.
//! - With `common_seeds = true`, replicate `r` of every configuration runs with seed
//!   `stream_seed(stream_seed(s, COMMON_TAG), r)`: the same seeds for all (a blocked design).
//! - The **identity** of a sweep (or race), which resume and merge compare, is FNV-1a of its
//!   identity text: sorted `key=value` lines of everything its results depend on, namely `kind`,
//!   the canonical parameters of its base configuration (above), `seed` and `replicates` (their
//!   effective values), each grid axis as `grid[i].name=[values]` (its position matters: it orders
//!   the configurations), `random.trials` and each random axis, the `[race]` settings, and the
//!   contents of the data file and of any `input_spikes` table as `data.contents=<FNV-1a of the
//!   bytes>`, and the protocol's `checkpoints` when set (a measurement: not in the canonical
//!   parameters, so not in any id or seed). Not in it: the name, and anything that changes no
//!   result. A toml crate that writes
//!   numbers differently changes nothing here: values are written by [`canonical_value`].

use crate::config::{Experiment, InputKind, RawExperiment};
pub use crate::rng::fnv1a;
use crate::rng::stream_seed;

/// Tag of the random-search streams ("RANDOM" in ASCII).
pub const RANDOM_TAG: u64 = 0x52_41_4e_44_4f_4d;

/// A value in canonical text form.
pub fn canonical_value(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => format!("{x:?}"),
        toml::Value::Array(xs) => format!("[{}]", xs.iter().map(canonical_value).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t) => {
            let mut kv: Vec<_> = t.iter().map(|(k, v)| format!("{k} = {}", canonical_value(v))).collect();
            kv.sort();
            format!("{{ {} }}", kv.join(", "))
        }
        other => other.to_string(),
    }
}

fn table<T: serde::Serialize>(x: &T) -> toml::Table {
    toml::Table::try_from(x).expect("parameters serialise to a table")
}

/// The canonical parameter text of an experiment (see the module doc).
pub fn canonical(raw: &RawExperiment) -> String {
    let defaults = RawExperiment::default();
    let mut lines = Vec::new();
    for (section, ours, theirs) in [
        ("model", table(&raw.model), table(&defaults.model)),
        ("protocol", table(&raw.protocol), table(&defaults.protocol)),
    ] {
        for (k, v) in &ours {
            // A measurement changes no result of a run: not part of what identifies it.
            if section == "protocol" && crate::protocol::MEASUREMENTS.contains(&k.as_str()) {
                continue;
            }
            if theirs.get(k) != Some(v) {
                lines.push(format!("{section}.{k}={}", canonical_value(v)));
            }
        }
    }
    if let Some(d) = &raw.data {
        lines.push(format!("data={d:?}"));
    }
    if let Some(s) = &raw.input_spikes {
        lines.push(format!("input_spikes={s:?}"));
    }
    lines.sort();
    lines.join("\n")
}

/// What a results directory is matched to its work by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub hash: u64,
    pub text: String,
}

impl Identity {
    fn of_lines(mut lines: Vec<String>) -> Identity {
        lines.sort();
        let text = lines.join("\n");
        Identity { hash: fnv1a(text.as_bytes()), text }
    }
}

/// The lines every identity has: the base configuration's parameters, the seed, the replicates,
/// and the contents of the data it reads (`exp` is any configuration: they share the data).
fn common_lines(kind: &str, raw: &RawExperiment, exp: &Experiment) -> Vec<String> {
    let mut lines: Vec<String> = canonical(&raw.base()).lines().map(str::to_string).collect();
    lines.push(format!("kind={kind}"));
    lines.push(format!("seed={}", raw.seed.unwrap_or(1)));
    lines.push(format!("replicates={}", raw.replicates.unwrap_or(1)));
    if raw.common_seeds == Some(true) {
        lines.push("common_seeds=true".into());
    }
    if !raw.protocol.checkpoints.is_empty() {
        // Not in the configurations' ids (their seeds stay those of a work without them), but in
        // what the work's tables hold.
        lines.push(format!("protocol.checkpoints={:?}", raw.protocol.checkpoints));
    }
    lines.push(format!("data.contents={:016x}", exp.data.contents));
    if let InputKind::Replay(t) = &exp.input {
        lines.push(format!("input_spikes.contents={:016x}", t.contents));
    }
    lines
}

/// The identity of work of `kind` on `raw`: the common lines, the axes, and `extra` lines (a
/// race's effective settings).
pub fn of_work(kind: &str, raw: &RawExperiment, exp: &Experiment, extra: Vec<String>) -> Identity {
    let mut lines = common_lines(kind, raw, exp);
    for (i, (k, v)) in raw.grid.iter().flatten().enumerate() {
        lines.push(format!("grid[{i}].{k}={}", canonical_value(v)));
    }
    for (k, v) in raw.random.iter().flatten() {
        lines.push(format!("random.{k}={}", canonical_value(v)));
    }
    lines.extend(extra);
    Identity::of_lines(lines)
}

/// The identity of a sweep of `raw`.
pub fn of_sweep(raw: &RawExperiment, exp: &Experiment) -> Identity {
    of_work("sweep", raw, exp, Vec::new())
}

/// The id of a configuration.
pub fn config_id(raw: &RawExperiment) -> u64 {
    fnv1a(canonical(raw).as_bytes())
}

/// The seed of replicate `replicate` of configuration `config` in a sweep seeded `sweep_seed`.
pub fn run_seed(sweep_seed: u64, config: u64, replicate: u64) -> u64 {
    stream_seed(stream_seed(sweep_seed, config), replicate)
}

/// Tag of the common-seed stream of sweeps with `common_seeds = true` ("COMMON" in ASCII).
pub const COMMON_TAG: u64 = 0x43_4f_4d_4d_4f_4e;

/// The seed of replicate `replicate` of every configuration of a sweep seeded `sweep_seed` with
/// common seeds.
pub fn common_seed(sweep_seed: u64, replicate: u64) -> u64 {
    stream_seed(stream_seed(sweep_seed, COMMON_TAG), replicate)
}

/// Tags of a race's seed streams ("RACE", "VALID" in ASCII).
pub const RACE_TAG: u64 = 0x52_41_43_45;
pub const VALIDATION_TAG: u64 = 0x56_41_4c_49_44;

/// The seed every candidate of a race seeded `race_seed` runs with at seed index `index` (common
/// seeds: it depends on nothing else).
pub fn race_seed(race_seed: u64, index: u32) -> u64 {
    stream_seed(stream_seed(race_seed, RACE_TAG), index as u64)
}

/// The seed of validation replicate `j` of a race seeded `race_seed`: a stream no race uses.
pub fn validation_seed(race_seed: u64, j: u64) -> u64 {
    stream_seed(stream_seed(race_seed, VALIDATION_TAG), j)
}

/// The seed of the random draw of axis `name` for trial `trial` at grid point `grid_id`.
pub fn draw_seed(sweep_seed: u64, grid_id: u64, name: &str, trial: u64) -> u64 {
    stream_seed(stream_seed(stream_seed(sweep_seed, RANDOM_TAG), grid_id ^ fnv1a(name.as_bytes())), trial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelParams;

    #[test]
    fn fnv1a_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn canonical_text_lists_only_non_defaults_sorted() {
        let mut raw = RawExperiment::default();
        assert_eq!(canonical(&raw), "");
        raw.model = ModelParams { lr: 0.1, c_inp: 0.25, ..Default::default() };
        raw.protocol.classes = vec![3, 8];
        assert_eq!(canonical(&raw), "model.c_inp=0.25\nmodel.lr=0.1\nprotocol.classes=[3, 8]");
    }

    /// Pinned (values computed independently in Python) so that ids and seeds stay stable across
    /// harness versions and platforms.
    #[test]
    fn ids_and_seeds_are_pinned() {
        let mut raw = RawExperiment::default();
        raw.model.lr = 0.1;
        assert_eq!(config_id(&raw), 0xd9a8_ef96_1f6d_b312);
        assert_eq!(run_seed(0, 0, 0), 0xa7f7_2697_a273_1486);
        assert_eq!(run_seed(2026, 0xcbf2_9ce4_8422_2325, 3), 0x2f0d_a265_6054_7c46);
    }
}
