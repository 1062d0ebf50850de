//! `manifest.toml`: what produced a results directory, and how far it got.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::RawExperiment;

pub const FILE: &str = "manifest.toml";

/// The version of the results format; `harness verify` and resume refuse other versions.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of the results directory layout.
    pub format: u32,
    pub harness_version: String,
    /// The commit harness was built from (`-dirty` with uncommitted changes), or `unknown`.
    pub git_commit: String,
    pub experiment_file: String,
    /// FNV-1a of the parsed experiment: resuming requires the same.
    pub experiment_hash: String,
    pub command_line: Vec<String>,
    pub threads: usize,
    /// `I/N` when this directory holds one shard of the sweep.
    pub shard: Option<String>,
    pub started: String,
    pub finished: Option<String>,
    /// Runs in the whole sweep.
    pub sweep_runs: usize,
    /// Runs that belong in this directory (its shard, or the whole sweep).
    pub runs: usize,
    pub runs_done: usize,
    pub runs_failed: usize,
    /// The experiment as parsed (absent keys stay absent: their defaults are the notebook's).
    pub experiment: RawExperiment,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a harness manifest: {message}")]
    Parse { path: String, message: String },
}

/// What a directory's manifest turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Missing,
    Ours(Box<Manifest>),
    /// Written by another results format, or unreadable: why.
    Foreign(String),
}

impl Manifest {
    /// Look at `dir`'s manifest without failing on another format's.
    pub fn probe(dir: &Path) -> Result<Probe, ManifestError> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Probe::Missing),
            Err(source) => return Err(ManifestError::Io { path: path.display().to_string(), source }),
        };
        let format = toml::from_str::<toml::Table>(&text).ok().and_then(|t| t.get("format")?.as_integer());
        match format {
            Some(f) if f != FORMAT as i64 => {
                let by = toml::from_str::<toml::Table>(&text)
                    .ok()
                    .and_then(|t| t.get("harness_version")?.as_str().map(str::to_string))
                    .unwrap_or_else(|| "an unknown version".into());
                Ok(Probe::Foreign(format!(
                    "results format {f} written by harness {by}; this harness reads format {FORMAT}"
                )))
            }
            _ => match toml::from_str::<Manifest>(&text) {
                Ok(m) => Ok(Probe::Ours(Box::new(m))),
                Err(e) => Ok(Probe::Foreign(format!("an unreadable {FILE} ({})", e.message().trim()))),
            },
        }
    }

    pub fn read(dir: &Path) -> Result<Option<Manifest>, ManifestError> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ManifestError::Io { path: path.display().to_string(), source }),
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| ManifestError::Parse { path: path.display().to_string(), message: e.message().to_string() })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("manifests serialise")
    }
}

/// The commit this binary was built from.
pub fn git_commit() -> &'static str {
    env!("HARNESS_GIT_COMMIT")
}

/// Now, as an RFC 3339 UTC timestamp (seconds).
pub fn now_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (Howard Hinnant's civil-from-days).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formatting_by_hand() {
        assert_eq!(super::format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::format_utc(1_795_793_400), "2026-11-27T15:30:00Z");
    }
}
