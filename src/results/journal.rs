//! The journal: one JSON line per finished run, appended and synced to disk as each run
//! finishes, so that a crash (Ctrl-C, kill -9, power loss) loses nothing that finished. A torn
//! last line (a crash mid-write) is detected on reading and dropped, and that run is redone.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The journal's file name inside a results directory.
pub const FILE: &str = "journal.jsonl";

/// One parameter value, as it goes into a table column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Param {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// A finished run: everything its table rows need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the sweep's order (configuration-major, then replicate).
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
    /// Wall time of the run, s (not part of the deterministic tables).
    pub wall_s: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: not a journal record ({message}); the journal is damaged before its last line")]
    Corrupt { path: PathBuf, line: usize, message: String },
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub struct Contents {
    pub records: Vec<Record>,
    /// A torn last line was dropped (and truncated away when reading for append).
    pub torn: bool,
}

/// Read the records of the journal at `path` (none if it does not exist).
pub fn read(path: &Path) -> Result<Contents, JournalError> {
    let io = |source| JournalError::Io { path: path.to_path_buf(), source };
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::default()),
        Err(e) => return Err(io(e)),
    };
    let mut out = Contents::default();
    let n_lines = text.split(|&b| b == b'\n').count();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let last = i + 1 == n_lines; // no newline after it: possibly torn
        match (serde_json::from_slice::<Record>(line), last) {
            (_, true) => out.torn = true,
            (Ok(r), false) => out.records.push(r),
            (Err(e), false) => {
                return Err(JournalError::Corrupt { path: path.to_path_buf(), line: i + 1, message: e.to_string() });
            }
        }
    }
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
        if contents.torn {
            let text = std::fs::read(path).map_err(io)?;
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let f = OpenOptions::new().write(true).open(path).map_err(io)?;
            f.set_len(keep as u64).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        Ok((Journal { path: path.to_path_buf(), file }, contents))
    }

    /// Append one record and sync it to disk.
    pub fn append(&mut self, r: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(r).expect("records serialise");
        line.push(b'\n');
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: usize) -> Record {
        Record {
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
            wall_s: 0.01,
        }
    }

    #[test]
    fn records_round_trip_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let (mut j, c) = Journal::open(&path).unwrap();
        assert!(c.records.is_empty());
        j.append(&record(0)).unwrap();
        j.append(&record(1)).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.records, vec![record(0), record(1)]);
        assert!(!back.torn);
    }

    #[test]
    fn torn_last_line_is_dropped_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let (mut j, _) = Journal::open(&path).unwrap();
        j.append(&record(0)).unwrap();
        let full = serde_json::to_string(&record(1)).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop((j, f));
        let c = read(&path).unwrap();
        assert!(c.torn);
        assert_eq!(c.records, vec![record(0)]);
        let (mut j, c) = Journal::open(&path).unwrap();
        assert!(c.torn);
        j.append(&record(1)).unwrap();
        let c = read(&path).unwrap();
        assert_eq!((c.records, c.torn), (vec![record(0), record(1)], false));
    }

    #[test]
    fn complete_last_line_without_newline_is_still_redone() {
        // A line whose newline did not reach the disk may be complete JSON; it is redone anyway,
        // which is safe (runs are deterministic) and keeps the rule simple.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, serde_json::to_string(&record(0)).unwrap()).unwrap();
        assert!(read(&path).unwrap().torn);
    }

    #[test]
    fn damage_before_the_last_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let good = serde_json::to_string(&record(0)).unwrap();
        std::fs::write(&path, format!("{good}\n{{garbage\n{good}\n")).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("journal.jsonl:2:"), "{e}");
    }
}
