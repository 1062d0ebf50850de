//! Results directories: where a sweep's or a race's finished runs live, and the guarantee that
//! nothing that finished is ever lost.
//!
//! A [`ResultsDir`] is opened for one piece of [`Work`] (its identity, its runs, its shard). Opening
//! takes the directory's exclusive lock ([`lock`]), then either starts it afresh, or resumes it
//! when its manifest ([`manifest`]) names the same work, or refuses it (another experiment, another
//! shard, another build, another format) unless told otherwise (`--force` moves it aside,
//! `--allow-other-build` resumes and records the mix). Every finished run is appended to the
//! journal ([`journal`]) and synced before it counts; the tables ([`schema`], [`summary`],
//! written by [`tables`]) are rebuilt from the journal, so a sweep resumed after any crash ends
//! with the same bytes as one that never stopped. [`merge`] combines the shards of one sweep and
//! [`status`] tells how far directories are.
//!
//! Layout: `manifest.toml`, `journal.jsonl`, `runs.{parquet,csv}`, `summary.{parquet,csv}`,
//! `timings.{parquet,csv}` (a race adds `race.{parquet,csv}`), and `report.html` once reported.

pub mod cells;
pub mod journal;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod reader;
pub mod schema;
pub mod status;
pub mod summary;
pub mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use polars::prelude::*;

use crate::config::RawExperiment;
use crate::fsio::{self, PathError};
use journal::{Journal, JournalError, RunResult};
use lock::{DirLock, LockError};
use manifest::{Kind, Manifest, ManifestError, Probe};
use schema::table;
use tables::TableError;

/// What a results directory is written for.
#[derive(Debug, Clone)]
pub struct Work {
    pub kind: Kind,
    /// FNV-1a of `identity_text`.
    pub identity: u64,
    /// Everything the results depend on, `key=value` lines (see [`crate::work::identity`]).
    pub identity_text: String,
    pub experiment_file: String,
    /// Absolute directory that relative paths in the experiment start from.
    pub base_dir: PathBuf,
    pub experiment: RawExperiment,
    /// `I/N` for one shard of the work.
    pub shard: Option<String>,
    /// Runs of the whole work, and of this directory.
    pub total_runs: usize,
    pub runs: usize,
    pub threads: usize,
}

/// How to treat a directory that holds something else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Move results of other work aside (to `<dir>.replaced-<time>`) and start afresh.
    pub force: bool,
    /// Resume results written by another build of harness (recorded in the manifest).
    pub allow_other_build: bool,
}

/// What opening found, for the caller to tell the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    MovedAside(PathBuf),
    /// The journal's last line was torn (a crash mid-write): that run is redone.
    TornLine,
    /// Lines that repeated a run (counted once).
    DuplicateLines(usize),
    /// Resuming results of another build (allowed): that build.
    OtherBuild(String),
    /// A format 1 directory, read through the migration (its manifest is rewritten in format 2).
    Migrated,
}

impl Note {
    /// The note as the user reads it.
    pub fn describe(&self) -> String {
        match self {
            Note::MovedAside(p) => format!("moved the previous results to {}", p.display()),
            Note::TornLine => "the journal's last line was torn (a crash mid-write): that run will be redone".into(),
            Note::DuplicateLines(k) => format!("{k} journal line(s) repeated a run and were counted once"),
            Note::OtherBuild(b) => {
                format!("resuming results written by harness {b} (--allow-other-build); the manifest records the mix")
            }
            Note::Migrated => "results format 1; the manifest is rewritten in format 2".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(transparent)]
    Io(#[from] PathError),
    /// The worker threads could not be started (nothing ran).
    #[error("starting {threads} worker thread(s): {message}")]
    Threads { threads: usize, message: String },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(
        "{}: holds the results of {what}. Choose another directory with --out DIR, or pass --force to move \
         these results aside and start afresh.",
        dir.display()
    )]
    OtherWork { dir: PathBuf, what: String },
    #[error(
        "{}: these results were written by harness {theirs}, and this is harness {ours}: runs are bit-identical \
         only under one build, so resuming would mix two. Resume with a build of {theirs}, or pass \
         --allow-other-build to mix them (the manifest records it), or use another --out.",
        dir.display()
    )]
    OtherBuild { dir: PathBuf, theirs: String, ours: String },
    #[error(
        "{}: the journal holds run {run_id} at position {index}, which this {kind} does not ask for ({why}); use \
         another --out",
        dir.display()
    )]
    ForeignRun { dir: PathBuf, run_id: String, index: usize, kind: &'static str, why: String },
}

/// A journalled run that is not one of the work's: where, which, and why not.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreign {
    pub index: usize,
    pub run_id: String,
    pub why: String,
}

/// An open results directory, locked for writing.
#[derive(Debug)]
pub struct ResultsDir {
    path: PathBuf,
    _lock: DirLock,
    manifest: Manifest,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    journal: Journal,
    done: BTreeMap<usize, RunResult>,
}

/// A free sibling name for setting `dir` aside: `<name>.replaced-<time>[-N]`.
fn aside_path(dir: &Path) -> PathBuf {
    let name = dir.file_name().map_or("results".into(), |n| n.to_string_lossy().into_owned());
    let stamp = manifest::now_utc().replace(':', "");
    (0..)
        .map(|i| if i == 0 { format!("{name}.replaced-{stamp}") } else { format!("{name}.replaced-{stamp}-{i}") })
        .map(|n| dir.with_file_name(n))
        .find(|p| !p.exists())
        .expect("a free name")
}

/// The lines of `a` not in `b`.
fn missing_lines<'a>(a: &'a str, b: &str) -> Vec<&'a str> {
    a.lines().filter(|l| !b.lines().any(|m| m == *l)).collect()
}

/// Why `m` is not the manifest of `work` (`None`: it is).
fn other_work(m: &Manifest, work: &Work) -> Option<String> {
    if m.shard != work.shard {
        let shown = |s: &Option<String>| s.as_ref().map_or("the whole work".to_string(), |s| format!("shard {s}"));
        return Some(format!("{} (this run is {})", shown(&m.shard), shown(&work.shard)));
    }
    if m.kind != work.kind {
        return Some(format!("a {} (this is a {})", m.kind.word(), work.kind.word()));
    }
    if let Some(old) = &m.legacy_hash {
        let now = manifest::legacy_hash(&work.experiment);
        return (old != &now).then(|| format!("experiment {old} from {} (this one: {now})", m.experiment_file));
    }
    if m.identity == format!("{:016x}", work.identity) {
        return None;
    }
    let was = missing_lines(&m.identity_text, &work.identity_text);
    let now = missing_lines(&work.identity_text, &m.identity_text);
    Some(format!(
        "another experiment (from {}; what differs: recorded {}; now {})",
        m.experiment_file,
        if was.is_empty() { "-".to_string() } else { was.join(", ") },
        if now.is_empty() { "-".to_string() } else { now.join(", ") }
    ))
}

impl ResultsDir {
    /// Open `path` for `work`: afresh, resumed, or refused (see the module doc). `check` says
    /// whether the journalled runs are the work's (`Err`: the first that is not, and why); a
    /// journal holding another run is refused before anything is written.
    pub fn open(
        path: &Path,
        work: &Work,
        policy: Policy,
        check: impl FnOnce(&[RunResult]) -> Result<(), Foreign>,
    ) -> Result<(ResultsDir, Vec<Note>), ResultsError> {
        fsio::create_dir_all(path)?;
        let mut lock = DirLock::exclusive(path)?;
        let mut notes = Vec::new();
        let has_journal = std::fs::metadata(path.join(journal::FILE)).is_ok_and(|m| m.len() > 0);
        let conflict = match Manifest::probe(path)? {
            Probe::Ours(m) => match other_work(&m, work) {
                None => {
                    let previous = Some(*m);
                    return ResultsDir::resume(path, lock, work, policy, previous, check, notes);
                }
                Some(why) => Some(why),
            },
            Probe::Foreign(why) => Some(why),
            Probe::Missing if has_journal => Some("a journal without a manifest".into()),
            Probe::Missing => None,
        };
        if let Some(what) = conflict {
            if !policy.force {
                return Err(ResultsError::OtherWork { dir: path.to_path_buf(), what });
            }
            let aside = aside_path(path);
            std::fs::rename(path, &aside).map_err(fsio::at("moving aside", path))?;
            fsio::create_dir_all(path)?;
            lock = DirLock::exclusive(path)?;
            notes.push(Note::MovedAside(aside));
        }
        ResultsDir::resume(path, lock, work, policy, None, check, notes)
    }

    fn resume(
        path: &Path,
        mut lock: DirLock,
        work: &Work,
        policy: Policy,
        previous: Option<Manifest>,
        check: impl FnOnce(&[RunResult]) -> Result<(), Foreign>,
        mut notes: Vec<Note>,
    ) -> Result<(ResultsDir, Vec<Note>), ResultsError> {
        let ours = manifest::this_build();
        let mut other_builds = previous.as_ref().map(|m| m.other_builds.clone()).unwrap_or_default();
        if let Some(m) = &previous {
            if m.format == 1 {
                notes.push(Note::Migrated);
            }
            if m.build() != ours {
                if !policy.allow_other_build {
                    return Err(ResultsError::OtherBuild { dir: path.to_path_buf(), theirs: m.build(), ours });
                }
                if !other_builds.contains(&m.build()) {
                    other_builds.push(m.build());
                }
                notes.push(Note::OtherBuild(m.build()));
            }
        }
        let (journal, contents) = Journal::open(&path.join(journal::FILE))?;
        if contents.torn {
            notes.push(Note::TornLine);
        }
        if contents.duplicates > 0 {
            notes.push(Note::DuplicateLines(contents.duplicates));
        }
        if let Err(Foreign { index, run_id, why }) = check(&contents.results) {
            let (dir, kind) = (path.to_path_buf(), work.kind.word());
            return Err(ResultsError::ForeignRun { dir, run_id, index, kind, why });
        }
        lock.announce()?;
        let done: BTreeMap<usize, RunResult> = contents.results.into_iter().map(|r| (r.index, r)).collect();
        let manifest = Manifest {
            format: manifest::FORMAT,
            kind: work.kind,
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: manifest::git_commit().to_string(),
            other_builds,
            experiment_file: work.experiment_file.clone(),
            base_dir: work.base_dir.display().to_string(),
            identity: format!("{:016x}", work.identity),
            identity_text: work.identity_text.clone(),
            command_line: manifest::command_line(),
            threads: work.threads,
            shard: work.shard.clone(),
            started: previous.map_or_else(manifest::now_utc, |p| p.started),
            finished: None,
            sweep_runs: work.total_runs,
            runs: work.runs,
            runs_done: done.len(),
            runs_failed: done.values().filter(|r| !r.ok()).count(),
            experiment: work.experiment.clone(),
            legacy_hash: None,
        };
        manifest.write(path)?;
        let inner = Mutex::new(Inner { journal, done });
        Ok((ResultsDir { path: path.to_path_buf(), _lock: lock, manifest, inner }, notes))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock can only come from a failed append, which is reported;
        // the journal itself stays consistent (lines are whole or torn, and torn ones are redone).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The finished runs, in position order.
    pub fn results(&self) -> Vec<RunResult> {
        self.inner().done.values().cloned().collect()
    }

    /// How many runs are finished.
    pub fn done_count(&self) -> usize {
        self.inner().done.len()
    }

    /// The finished run at `index`, if any.
    /// The last position the journal holds a run at.
    pub fn last_index(&self) -> Option<usize> {
        self.inner().done.last_key_value().map(|(&i, _)| i)
    }

    pub fn get(&self, index: usize) -> Option<RunResult> {
        self.inner().done.get(&index).cloned()
    }

    /// Journal a finished run (synced before this returns); a run already recorded is kept as it was.
    pub fn record(&self, r: &RunResult) -> Result<(), JournalError> {
        let mut inner = self.inner();
        if inner.done.contains_key(&r.index) {
            return Ok(());
        }
        inner.journal.append(r)?;
        inner.done.insert(r.index, r.clone());
        Ok(())
    }

    /// Write tables into the directory (each as Parquet and CSV).
    pub fn write_tables(&self, tables: &[(&str, &DataFrame)]) -> Result<(), TableError> {
        for (name, df) in tables {
            tables::write(&self.path, name, df)?;
        }
        Ok(())
    }

    /// Bring the manifest's counts up to date; `complete` marks the work finished.
    /// Record that `builds` (as `version commit`) wrote some of these results (a merge of shards
    /// from several builds); this build is not listed.
    pub fn add_builds(&mut self, builds: impl IntoIterator<Item = String>) {
        let this = manifest::this_build();
        for b in builds {
            if b != this && !self.manifest.other_builds.contains(&b) {
                self.manifest.other_builds.push(b);
            }
        }
    }

    pub fn update_manifest(&mut self, complete: bool) -> Result<&Manifest, PathError> {
        let (done, failed) = {
            let inner = self.inner();
            (inner.done.len(), inner.done.values().filter(|r| !r.ok()).count())
        };
        self.manifest.runs_done = done;
        self.manifest.runs_failed = failed;
        self.manifest.finished = complete.then(manifest::now_utc);
        self.manifest.write(&self.path)?;
        Ok(&self.manifest)
    }
}

/// The three tables of a sweep (and of a merge), built from its results.
#[derive(Debug, Clone)]
pub struct Tables {
    pub runs: DataFrame,
    pub summary: DataFrame,
    pub timings: DataFrame,
}

impl Tables {
    pub fn build(results: &[RunResult]) -> Result<Tables, TableError> {
        Ok(Tables {
            runs: schema::built(table::RUNS, schema::runs(results))?,
            summary: schema::built(table::SUMMARY, summary::frame(results))?,
            timings: schema::built(table::TIMINGS, schema::timings(results))?,
        })
    }

    pub fn named(&self) -> [(&'static str, &DataFrame); 3] {
        [(table::RUNS, &self.runs), (table::SUMMARY, &self.summary), (table::TIMINGS, &self.timings)]
    }
}

#[cfg(test)]
mod tests;
