//! The journal: one JSON line per finished run, appended and synced to disk as each run
//! finishes, so that a crash (Ctrl-C, kill -9, power loss) loses nothing that finished. A torn
//! last line (a crash mid-write) is detected on reading and dropped, and that run is redone. A run
//! journalled twice (two writers before the directory lock existed, or a merge of overlapping
//! shards) is counted once: the first line wins, and a second line that disagrees with it is an
//! error.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::config::params::Param;

/// The journal's file name inside a results directory.
pub const FILE: &str = "journal.jsonl";

/// What one finished run produced: everything its table rows need. The field names are the
/// journal's JSON keys (unchanged since the first results format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Position in the work's order (a sweep's: configuration-major, then replicate; a race's:
    /// the order its decisions asked for runs).
    pub index: usize,
    pub run_id: String,
    pub config_id: String,
    pub replicate: u64,
    pub seed: u64,
    /// Every parameter of the configuration, in declaration order (`None`: absent, i.e. default).
    pub params: Vec<(String, Option<Param>)>,
    /// The error of a failed run (a panic or a diverging state); `None` when it succeeded.
    pub error: Option<String>,
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub train_presentations: u64,
    pub test_presentations: u64,
    pub input_spikes_train: u64,
    pub input_spikes_test: u64,
    pub output_spikes_train: u64,
    pub output_spikes_test: u64,
    /// The test accuracy at each of the protocol's checkpoints: `(training presentations,
    /// accuracy)`, in order (absent from the line when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<(u64, f64)>,
    /// Wall time of the run, s (not part of the deterministic tables).
    pub wall_s: f64,
    /// Where a race run stands in its race (absent for sweeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceTag>,
}

/// A race run's place: the iteration that asked for it, the seed index it ran, and whether it was
/// racing or validating the final elites, or screening new candidates (at that rung, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaceTag {
    pub iteration: u32,
    pub seed_index: u32,
    pub validation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<u32>,
}

impl RunResult {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// The same run as far as the tables go: everything but the wall time.
    fn same_outcome(&self, other: &RunResult) -> bool {
        RunResult { wall_s: 0.0, ..self.clone() } == RunResult { wall_s: 0.0, ..other.clone() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: not a journal line ({message}); the journal is damaged before its last line")]
    Corrupt { path: PathBuf, line: usize, message: String },
    #[error("{path}:{line}: run {run_id} (position {index}) is journalled twice with different results")]
    Conflict { path: PathBuf, line: usize, run_id: String, index: usize },
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub struct Contents {
    /// The runs, one per position, in position order.
    pub results: Vec<RunResult>,
    /// A torn last line was dropped (and truncated away when reading for append).
    pub torn: bool,
    /// Lines that repeated a run already read (counted once).
    pub duplicates: usize,
    /// The length of the journal up to its last newline (what is kept when the last line is torn).
    pub complete_bytes: u64,
}

/// The longest line a journal may hold (a run's line is about a kilobyte).
pub const MAX_LINE: usize = 1 << 20;

/// Read the runs of the journal at `path` (none if it does not exist): a regular file, not a link,
/// within [`crate::fsio::Limit::JOURNAL`], its lines within [`MAX_LINE`].
pub fn read(path: &Path) -> Result<Contents, JournalError> {
    let text = match crate::fsio::read_own_if_exists(path, crate::fsio::Limit::JOURNAL) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(Contents::default()),
        Err(e) => return Err(JournalError::Io { path: path.to_path_buf(), source: e.source }),
    };
    let mut out = Contents {
        complete_bytes: text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p as u64 + 1),
        ..Contents::default()
    };
    let mut by_index: BTreeMap<usize, RunResult> = BTreeMap::new();
    let n_lines = text.split(|&b| b == b'\n').count();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let last = i + 1 == n_lines; // no newline after it: possibly torn
        if line.len() > MAX_LINE && !last {
            let message = format!("a line of {} bytes, longer than the {MAX_LINE} a run's line may be", line.len());
            return Err(JournalError::Corrupt { path: path.to_path_buf(), line: i + 1, message });
        }
        match (serde_json::from_slice::<RunResult>(line), last) {
            (_, true) => out.torn = true,
            (Ok(r), false) => match by_index.get(&r.index) {
                Some(first) if first.same_outcome(&r) => out.duplicates += 1,
                Some(_) => {
                    let (path, line) = (path.to_path_buf(), i + 1);
                    return Err(JournalError::Conflict { path, line, run_id: r.run_id, index: r.index });
                }
                None => {
                    by_index.insert(r.index, r);
                }
            },
            (Err(e), false) => {
                return Err(JournalError::Corrupt { path: path.to_path_buf(), line: i + 1, message: e.to_string() });
            }
        }
    }
    out.results = by_index.into_values().collect();
    Ok(out)
}

/// An open journal, appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Open (creating) the journal at `path` for appending, first cutting off a torn last line.
    pub fn open(path: &Path) -> Result<(Journal, Contents), JournalError> {
        let io = |source| JournalError::Io { path: path.to_path_buf(), source };
        let contents = read(path)?;
        // Never through a link (read refused one already; this closes the gap until the open).
        let file =
            OpenOptions::new().create(true).append(true).custom_flags(libc::O_NOFOLLOW).open(path).map_err(io)?;
        if contents.torn {
            let keep = contents.complete_bytes;
            file.set_len(keep).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        Ok((Journal { path: path.to_path_buf(), file }, contents))
    }

    /// Append one run and sync it to disk.
    pub fn append(&mut self, r: &RunResult) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(r).expect("run results serialise");
        line.push(b'\n');
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A run of configuration `00000000000000ab` at `index` (shared by the results layer's tests).
    pub(crate) fn result(index: usize) -> RunResult {
        RunResult {
            index,
            run_id: format!("00000000000000ab-{index}"),
            config_id: "00000000000000ab".into(),
            replicate: index as u64,
            seed: 12345678901234567890,
            params: vec![
                ("lr".into(), Some(Param::Float(0.1 + 0.2))),
                ("classes".into(), Some(Param::Text("0,1".into()))),
                ("split_seed".into(), None),
                ("plasticity_test".into(), Some(Param::Bool(true))),
                ("predict_steps".into(), Some(Param::Int(50))),
            ],
            error: None,
            train_accuracy: Some(1.0),
            test_accuracy: Some(0.9560439560439561),
            train_presentations: 200,
            test_presentations: 91,
            input_spikes_train: 1,
            input_spikes_test: 2,
            output_spikes_train: 3,
            output_spikes_test: 4,
            checkpoints: Vec::new(),
            wall_s: 0.01,
            race: None,
        }
    }

    #[test]
    fn results_round_trip_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let (mut j, c) = Journal::open(&path).unwrap();
        assert!(c.results.is_empty());
        j.append(&result(0)).unwrap();
        j.append(&result(1)).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.results, vec![result(0), result(1)]);
        assert!(!back.torn);
    }

    #[test]
    fn torn_last_line_is_dropped_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&result(0)).unwrap();
        let full = serde_json::to_string(&result(1)).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop((j, f));
        let c = read(&path).unwrap();
        assert!(c.torn);
        assert_eq!(c.results, vec![result(0)]);
        let (mut j, c) = Journal::open(&path).unwrap();
        assert!(c.torn);
        j.append(&result(1)).unwrap();
        let c = read(&path).unwrap();
        assert_eq!((c.results, c.torn), (vec![result(0), result(1)], false));
    }

    #[test]
    fn complete_last_line_without_newline_is_still_redone() {
        // A line whose newline did not reach the disk may be complete JSON; it is redone anyway,
        // which is safe (runs are deterministic) and keeps the rule simple.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, serde_json::to_string(&result(0)).unwrap()).unwrap();
        assert!(read(&path).unwrap().torn);
    }

    #[test]
    fn damage_before_the_last_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let good = serde_json::to_string(&result(0)).unwrap();
        std::fs::write(&path, format!("{good}\n{{garbage\n{good}\n")).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("journal.jsonl:2:"), "{e}");
    }

    #[test]
    fn a_run_journalled_twice_counts_once_and_a_disagreement_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let line = |r: &RunResult| serde_json::to_string(r).unwrap() + "\n";
        let slower = RunResult { wall_s: 9.0, ..result(0) };
        std::fs::write(&path, line(&result(0)) + &line(&result(1)) + &line(&slower)).unwrap();
        let c = read(&path).unwrap();
        assert_eq!((c.results, c.duplicates), (vec![result(0), result(1)], 1));

        let other = RunResult { test_accuracy: Some(0.5), ..result(1) };
        std::fs::write(&path, line(&result(0)) + &line(&result(1)) + &line(&other)).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("journal.jsonl:3:") && e.contains("twice with different results"), "{e}");
    }
}
