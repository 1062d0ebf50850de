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
    /// The work's identity, from the manifest: directories of one work share it.
    pub identity: Option<String>,
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
    /// The manifest says finished but the journal holds fewer runs than it recorded (lines lost).
    Damaged(String),
}

impl State {
    pub fn describe(&self) -> String {
        match self {
            State::Finished => "finished".into(),
            State::Incomplete => "incomplete".into(),
            State::NotStarted => "not started".into(),
            State::Missing => "no such directory".into(),
            State::NotADirectory => "not a directory".into(),
            State::Foreign(why) | State::Damaged(why) => why.clone(),
        }
    }

    /// Whether the path could not be read as a results directory at all.
    pub fn is_error(&self) -> bool {
        matches!(self, State::Missing | State::NotADirectory | State::Foreign(_) | State::Damaged(_))
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
        identity: None,
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
        Probe::Ours(m) => {
            let finished = m.finished.is_some();
            let state = if finished && done < m.runs_done {
                State::Damaged(format!(
                    "damaged: finished with {} runs, but the journal holds {done}; verify it, or run the command \
                     again to redo what is missing",
                    m.runs_done
                ))
            } else if finished && (m.kind == Kind::Race || done == m.runs) {
                State::Finished
            } else {
                State::Incomplete
            };
            let base = DirStatus { state, identity: Some(m.identity.clone()), ..blank(State::Incomplete) };
            match m.kind {
                // A race's runs are not known ahead (its decisions ask for them), only its budget.
                Kind::Race => {
                    DirStatus { shard: "race".into(), pending: (base.state == State::Finished).then_some(0), ..base }
                }
                Kind::Sweep => DirStatus {
                    shard: m.shard.clone().unwrap_or_else(|| "whole".into()),
                    pending: Some(m.runs.saturating_sub(done)),
                    total_runs: Some(m.sweep_runs),
                    ..base
                },
            }
        }
        Probe::Missing => blank(State::NotStarted),
        Probe::Foreign(why) => blank(State::Foreign(why)),
    };
    Ok(DirStatus { done, failed, ..s })
}

/// The total of several directories' rows, when they are one work's (the shards of one sweep):
/// runs done and failed, pending (`None` when a row's is unknown), and the whole work's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub done: usize,
    pub failed: usize,
    pub pending: Option<usize>,
    pub work_runs: Option<usize>,
}

/// The total of `rows`, or why there is none: rows of different works (or of no work) are never
/// summed into one number.
pub fn total(rows: &[DirStatus]) -> Result<Total, String> {
    let works: std::collections::BTreeSet<Option<&str>> = rows.iter().map(|r| r.identity.as_deref()).collect();
    if works.contains(&None) {
        return Err("no total: not every path is a results directory with a manifest".into());
    }
    if works.len() > 1 {
        return Err(format!("no total: these directories hold {} different works", works.len()));
    }
    Ok(Total {
        done: rows.iter().map(|r| r.done).sum(),
        failed: rows.iter().map(|r| r.failed).sum(),
        pending: rows.iter().map(|r| r.pending).sum(),
        work_runs: rows.first().and_then(|r| r.total_runs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(identity: Option<&str>, done: usize, pending: Option<usize>) -> DirStatus {
        DirStatus {
            dir: PathBuf::from("d"),
            shard: "1/2".into(),
            done,
            failed: 1,
            pending,
            state: State::Incomplete,
            total_runs: Some(10),
            identity: identity.map(String::from),
        }
    }

    #[test]
    fn only_one_works_rows_are_summed() {
        let t = total(&[row(Some("a"), 3, Some(2)), row(Some("a"), 4, Some(1))]).unwrap();
        assert_eq!(t, Total { done: 7, failed: 2, pending: Some(3), work_runs: Some(10) });
        assert_eq!(total(&[row(Some("a"), 3, Some(2)), row(Some("a"), 4, None)]).unwrap().pending, None);
        assert!(total(&[row(Some("a"), 3, Some(2)), row(Some("b"), 4, Some(1))]).unwrap_err().contains("2 different"));
        assert!(total(&[row(Some("a"), 3, Some(2)), row(None, 0, None)]).unwrap_err().contains("not every path"));
    }
}
