//! Running a sweep into its results directory: [`prepare`] opens (or resumes, or refuses) the
//! directory and works out what is pending; [`Prepared::run`] runs the pending runs on the pool,
//! journalling each as it finishes, then writes the tables and the manifest. The command line and
//! the Python binding both go through here, so they write the same directory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::{Shard, Sweep};
use crate::progress::Progress;
use crate::results::cells::failures;
use crate::results::journal::RunResult;
use crate::results::manifest::Manifest;
use crate::results::{Foreign, Note, Policy, ResultsDir, ResultsError, Tables};
use crate::work::journal::Journalling;
use crate::work::{Ended, RunSpec, Stopped, driver};

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The results directory (default: [`default_out`]).
    pub out: Option<PathBuf>,
    pub threads: usize,
    pub shard: Option<Shard>,
    pub policy: Policy,
}

/// `results/<name>`, or `results/<name>/shard-I-of-N` for a shard.
pub fn default_out(sweep: &Sweep, shard: Option<Shard>) -> PathBuf {
    let base = PathBuf::from("results").join(&sweep.name);
    match shard {
        Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
        None => base,
    }
}

/// A sweep whose directory is open: what is done and what is pending.
#[derive(Debug)]
pub struct Prepared<'a> {
    sweep: &'a Sweep,
    dir: ResultsDir,
    /// The runs of this directory (its shard, or all).
    runs: usize,
    pending: Vec<RunSpec>,
    threads: usize,
    shard: Option<Shard>,
    pub notes: Vec<Note>,
}

/// What a finished sweep made: its tables, and how many runs the directory holds, of how many,
/// and how many of them failed.
#[derive(Debug)]
pub struct Swept {
    pub tables: Tables,
    pub done: usize,
    pub runs: usize,
    pub failed: usize,
}

/// A finished sweep.
pub type Finished = crate::work::Finished<Swept>;

/// Whether `journalled` are runs of `runs` (a sweep's, or a shard's) of `sweep`: each line exactly
/// the run its position asks for ([`driver::answers`]). Resume and `merge` accept a journal only
/// through this.
pub fn check_journal(runs: &[RunSpec], sweep: &Sweep, journalled: &[RunResult]) -> Result<(), Foreign> {
    let expected: HashMap<usize, &RunSpec> = runs.iter().map(|r| (r.index, r)).collect();
    let belongs = |r: &RunResult| match expected.get(&r.index) {
        Some(spec) => driver::answers(&sweep.configs[spec.config], spec, r),
        None => Err("no run of this work has that position".into()),
    };
    match journalled.iter().find_map(|r| belongs(r).err().map(|why| (r, why))) {
        Some((r, why)) => Err(Foreign { index: r.index, run_id: r.run_id.clone(), why }),
        None => Ok(()),
    }
}

/// The check `harness merge` applies to each shard's journal ([`check_journal`] against the sweep
/// and shard its manifest records; the sweep is expanded once per identity). `Err`: what is wrong.
pub fn shard_checker() -> impl Fn(&Manifest, &[RunResult]) -> Result<(), String> {
    let expanded: RefCell<Option<(String, Sweep)>> = RefCell::new(None);
    move |m, journalled| {
        let mut cache = expanded.borrow_mut();
        if cache.as_ref().is_none_or(|(id, _)| *id != m.identity) {
            let sweep = super::expand(&m.experiment, "merge", Path::new(&m.base_dir), true).map_err(|ps| {
                let ps: Vec<String> = ps.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect();
                format!("its manifest's experiment does not expand ({})", ps.join("; "))
            })?;
            *cache = Some((m.identity.clone(), sweep));
        }
        let sweep = &cache.as_ref().expect("just set").1;
        let shard = m.shard.as_deref().map(Shard::parse).transpose()?;
        let runs: Vec<RunSpec> =
            sweep.runs().into_iter().filter(|s| shard.is_none_or(|sh| sh.holds(s.index))).collect();
        check_journal(&runs, sweep, journalled).map_err(|Foreign { index, run_id, why }| {
            format!(
                "the journal holds run {run_id} at position {index}, which this sweep does not ask for there ({why})"
            )
        })
    }
}

/// Open the results directory of `sweep` (from `experiment_file`) and find what is pending.
pub fn prepare<'a>(sweep: &'a Sweep, experiment_file: &Path, options: &Options) -> Result<Prepared<'a>, ResultsError> {
    let all = sweep.runs();
    let runs: Vec<RunSpec> = match options.shard {
        Some(s) => all.into_iter().filter(|r| s.holds(r.index)).collect(),
        None => all,
    };
    let out = options.out.clone().unwrap_or_else(|| default_out(sweep, options.shard));
    let work = sweep.work(experiment_file, options.shard, options.threads);
    let (dir, notes) =
        ResultsDir::open(&out, &work, options.policy, |journalled| check_journal(&runs, sweep, journalled))?;
    let pending: Vec<RunSpec> = runs.iter().filter(|r| dir.get(r.index).is_none()).cloned().collect();
    Ok(Prepared { sweep, runs: runs.len(), pending, threads: options.threads, shard: options.shard, dir, notes })
}

impl Prepared<'_> {
    pub fn out(&self) -> &Path {
        self.dir.path()
    }

    /// The sweep in a line, as the command and the Python binding announce it (as
    /// [`crate::race::Plan::describe`] does a race).
    pub fn describe(&self) -> String {
        let s = self.sweep;
        let (here, done, pending) = self.counts();
        let shard = self.shard.map(|sh| format!(" (shard {}: {here} runs)", sh.label())).unwrap_or_default();
        format!(
            "sweep {}: {} configurations x {} replicates = {} runs{shard}; {done} already done, {pending} to run on {} \
             thread(s) -> {}",
            s.name,
            s.configs.len(),
            s.replicates,
            s.configs.len() * s.replicates as usize,
            self.threads,
            self.out().display()
        )
    }

    /// Runs of this directory, done already, and pending.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.runs, self.runs - self.pending.len(), self.pending.len())
    }

    /// Run what is pending (until `stop` is set), then write the tables (of what finished) and the
    /// manifest.
    pub fn run(mut self, stop: &AtomicBool, progress: &dyn Progress) -> Result<Ended<Swept>, ResultsError> {
        let start = Instant::now();
        progress.start(self.pending.len(), "runs");
        let sink = Journalling { dir: &self.dir, stop, progress };
        let ran = driver::execute(&self.sweep.configs, &self.pending, self.threads, &sink);
        progress.finish();
        let ran = ran?;
        let elapsed_s = start.elapsed().as_secs_f64();
        let results = self.dir.results();
        let tables = Tables::build(&results)?;
        self.dir.write_tables(&tables.named())?;
        let done = results.len();
        let stopped = done < self.runs;
        let failed = results.iter().filter(|r| !r.ok()).count();
        self.dir.update_manifest(!stopped)?;
        let out = self.dir.path().to_path_buf();
        if stopped {
            return Ok(Ended::Stopped(Stopped { out, done, of: Some(self.runs), ran: ran.len(), elapsed_s }));
        }
        Ok(Ended::Finished(Finished {
            out,
            ran: ran.len(),
            elapsed_s,
            failures: failures(&results),
            what: Swept { tables, done, runs: self.runs, failed },
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::progress::Silent;
    use crate::results::merge::merge;

    fn sweep() -> Sweep {
        let text = "name = \"t\"\nseed = 3\nreplicates = 3\n[protocol]\nsampling = \"holdout\"\n\
                    train_presentations = 20\ntest_presentations = 10\n[grid]\nlr = [0.05, 0.1]\n";
        let raw = crate::config::parse_text("t.toml", text).unwrap();
        super::super::expand(&raw, "t", Path::new("."), false).unwrap()
    }

    fn options(out: &Path, shard: Option<Shard>) -> Options {
        Options { out: Some(out.to_path_buf()), threads: 2, shard, policy: Policy::default() }
    }

    fn bytes(dir: &Path, file: &str) -> Vec<u8> {
        std::fs::read(dir.join(file)).unwrap()
    }

    #[test]
    fn a_sweep_runs_resumes_with_nothing_to_do_and_stops_when_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let (s, never) = (sweep(), AtomicBool::new(false));
        let run = |out: &str, stop: &AtomicBool| {
            prepare(&s, Path::new("t.toml"), &options(&tmp.path().join(out), None)).unwrap().run(stop, &Silent).unwrap()
        };
        let Ended::Finished(f) = run("a", &never) else { panic!("not finished") };
        assert_eq!((f.ran, f.what.done, f.what.runs), (6, 6, 6));
        let again = prepare(&s, Path::new("t.toml"), &options(&tmp.path().join("a"), None)).unwrap();
        assert_eq!(again.counts(), (6, 6, 0), "resumed: everything done");
        assert!(matches!(again.run(&never, &Silent).unwrap(), Ended::Finished(f) if f.ran == 0));
        // Stopped before the first run: nothing runs, the tables of nothing are written.
        let Ended::Stopped(stopped) = run("b", &AtomicBool::new(true)) else { panic!("not stopped") };
        assert_eq!((stopped.ran, stopped.done, stopped.of), (0, 0, Some(6)));
        assert_eq!(stopped.describe(), "0 of 6 runs done");
        assert!(matches!(run("b", &never), Ended::Finished(f) if f.ran == 6));
        for file in ["runs.parquet", "summary.parquet", "runs.csv", "summary.csv"] {
            assert_eq!(bytes(&tmp.path().join("a"), file), bytes(&tmp.path().join("b"), file), "{file}");
        }
    }

    #[test]
    fn shards_merge_into_the_whole_byte_for_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let (s, never) = (sweep(), AtomicBool::new(false));
        prepare(&s, Path::new("t.toml"), &options(&tmp.path().join("whole"), None))
            .unwrap()
            .run(&never, &Silent)
            .unwrap();
        let mut shards = Vec::new();
        for index in 1..=2 {
            let dir = tmp.path().join(format!("shard-{index}"));
            let shard = Some(Shard { index, count: 2 });
            let f = prepare(&s, Path::new("t.toml"), &options(&dir, shard)).unwrap().run(&never, &Silent).unwrap();
            assert!(matches!(f, Ended::Finished(f) if f.what.done == 3));
            shards.push(dir);
        }
        let merged = merge(&shards, Some(&tmp.path().join("merged")), false, shard_checker()).unwrap();
        assert!(merged.complete());
        for file in ["runs.parquet", "summary.parquet", "runs.csv", "summary.csv"] {
            assert_eq!(bytes(&tmp.path().join("whole"), file), bytes(&tmp.path().join("merged"), file), "{file}");
        }
        let e = merge(&[], Some(&tmp.path().join("none")), false, shard_checker()).unwrap_err();
        assert!(e.to_string().contains("no shard directory given"), "{e}");
        let e = merge(&shards[..1], Some(&tmp.path().join("merged")), false, shard_checker()).unwrap_err();
        assert!(e.to_string().contains("already holds results"), "{e}");
    }
}
