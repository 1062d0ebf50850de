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

/// How a read treats a symbolic link at the path: a user's input may be one (a data set linked
/// into place); a file of a results directory may not (a planted link would make harness read or
/// write a file elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Follow,
    Refuse,
}

/// The most bytes a whole-file read takes, and what kind of file that is for (both named in the
/// error), so that `/dev/zero`, a FIFO or a runaway file never hangs harness or eats its memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
}

impl Limit {
    /// Experiment files, manifests, baselines, fonts: text a person wrote or harness wrote small.
    pub const SMALL: Limit = Limit { bytes: 64 << 20, what: "an experiment, manifest, baseline or font file" };
    /// Data sets, spike tables, results tables, figures.
    pub const LARGE: Limit = Limit { bytes: 4 << 30, what: "a data, table or figure file" };
    /// The journal: one line per run, and a results directory may hold millions.
    pub const JOURNAL: Limit = Limit { bytes: 64 << 30, what: "a journal" };
    /// The lock's holder file: one line.
    pub const HOLDER: Limit = Limit { bytes: 4 << 10, what: "a lock holder file" };

    /// The limit in words ("64 MiB").
    pub fn shown(&self) -> String {
        let b = self.bytes;
        match b {
            _ if b >= 1 << 30 && b.is_multiple_of(1 << 30) => format!("{} GiB", b >> 30),
            _ if b >= 1 << 20 && b.is_multiple_of(1 << 20) => format!("{} MiB", b >> 20),
            _ if b >= 1 << 10 && b.is_multiple_of(1 << 10) => format!("{} KiB", b >> 10),
            _ => format!("{b} bytes"),
        }
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// What a file that is not a regular file is, in words.
fn not_regular(kind: std::fs::FileType) -> std::io::Error {
    use std::os::unix::fs::FileTypeExt;
    let what = if kind.is_symlink() {
        "a symbolic link (refused in a results directory: a link would make harness read or write elsewhere)"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    invalid(format!("not a regular file: it is {what}"))
}

/// Check that `path` is a regular file before anything opens it (opening a FIFO blocks).
fn check_regular(path: &Path, links: Links) -> Result<(), std::io::Error> {
    let meta = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    if meta.file_type().is_file() { Ok(()) } else { Err(not_regular(meta.file_type())) }
}

/// Open `path` for reading: a regular file (checked before and after opening), never through a
/// link when `links` refuses them.
fn open_regular(path: &Path, links: Links) -> Result<std::fs::File, std::io::Error> {
    use std::os::unix::fs::OpenOptionsExt;
    check_regular(path, links)?;
    let mut options = std::fs::OpenOptions::new();
    // O_NONBLOCK: a FIFO swapped in after the check opens without waiting (and is refused below).
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = options.read(true).custom_flags(flags).open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(not_regular(kind));
    }
    Ok(file)
}

/// Read the whole of the regular file `path`, at most `limit` bytes.
pub fn read_bounded(path: &Path, links: Links, limit: Limit) -> Result<Vec<u8>, PathError> {
    use std::io::Read;
    let file = open_regular(path, links).map_err(at("reading", path))?;
    let mut bytes = Vec::new();
    file.take(limit.bytes + 1).read_to_end(&mut bytes).map_err(at("reading", path))?;
    if bytes.len() as u64 > limit.bytes {
        let message = format!("larger than {}, the most harness reads from {}", limit.shown(), limit.what);
        return Err(PathError::new("reading", path, invalid(message)));
    }
    Ok(bytes)
}

/// Read a user's input file (links followed): a regular file of at most [`Limit::LARGE`].
pub fn read(path: &Path) -> Result<Vec<u8>, PathError> {
    read_bounded(path, Links::Follow, Limit::LARGE)
}

/// Read a file of a results directory (never through a link), at most `limit` bytes.
pub fn read_own(path: &Path, limit: Limit) -> Result<Vec<u8>, PathError> {
    read_bounded(path, Links::Refuse, limit)
}

/// Read a file of a results directory that may not exist (`Ok(None)` when it does not): never
/// through a link, a regular file of at most `limit` bytes.
pub fn read_own_if_exists(path: &Path, limit: Limit) -> Result<Option<Vec<u8>>, PathError> {
    match read_bounded(path, Links::Refuse, limit) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn create_dir_all(path: &Path) -> Result<(), PathError> {
    std::fs::create_dir_all(path).map_err(at("creating", path))
}

/// A new, empty temporary file beside `path`, for writing `path` by rename: its name is one no
/// other writer uses (`.tmp-<pid>-<counter>-<name>`), and it is created exclusively (`O_EXCL`: never through a
/// planted link, never another writer's file).
pub fn temp_beside(path: &Path) -> Result<(PathBuf, std::fs::File), PathError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // The file name last, so that its extension stays (image encoders choose their format by it).
    let mut name =
        std::ffi::OsString::from(format!(".tmp-{}-{}-", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    name.push(path.file_name().unwrap_or_default());
    let tmp = path.with_file_name(name);
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(at("writing", path))?;
    Ok((tmp, file))
}

/// Put the finished temporary file `tmp` in place of `path` (a link at `path` is replaced, not
/// written through); on failure `tmp` is removed and the error names `path`.
pub fn put_in_place(tmp: &Path, path: &Path) -> Result<(), PathError> {
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        PathError::new("writing", path, e)
    })
}

/// Write `bytes` to `path` through a temporary file ([`temp_beside`]), synced, and a rename, so
/// that a crash leaves either the old file or the new one, never half of one, and two writers
/// never mix their bytes. On failure the temporary file is removed, and the error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    use std::io::Write;
    let (tmp, mut file) = temp_beside(path)?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        let _ = std::fs::remove_file(&tmp);
        return Err(PathError::new("writing", path, e));
    }
    put_in_place(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_path_and_the_action() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope/x.csv");
        let e = write_atomic(&missing, b"x").unwrap_err().to_string();
        assert!(e.starts_with(&format!("writing {}:", missing.display())), "the file meant, not the temporary: {e}");
        // A directory where the file should be: the rename fails, naming the target.
        let target = dir.path().join("t");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "keep").unwrap();
        let e = write_atomic(&target, b"x").unwrap_err().to_string();
        assert!(e.starts_with(&format!("writing {}:", target.display())), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, [std::ffi::OsString::from("t")], "the temporary file is removed");
        assert_eq!(read_own_if_exists(&dir.path().join("absent"), Limit::SMALL).unwrap(), None);
        assert!(read(&missing).unwrap_err().to_string().contains("reading "));
    }

    #[test]
    fn atomic_write_replaces_the_file_and_a_link_without_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep", "the link's target is untouched");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
    }

    #[test]
    fn concurrent_writers_of_one_file_all_succeed_and_never_mix() {
        // Two `report`s of one directory: with one shared temporary name, a writer's rename
        // found its file renamed away by the other (a spurious "No such file" error).
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.html");
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let p = &p;
                s.spawn(move || {
                    for _ in 0..200 {
                        write_atomic(p, &[t; 4096]).unwrap();
                    }
                });
            }
        });
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.len() == 4096 && bytes.iter().all(|&b| b == bytes[0]), "one writer's bytes, whole");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
    }

    #[test]
    fn reads_are_of_regular_files_within_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        let say = |r: Result<Vec<u8>, PathError>| r.unwrap_err().to_string();
        assert!(say(read(Path::new("/dev/zero"))).contains("it is a device"));
        assert!(say(read(dir.path())).contains("it is a directory"));
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(say(read(&fifo)).contains("it is a FIFO"), "refused, not hung");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 5000]).unwrap();
        let e = say(read_bounded(&big, Links::Follow, Limit::HOLDER));
        assert!(e.contains(&big.display().to_string()) && e.contains("larger than 4 KiB"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&big, &link).unwrap();
        assert_eq!(read(&link).unwrap().len(), 5000, "an input may be a link");
        assert!(say(read_bounded(&link, Links::Refuse, Limit::LARGE)).contains("symbolic link"));
    }
}
