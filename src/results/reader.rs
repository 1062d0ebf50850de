//! The read side of a results directory: one type for everything that reads one (`verify`,
//! `report`, `merge`, the Python binding's `load`), as [`super::ResultsDir`] is the write side.
//!
//! A [`Reader`] holds the directory's shared lock for as long as it lives (never reading tables a
//! writer is replacing), its manifest (read once), and reads the journal and the tables on demand,
//! each through the same bounded, link-refusing reads as the writer's files.

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use super::ResultsError;
use super::journal::{self, RunResult};
use super::lock::DirLock;
use super::manifest::Manifest;
use super::schema::table;
use super::tables::{TableError, read_parquet};
use crate::fsio;

/// An open results directory, for reading.
#[derive(Debug)]
pub struct Reader {
    dir: PathBuf,
    _lock: DirLock,
    pub manifest: Manifest,
}

impl Reader {
    /// Open `dir` for reading: its shared lock (refused while a writer holds it), then its
    /// manifest (refused when it has none, or one of a format this build does not read).
    pub fn open(dir: &Path) -> Result<Reader, ResultsError> {
        let lock = DirLock::shared(dir)?;
        let manifest = Manifest::read(dir)?;
        Ok(Reader { dir: dir.to_path_buf(), _lock: lock, manifest })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journalled runs, one per position, in position order.
    pub fn journal(&self) -> Result<Vec<RunResult>, ResultsError> {
        Ok(journal::read(&self.dir.join(journal::FILE))?.results)
    }

    /// The table `name` (see [`table`]).
    pub fn table(&self, name: &str) -> Result<DataFrame, TableError> {
        read_parquet(&self.dir.join(format!("{name}.parquet")))
    }

    /// The Parquet bytes of every table of the schema the directory holds, by name, in the
    /// schema's order (a race's `race` table only in a race's directory).
    pub fn table_bytes(&self) -> Result<Vec<(String, Vec<u8>)>, ResultsError> {
        let mut out = Vec::new();
        for name in [table::RUNS, table::SUMMARY, table::RACE, table::TIMINGS] {
            let path = self.dir.join(format!("{name}.parquet"));
            if let Some(bytes) = fsio::read_own_if_exists(&path, fsio::Limit::LARGE)? {
                out.push((name.to_string(), bytes));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_a_manifest_is_refused_and_a_reader_keeps_writers_out() {
        let tmp = tempfile::tempdir().unwrap();
        let e = Reader::open(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("not a harness results directory"), "{e}");
        let _reading = DirLock::shared(tmp.path()).unwrap();
        assert!(DirLock::exclusive(tmp.path()).unwrap_err().to_string().contains("is reading"));
    }
}
