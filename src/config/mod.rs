//! Experiment files, in two stages: parsing ([`raw`]: a serde mirror of the TOML that only parses)
//! and resolving ([`resolve`]: every value checked, the data loaded, the model's factors and the
//! protocol derived) into an [`Experiment`] that the rest of harness trusts. Errors name the file,
//! the line and the key ([`problem`]); [`params`] knows every parameter by name; [`limits`] bounds
//! what a run may allocate.

pub mod limits;
pub mod params;
pub mod problem;
pub mod race;
pub mod raw;
mod resolve;

use std::path::Path;
use std::sync::Arc;

use crate::data::spikes::SpikeTable;
use crate::data::{Dataset, Subset};
use crate::model::Factors;
use crate::protocol::Protocol;

pub use problem::{ConfigError, Located, Problem, line_of, locate, locate_all, parse_text};
pub use raw::RawExperiment;
pub use resolve::{DataCache, resolve};

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
    /// Things worth saying that do not stop a run (e.g. replayed spikes after its end).
    pub warnings: Vec<String>,
}

/// Where input spikes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Poisson,
    /// A spike table replayed in every run.
    Replay(Arc<SpikeTable>),
}

/// Read and parse an experiment file: its name as shown in errors, its text, and the parsed file.
pub fn read_raw(path: &Path) -> Result<(String, String, RawExperiment), ConfigError> {
    let file = path.display().to_string();
    let bytes = crate::fsio::read_bounded(path, crate::fsio::Links::Follow, crate::fsio::Limit::SMALL)
        .map_err(|e| ConfigError::whole_file(&file, format!("cannot read: {}", e.source)))?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::whole_file(&file, "not UTF-8 text".into()))?;
    let raw = parse_text(&file, &text)?;
    Ok((file, text, raw))
}

/// Read and parse the experiment file `path` (its `seed` replaced by `seed` when given: the
/// manifest then records it) and check it with `check(raw, name, dir)`, where `name` is the file's
/// stem (what names an experiment without `name`; `default` when the path has none) and `dir` where
/// its relative paths start. What `check` finds is located in the file: file, line and key.
pub fn load_checked<T>(
    path: &Path,
    default: &str,
    seed: Option<u64>,
    check: impl FnOnce(&RawExperiment, &str, &Path) -> Result<T, Vec<Problem>>,
) -> Result<T, ConfigError> {
    let (file, text, mut raw) = read_raw(path)?;
    if seed.is_some() {
        raw.seed = seed;
    }
    let stem = path.file_stem().map_or(default.into(), |s| s.to_string_lossy().into_owned());
    let dir = path.parent().unwrap_or(Path::new(""));
    check(&raw, &stem, dir).map_err(|p| locate_all(&file, &text, p))
}

/// The absolute directory an experiment's relative paths start from, as a manifest records it so
/// that `verify` and `report` work from anywhere: `dir` made absolute, the working directory when
/// `dir` is empty (the parent of a bare file name).
pub fn base_dir(dir: &Path) -> std::path::PathBuf {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Read, parse and resolve an experiment file.
pub fn load(path: &Path) -> Result<Experiment, ConfigError> {
    load_with(path, |_| {})
}

/// [`load`], with `edit` applied to the parsed file before it is checked (a command-line option
/// that stands for a key of the file, such as `harness run --checkpoints`).
pub fn load_with(path: &Path, edit: impl FnOnce(&mut RawExperiment)) -> Result<Experiment, ConfigError> {
    load_checked(path, "experiment", None, |raw, name, dir| {
        let mut raw = raw.clone();
        edit(&mut raw);
        resolve(&raw, name, dir, &mut DataCache::default())
    })
}
