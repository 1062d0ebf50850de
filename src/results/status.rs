//! How far results directories are: done, failed and pending runs, read from their journals and
//! manifests (nothing is locked or written, so it can watch running shards).

use std::path::{Path, PathBuf};

use super::ResultsError;
use super::journal;
use super::manifest::{Kind, Manifest, Probe};

/// Where one directory stands.
#[derive(Debug, Clone, PartialEq)]
pub struct DirStatus {
    pub dir: PathBuf,
    /// `I/N`, `whole`, or `?` when unknown.
    pub shard: String,
    pub done: usize,
    pub failed: usize,
    /// Runs still to do (unknown without a manifest).
    pub pending: Option<usize>,
    pub state: State,
    /// Runs of the whole work, from the manifest.
    pub total_runs: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Finished,
    Incomplete,
    NotStarted,
    /// No such directory (a mistyped path, most likely).
    Missing,
    /// A path that is not a directory.
    NotADirectory,
    /// Another results format, or an unreadable manifest: why.
    Foreign(String),
}

impl State {
    pub fn describe(&self) -> String {
        match self {
            State::Finished => "finished".into(),
            State::Incomplete => "incomplete".into(),
            State::NotStarted => "not started".into(),
            State::Missing => "no such directory".into(),
            State::NotADirectory => "not a directory".into(),
            State::Foreign(why) => why.clone(),
        }
    }

    /// Whether the path could not be read as a results directory at all.
    pub fn is_error(&self) -> bool {
        matches!(self, State::Missing | State::NotADirectory | State::Foreign(_))
    }
}

/// The status of `dir`.
pub fn of(dir: &Path) -> Result<DirStatus, ResultsError> {
    let blank = |state| DirStatus {
        dir: dir.to_path_buf(),
        shard: "?".into(),
        done: 0,
        failed: 0,
        pending: None,
        state,
        total_runs: None,
    };
    match std::fs::metadata(dir) {
        Err(_) => return Ok(blank(State::Missing)),
        Ok(m) if !m.is_dir() => return Ok(blank(State::NotADirectory)),
        Ok(_) => {}
    }
    let results = journal::read(&dir.join(journal::FILE))?.results;
    let done = results.len();
    let failed = results.iter().filter(|r| !r.ok()).count();
    let s = match Manifest::probe(dir)? {
        // A race's runs are not known ahead (its decisions ask for them), only its budget.
        Probe::Ours(m) if m.kind == Kind::Race => DirStatus {
            shard: "race".into(),
            pending: m.finished.is_some().then_some(0),
            state: if m.finished.is_some() { State::Finished } else { State::Incomplete },
            ..blank(State::Incomplete)
        },
        Probe::Ours(m) => DirStatus {
            shard: m.shard.clone().unwrap_or_else(|| "whole".into()),
            pending: Some(m.runs.saturating_sub(done)),
            state: if m.finished.is_some() && done == m.runs { State::Finished } else { State::Incomplete },
            total_runs: Some(m.sweep_runs),
            ..blank(State::Incomplete)
        },
        Probe::Missing => blank(State::NotStarted),
        Probe::Foreign(why) => blank(State::Foreign(why)),
    };
    Ok(DirStatus { done, failed, ..s })
}
