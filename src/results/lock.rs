//! One writer per results directory: an exclusive advisory lock (`flock`) on the directory itself,
//! held for the whole sweep or race and released by the operating system when the process ends,
//! however it ends (so `kill -9` never leaves a stale lock). Readers (`verify`, `report`) take a
//! shared lock, so they never read tables that a writer is replacing. The writer leaves its pid in
//! [`HOLDER`] so that a refused process can say who holds the directory.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::fsio::{self, PathError};

/// The file in which the holder of the exclusive lock leaves its pid.
pub const HOLDER: &str = ".harness-writer";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{}: another harness process ({holder}) is writing these results; wait for it to finish, or stop it \
         (its finished runs are kept) and run the command again",
        dir.display()
    )]
    Busy { dir: PathBuf, holder: String },
    #[error(
        "{}: a harness process is reading these results (verify or report); run the command again when it ends",
        dir.display()
    )]
    Reading { dir: PathBuf },
    #[error("{}: another harness process ({holder}) is writing these results; read them when it has finished", dir.display())]
    Writing { dir: PathBuf, holder: String },
    #[error(transparent)]
    Io(#[from] PathError),
}

/// A held lock on a directory; dropping it releases it.
#[derive(Debug)]
pub struct DirLock {
    dir: PathBuf,
    _file: File,
    /// The holder file was written (and goes with the lock).
    announced: bool,
}

/// Who the holder file names (read as a results directory's file: no link, at most a few bytes,
/// shown without control characters).
fn holder(dir: &Path) -> String {
    fsio::read_own_if_exists(&dir.join(HOLDER), fsio::Limit::HOLDER)
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "pid unknown".into())
}

impl DirLock {
    /// Take the exclusive lock on `dir` (which exists), or say who holds it.
    pub fn exclusive(dir: &Path) -> Result<DirLock, LockError> {
        let file = File::open(dir).map_err(fsio::at("opening", dir))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // Readers share the lock: if a shared lock is free, readers hold it, whatever a
                // stale holder file (a killed writer's) says.
                let reading = file.try_lock_shared().is_ok();
                return Err(if reading {
                    LockError::Reading { dir: dir.to_path_buf() }
                } else {
                    LockError::Busy { dir: dir.to_path_buf(), holder: holder(dir) }
                });
            }
            Err(TryLockError::Error(e)) => return Err(PathError::new("locking", dir, e).into()),
        }
        Ok(DirLock { dir: dir.to_path_buf(), _file: file, announced: false })
    }

    /// Leave this process's pid in the directory, for a refused writer to name (done once the
    /// holder has decided to write: a refusal writes nothing).
    pub fn announce(&mut self) -> Result<(), PathError> {
        // Through a fresh file and a rename: a link planted at the holder's name is replaced, not
        // written through.
        fsio::write_atomic(&self.dir.join(HOLDER), format!("pid {}", std::process::id()).as_bytes())?;
        self.announced = true;
        Ok(())
    }

    /// Take a shared (reading) lock on `dir`, refused while a writer holds it.
    pub fn shared(dir: &Path) -> Result<DirLock, LockError> {
        let file = File::open(dir).map_err(fsio::at("opening", dir))?;
        match file.try_lock_shared() {
            Ok(()) => Ok(DirLock { dir: dir.to_path_buf(), _file: file, announced: false }),
            Err(TryLockError::WouldBlock) => Err(LockError::Writing { dir: dir.to_path_buf(), holder: holder(dir) }),
            Err(TryLockError::Error(e)) => Err(PathError::new("locking", dir, e).into()),
        }
    }

    /// The directory the lock is on.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if self.announced {
            // Best effort: a holder file left behind (the process was killed) names a process
            // that no longer holds the lock, and is replaced by the next writer.
            let _ = std::fs::remove_file(self.dir.join(HOLDER));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_writer_and_no_reader_while_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = DirLock::exclusive(dir.path()).unwrap();
        w.announce().unwrap();
        let e = DirLock::exclusive(dir.path()).unwrap_err().to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())) && e.contains("is writing"), "{e}");
        assert!(DirLock::shared(dir.path()).unwrap_err().to_string().contains("is writing"));
        drop(w);
        assert!(!dir.path().join(HOLDER).exists(), "the holder file goes with the lock");
        let r1 = DirLock::shared(dir.path()).unwrap();
        let _r2 = DirLock::shared(dir.path()).unwrap();
        assert!(DirLock::exclusive(dir.path()).unwrap_err().to_string().contains("is reading"));
        // A stale holder file (a killed writer's) does not make a reader a writer.
        std::fs::write(dir.path().join(HOLDER), "pid 99999999").unwrap();
        assert!(DirLock::exclusive(dir.path()).unwrap_err().to_string().contains("is reading"));
        drop(r1);
    }
}
