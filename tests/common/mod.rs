//! What the integration tests share: one way to run the `harness` binary as a user would, and
//! small file helpers. Each test file includes it with `mod common;` (so not every helper is used
//! by every file).
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The protocol of most small sweeps here: short runs on a held-out split (a few ms each).
pub const PROTOCOL: &str = "[protocol]\nsampling = \"holdout\"\ntrain_presentations = 20\ntest_presentations = 10\n";

/// A sweep file: `name`, `seed`, `replicates`, a held-out `[protocol]` of `train` + `test`
/// presentations (after the lines `protocol`), and the `[grid]` lines `grid`. The one place the
/// tests' sweep files are written.
pub fn sweep_file(name: &str, seed: u64, replicates: u64, train: u64, test: u64, protocol: &str, grid: &str) -> String {
    format!(
        "name = \"{name}\"\nseed = {seed}\nreplicates = {replicates}\n\n[protocol]\n{protocol}sampling = \"holdout\"\n\
         train_presentations = {train}\ntest_presentations = {test}\n\n[grid]\n{grid}"
    )
}

/// A grid of 2 axes: 3 x 2 = 6 configurations x 3 replicates = 18 runs.
pub fn grid_sweep() -> String {
    sweep_file("grid", 3, 3, 20, 10, "", "c_inp = [0.1, 0.2, 0.4]\nlr = [0.05, 0.1]\n")
}
pub const GRID_RUNS: usize = 18;

/// What a finished `harness` process left.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Standard output and error together.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// A refusal: a non-zero exit that was not a crash (no signal, no panic, no abort).
    pub fn refused(&self) -> bool {
        matches!(self.code, Some(c) if c != 0 && c != 101 && c != 134) && !self.stderr.contains("panicked")
    }
}

/// The binary as a command in `dir`, without backtraces (so messages are what users see).
pub fn command<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_harness"));
    c.args(args).current_dir(dir).env_remove("RUST_BACKTRACE").env_remove("RUST_LIB_BACKTRACE");
    c
}

/// Run `harness args...` in `dir` to the end.
pub fn harness<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Outcome {
    let out = command(dir, args).output().expect("run harness");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// Run `harness args...` in `dir` and insist that it succeeds.
pub fn harness_ok<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Outcome {
    let o = harness(dir, args);
    let shown: Vec<String> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
    assert!(o.ok(), "harness {shown:?} failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
    o
}

/// Run `harness args...` in `dir`, insisting that it is refused with every one of `says`.
pub fn harness_refused<S: AsRef<OsStr>>(dir: &Path, args: &[S], says: &[&str]) -> Outcome {
    let o = harness(dir, args);
    let shown: Vec<String> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
    assert!(o.refused(), "harness {shown:?} must be refused (exit {:?}):\n{}", o.code, o.text());
    for s in says {
        assert!(o.text().contains(s), "harness {shown:?}: expected {s:?} in\n{}", o.text());
    }
    o
}

/// Start `harness args...` in `dir` in the background (output captured or discarded).
pub fn spawn<S: AsRef<OsStr>>(dir: &Path, args: &[S], capture: bool) -> Child {
    let pipe = || if capture { Stdio::piped() } else { Stdio::null() };
    command(dir, args).stdout(pipe()).stderr(pipe()).spawn().expect("spawn harness")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

pub fn bytes(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn text(path: impl AsRef<Path>) -> String {
    String::from_utf8(bytes(path)).expect("UTF-8")
}

/// Split one CSV line into fields (double-quoted fields may hold commas and `""`).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// A CSV file as rows of `column -> value`.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = text(path);
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("a header"));
    lines
        .map(|l| {
            let fields = csv_fields(l);
            assert_eq!(fields.len(), header.len(), "{}: ragged row {l:?}", path.display());
            header.iter().cloned().zip(fields).collect()
        })
        .collect()
}

/// The names of the entries of `dir`, sorted (the directory lock's holder file left out).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".harness-writer")
        .collect();
    v.sort();
    v
}

/// The run ids of a journal's complete lines, checked to be unique.
pub fn journal_ids(out: &Path) -> Vec<String> {
    let text = String::from_utf8_lossy(&std::fs::read(out.join("journal.jsonl")).unwrap_or_default()).into_owned();
    let complete = match text.rfind('\n') {
        Some(p) => &text[..=p],
        None => "",
    };
    let ids: Vec<String> = complete
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}"));
            v["run_id"].as_str().expect("a run_id").to_string()
        })
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "the journal holds a run twice");
    ids
}

/// The tables whose bytes depend only on the work (not on timing).
pub const DETERMINISTIC: [&str; 4] = ["runs.parquet", "runs.csv", "summary.parquet", "summary.csv"];
/// A race's: the sweep's and its race table.
pub const RACE_TABLES: [&str; 6] =
    ["runs.parquet", "runs.csv", "race.parquet", "race.csv", "summary.parquet", "summary.csv"];

/// Assert that two results directories hold the same `files`, byte for byte.
pub fn assert_same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert!(bytes(a.join(f)) == bytes(b.join(f)), "{f} differs between {} and {}", a.display(), b.display());
    }
}

/// Assert that two results directories hold the same deterministic tables, byte for byte.
pub fn assert_same_tables(a: &Path, b: &Path) {
    assert_same_files(a, b, &DETERMINISTIC);
}

/// Ctrl-C to a running harness: SIGINT, as a terminal sends it.
pub fn interrupt(child: &Child) {
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill -INT");
    assert!(kill.success(), "kill -INT {}", child.id());
}

/// The gate's small experiment: two cases (lr 0.05 and 0.1) of 4 replicates, short runs.
pub const GATE_CASES: &str = "name = \"gate\"\nseed = 5\nreplicates = 4\n[protocol]\nsampling = \"holdout\"\n\
                              train_presentations = 20\ntest_presentations = 10\n[grid]\nlr = [0.05, 0.1]\n";
