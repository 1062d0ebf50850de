//! The raw experiment file: a serde mirror of the TOML that only parses. Unknown keys and wrong
//! types are rejected here; values are checked by [`super::resolve`].

use serde::{Deserialize, Serialize};

use crate::model::ModelParams;
use crate::protocol::ProtocolParams;

/// An experiment file as written. Every table and key is optional; what is absent takes the
/// notebook's value (except `protocol.sampling`, which defaults to `"holdout"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    /// Name of the experiment (results go to `results/<name>/`). Default: the file's stem.
    pub name: Option<String>,
    /// Seed of `harness run` when `--seed` is not given. Default: 1.
    pub seed: Option<u64>,
    /// Data file (CSV or gzip CSV: pixels 0..16 then a label 0..9 per line), relative to the
    /// experiment file. Default: the bundled 8x8 digits.
    pub data: Option<String>,
    /// Replay input spikes from this CSV (`step,neuron` header, one spike per line; steps of
    /// `dt_ms` from the start of training) instead of drawing Poisson spikes. Relative to the
    /// experiment file.
    pub input_spikes: Option<String>,
    #[serde(default)]
    pub model: ModelParams,
    #[serde(default)]
    pub protocol: ProtocolParams,
    /// Sweeps: independent seeded instances of each configuration. Default: 1.
    pub replicates: Option<u64>,
    /// Sweeps: give replicate `r` of every configuration the same seed (a blocked design, for
    /// paired comparisons). Default: false (each configuration's replicates have their own seeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_seeds: Option<bool>,
    /// Sweeps: a list of values per parameter; the configurations are their Cartesian product.
    pub grid: Option<toml::Table>,
    /// Sweeps: `trials = N` and a distribution per parameter (`{ uniform = [lo, hi] }`,
    /// `{ log_uniform = [lo, hi] }`, `{ int = [lo, hi] }`, `{ choice = [a, b, ...] }`); each grid
    /// point gets N random trials. Races: the space searched (without `trials`).
    pub random: Option<toml::Table>,
    /// Races (`harness race`): the racing settings; see [`crate::race::settings`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<super::race::RawRace>,
}

impl RawExperiment {
    /// The same experiment without its sweep axes: one configuration.
    pub fn base(&self) -> RawExperiment {
        RawExperiment { replicates: None, common_seeds: None, grid: None, random: None, race: None, ..self.clone() }
    }

    /// Whether the file defines sweep axes.
    pub fn has_axes(&self) -> bool {
        self.grid.as_ref().is_some_and(|g| !g.is_empty()) || self.random.is_some() || self.race.is_some()
    }
}

/// Parse experiment text; on failure, the dotted path of the offending key (if known) and the
/// toml error (which carries the span).
pub fn parse(text: &str) -> Result<RawExperiment, (String, toml::de::Error)> {
    let de = toml::Deserializer::parse(text).map_err(|e| (String::new(), e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        (if path == "." { String::new() } else { path }, e.into_inner())
    })
}
