//! `manifest.toml`: what produced a results directory, what it depends on, and how far it got.
//!
//! **Format 2** (this harness writes it) identifies the work by [`Manifest::identity`]: FNV-1a of
//! the canonical identity text (the experiment's `key=value` lines and the contents of its data
//! and spike files; see [`crate::work::identity`]), and records the build that wrote it.
//!
//! **Format 1** (harness before the results-directory type) identified the experiment by FNV-1a
//! of `toml::to_string` of the parsed experiment, and recorded no data contents. Such a directory
//! is read through [`Manifest::probe`]'s migration: its experiment hash is checked the old way (so
//! an edited manifest is still caught), then it is treated as a format 2 manifest whose identity
//! is that of its experiment with the data as it is now (format 1 did not record it), written by
//! another build. `verify`, `report`, `status` and `merge` read it; resuming it needs
//! `--allow-other-build`, and rewrites the manifest in format 2.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::RawExperiment;
use crate::fsio::{self, PathError};
use crate::rng::fnv1a;

pub const FILE: &str = "manifest.toml";

/// The version of the results format this harness writes.
pub const FORMAT: u32 = 2;

/// What a results directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Sweep,
    Race,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Sweep => "sweep",
            Kind::Race => "race",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of the results directory layout.
    pub format: u32,
    pub kind: Kind,
    pub harness_version: String,
    /// The commit harness was built from (`-dirty` with uncommitted changes), or `unknown`.
    pub git_commit: String,
    /// Other builds that wrote some of these results (a resume or merge allowed with
    /// `--allow-other-build`), as `version commit`; empty when one build wrote everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_builds: Vec<String>,
    pub experiment_file: String,
    /// The absolute directory that the experiment's relative paths (`data`, `input_spikes`) start
    /// from, so that `verify` and `report` work from any working directory.
    pub base_dir: String,
    /// FNV-1a of `identity_text`, 16 hex digits: what resume and merge compare.
    pub identity: String,
    /// Everything the results depend on, one `key=value` line each (sorted).
    pub identity_text: String,
    pub command_line: Vec<String>,
    pub threads: usize,
    /// `I/N` when this directory holds one shard of the sweep.
    pub shard: Option<String>,
    pub started: String,
    pub finished: Option<String>,
    /// Runs in the whole work (all shards).
    pub sweep_runs: usize,
    /// Runs that belong in this directory (its shard, or the whole).
    pub runs: usize,
    pub runs_done: usize,
    pub runs_failed: usize,
    /// The experiment as parsed (absent keys stay absent: their defaults are the notebook's).
    pub experiment: RawExperiment,
    /// Format 1 only: the old experiment hash, checked on reading (never written).
    #[serde(skip)]
    pub legacy_hash: Option<String>,
}

/// The manifest of format 1, as it was written.
#[derive(Debug, Clone, Deserialize)]
struct ManifestV1 {
    harness_version: String,
    git_commit: String,
    experiment_file: String,
    experiment_hash: String,
    command_line: Vec<String>,
    threads: usize,
    shard: Option<String>,
    started: String,
    finished: Option<String>,
    sweep_runs: usize,
    runs: usize,
    runs_done: usize,
    runs_failed: usize,
    experiment: RawExperiment,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(transparent)]
    Io(#[from] PathError),
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

/// The text of `dir`'s manifest, as written (for showing it).
pub fn read_text(dir: &Path) -> Result<String, ManifestError> {
    let path = dir.join(FILE);
    let bytes = fsio::read_own(&path, fsio::Limit::SMALL)?;
    String::from_utf8(bytes)
        .map_err(|_| ManifestError::Parse { path: path.display().to_string(), message: "not UTF-8 text".into() })
}

/// A TOML error as one line: where (line of `text`) and what.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => format!("line {}: {what}", text[..span.start.min(text.len())].matches('\n').count() + 1),
        None => what,
    }
}

impl Manifest {
    /// Look at `dir`'s manifest without failing on another format's.
    pub fn probe(dir: &Path) -> Result<Probe, ManifestError> {
        let path = dir.join(FILE);
        let Some(bytes) = fsio::read_own_if_exists(&path, fsio::Limit::SMALL)? else { return Ok(Probe::Missing) };
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(Probe::Foreign(format!("an unreadable {FILE} (not UTF-8)")));
        };
        let table = match toml::from_str::<toml::Table>(&text) {
            Ok(t) => Some(t),
            // The real cause: where the TOML breaks, not a missing `format`.
            Err(e) => return Ok(Probe::Foreign(format!("an unreadable {FILE} ({})", toml_error(&text, &e)))),
        };
        let format = table.as_ref().and_then(|t| t.get("format")?.as_integer());
        let parsed = match format {
            Some(1) => toml::from_str::<ManifestV1>(&text).map(migrate),
            Some(f) if f == FORMAT as i64 => toml::from_str::<Manifest>(&text),
            Some(f) => {
                let by = table
                    .as_ref()
                    .and_then(|t| t.get("harness_version")?.as_str().map(str::to_string))
                    .unwrap_or_else(|| "an unknown version".into());
                return Ok(Probe::Foreign(format!(
                    "results format {f} written by harness {by}; this harness reads formats 1 and {FORMAT}"
                )));
            }
            None => return Ok(Probe::Foreign(format!("an unreadable {FILE} (no `format`)"))),
        };
        match parsed {
            Ok(m) => Ok(Probe::Ours(Box::new(m))),
            Err(e) => Ok(Probe::Foreign(format!("an unreadable {FILE} ({})", toml_error(&text, &e)))),
        }
    }

    /// The manifest of `dir`, which must have one of a format this harness reads.
    pub fn read(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(FILE).display().to_string();
        match Manifest::probe(dir)? {
            Probe::Ours(m) => Ok(*m),
            Probe::Missing => {
                Err(ManifestError::Parse { path, message: "no such file: not a harness results directory".into() })
            }
            Probe::Foreign(why) => Err(ManifestError::Parse { path, message: why }),
        }
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("manifests serialise")
    }

    /// Write the manifest into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<(), PathError> {
        fsio::write_atomic(&dir.join(FILE), self.to_toml().as_bytes())
    }

    /// This build, as `version commit`.
    pub fn build(&self) -> String {
        format!("{} {}", self.harness_version, self.git_commit)
    }

    /// Whether this build of harness wrote everything here.
    pub fn written_by_this_build(&self) -> bool {
        self.build() == this_build() && self.other_builds.is_empty()
    }

    /// A format 1 manifest whose recorded experiment hash no longer matches its experiment: the
    /// manifest was edited. `None` for format 2 (its identity is checked against a recomputation
    /// by the reader, who can resolve the data).
    pub fn legacy_edited(&self) -> Option<String> {
        let recorded = self.legacy_hash.as_ref()?;
        let now = legacy_hash(&self.experiment);
        (recorded != &now).then(|| format!("experiment_hash {recorded}, but its experiment hashes to {now}"))
    }
}

/// Format 1's experiment hash (only to read format 1 directories).
pub fn legacy_hash(experiment: &RawExperiment) -> String {
    format!("{:016x}", fnv1a(toml::to_string(experiment).expect("serialisable").as_bytes()))
}

fn migrate(v1: ManifestV1) -> Manifest {
    let base = Path::new(&v1.experiment_file).parent().unwrap_or(Path::new("."));
    Manifest {
        format: 1,
        kind: Kind::Sweep,
        harness_version: v1.harness_version,
        git_commit: v1.git_commit,
        other_builds: Vec::new(),
        experiment_file: v1.experiment_file.clone(),
        base_dir: base.display().to_string(),
        identity: String::new(),
        identity_text: String::new(),
        command_line: v1.command_line,
        threads: v1.threads,
        shard: v1.shard,
        started: v1.started,
        finished: v1.finished,
        sweep_runs: v1.sweep_runs,
        runs: v1.runs,
        runs_done: v1.runs_done,
        runs_failed: v1.runs_failed,
        experiment: v1.experiment,
        legacy_hash: Some(v1.experiment_hash),
    }
}

/// The commit this binary was built from.
pub fn git_commit() -> &'static str {
    env!("HARNESS_GIT_COMMIT")
}

/// This build of harness, as `version commit`.
pub fn this_build() -> String {
    format!("{} {}", env!("CARGO_PKG_VERSION"), git_commit())
}

/// The command line of this process, as text (arguments that are not UTF-8 shown lossily).
pub fn command_line() -> Vec<String> {
    std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect()
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
    use super::*;

    #[test]
    fn utc_formatting_by_hand() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_793_400), "2026-11-27T15:30:00Z");
    }

    const V1: &str = r#"format = 1
harness_version = "0.1.0"
git_commit = "abc"
experiment_file = "exp/a.toml"
experiment_hash = "HASH"
command_line = ["harness", "sweep", "exp/a.toml"]
threads = 2
started = "2026-11-27T15:30:00Z"
sweep_runs = 2
runs = 2
runs_done = 2
runs_failed = 0

[experiment]
name = "a"
replicates = 2

[experiment.model]
lr = 0.1
"#;

    #[test]
    fn format_1_is_read_through_the_migration_and_an_edit_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let mut exp = RawExperiment { name: Some("a".into()), replicates: Some(2), ..Default::default() };
        exp.model.lr = 0.1;
        let text = V1.replace("HASH", &legacy_hash(&exp));
        std::fs::write(dir.path().join(FILE), &text).unwrap();
        let m = Manifest::read(dir.path()).unwrap();
        assert_eq!((m.format, m.kind, m.base_dir.as_str()), (1, Kind::Sweep, "exp"));
        assert_eq!(m.experiment, exp);
        assert_eq!(m.legacy_edited(), None);
        assert!(!m.written_by_this_build());

        std::fs::write(dir.path().join(FILE), text.replace("lr = 0.1", "lr = 0.2")).unwrap();
        assert!(Manifest::read(dir.path()).unwrap().legacy_edited().is_some());
    }

    #[test]
    fn other_formats_are_foreign_and_a_missing_manifest_is_said() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::probe(dir.path()).unwrap(), Probe::Missing);
        assert!(Manifest::read(dir.path()).unwrap_err().to_string().contains("not a harness results directory"));
        std::fs::write(dir.path().join(FILE), "format = 9\nharness_version = \"9.9\"\n").unwrap();
        match Manifest::probe(dir.path()).unwrap() {
            Probe::Foreign(why) => assert!(why.contains("results format 9 written by harness 9.9"), "{why}"),
            other => panic!("{other:?}"),
        }
        // A manifest that is not TOML: the real cause, with its line, not "no `format`".
        std::fs::write(dir.path().join(FILE), "format = 2\nkind = \"sweep\"\nthis is = not [toml\n").unwrap();
        let e = Manifest::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("manifest.toml: not a harness manifest: an unreadable manifest.toml (line 3:"), "{e}");
        assert!(!e.contains("no `format`"), "{e}");
    }
}
