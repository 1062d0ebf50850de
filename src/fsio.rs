//! File-system calls whose errors name their path: every I/O error a user sees says what was
//! being done to which file ("writing results/grid/runs.csv: Permission denied"), never a bare
//! "Permission denied (os error 13)".

use std::path::{Path, PathBuf};

/// An I/O error with the action and the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct PathError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl PathError {
    pub fn new(action: &'static str, path: &Path, source: std::io::Error) -> PathError {
        PathError { action, path: path.to_path_buf(), source }
    }

    /// The error's kind (e.g. to tell a missing file from an unreadable one).
    pub fn kind(&self) -> std::io::ErrorKind {
        self.source.kind()
    }
}

/// A closure that wraps an `io::Error` for `path`.
pub fn at<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> PathError + 'a {
    move |source| PathError::new(action, path, source)
}

pub fn read(path: &Path) -> Result<Vec<u8>, PathError> {
    std::fs::read(path).map_err(at("reading", path))
}

pub fn read_to_string(path: &Path) -> Result<String, PathError> {
    std::fs::read_to_string(path).map_err(at("reading", path))
}

/// Read a file that may not exist: `Ok(None)` when it does not.
pub fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, PathError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PathError::new("reading", path, e)),
    }
}

pub fn create_dir_all(path: &Path) -> Result<(), PathError> {
    std::fs::create_dir_all(path).map_err(at("creating", path))
}

/// Write `bytes` to `path` through a temporary file, synced, and a rename, so that a crash leaves
/// either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, bytes).map_err(at("writing", &tmp))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(at("syncing", &tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        PathError::new("writing", path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_path_and_the_action() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope/x.csv");
        let e = write_atomic(&missing, b"x").unwrap_err().to_string();
        assert!(e.starts_with(&format!("writing {}", dir.path().join("nope/x.csv.tmp").display())), "{e}");
        // A directory where the file should be: the rename fails, naming the target.
        let target = dir.path().join("t");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "keep").unwrap();
        let e = write_atomic(&target, b"x").unwrap_err().to_string();
        assert!(e.starts_with(&format!("writing {}:", target.display())), "{e}");
        assert!(!dir.path().join("t.tmp").exists(), "the temporary file is removed");
        assert_eq!(read_if_exists(&dir.path().join("absent")).unwrap(), None);
        assert!(read(&missing).unwrap_err().to_string().contains("reading "));
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
    }
}
