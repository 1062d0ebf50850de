//! `harness verify`: re-run recorded runs from the manifest and check the whole results directory.
//!
//! What passes is checked to the bit, not sampled by metric:
//! 1. the manifest: a format 2 identity recomputed from its experiment and the data as it is now
//!    (an edited manifest, or a data file changed since, is named), a format 1 experiment hash;
//! 2. the row set: `runs` holds exactly the work's runs, in order, once each (all of them when
//!    the manifest says finished);
//! 3. every cell of every row of `runs` against the table rebuilt from the journal, and every
//!    cell of `summary` against the summary recomputed from those runs;
//! 4. each CSV file against its Parquet twin;
//! 5. every run re-run (or `--sample K` of them, chosen repeatably), every column compared.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

use crate::config::locate_all;
use crate::fsio;
use crate::results::journal::{self, RunResult};
use crate::results::lock::DirLock;
use crate::results::manifest::{Kind, Manifest};
use crate::results::schema::{self, RUN_ID};
use crate::results::tables::{Format, encode, read_parquet};
use crate::results::{ResultsError, summary};
use crate::sweep::{RunSpec, Shard, driver, expand};

#[cfg(test)]
mod tests {
    #[test]
    fn samples_are_repeatable_subsets_that_depend_on_the_identity() {
        let a = super::sample(100, 7, "00000000000000ab");
        assert_eq!(a, super::sample(100, 7, "00000000000000ab"));
        assert_eq!(a.len(), 7);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.iter().all(|&i| i < 100));
        assert_ne!(a, super::sample(100, 7, "00000000000000ac"));
        assert_eq!(super::sample(5, 9, "x"), [0, 1, 2, 3, 4], "a sample larger than the runs is all of them");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("{dir}: {message}")]
    Refused { dir: String, message: String },
}

/// One cell that differs: the run (or row), the column, what the directory holds and what it
/// should hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub row: String,
    pub column: String,
    pub recorded: String,
    pub expected: String,
}

/// What verifying found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Runs re-run, and cells compared in all.
    pub rerun: usize,
    pub cells: usize,
    /// Rows of `runs`.
    pub rows: usize,
    pub mismatches: Vec<Mismatch>,
    /// Problems with the directory as a whole (row set, tables, files).
    pub problems: Vec<String>,
    /// The build that wrote the results, when it is not this one.
    pub other_build: Option<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.problems.is_empty()
    }
}

/// A cell in a canonical text form (floats in shortest round-trip form: equal text, equal bits).
fn text(v: AnyValue) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::Float64(x) => format!("{x:?}"),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// Compare two frames cell by cell, rows named by `names`; the columns must be the same.
fn compare_frames(table: &str, recorded: &DataFrame, expected: &DataFrame, names: &[String], report: &mut Report) {
    let cols = |df: &DataFrame| df.get_column_names().iter().map(|c| c.to_string()).collect::<Vec<_>>();
    if cols(recorded) != cols(expected) {
        report.problems.push(format!(
            "{table}: columns [{}] where [{}] are expected",
            cols(recorded).join(", "),
            cols(expected).join(", ")
        ));
        return;
    }
    if recorded.height() != expected.height() {
        report.problems.push(format!("{table}: {} rows where {} are expected", recorded.height(), expected.height()));
        return;
    }
    for (rc, ec) in recorded.columns().iter().zip(expected.columns()) {
        if rc.dtype() != ec.dtype() {
            report.problems.push(format!(
                "{table}.{}: type {} where {} is expected",
                rc.name(),
                rc.dtype(),
                ec.dtype()
            ));
            continue;
        }
        for r in 0..recorded.height() {
            let (a, b) = (rc.get(r).map(text).unwrap_or_default(), ec.get(r).map(text).unwrap_or_default());
            report.cells += 1;
            if a != b {
                let row = names.get(r).cloned().unwrap_or_else(|| format!("row {r}"));
                report.mismatches.push(Mismatch {
                    row,
                    column: format!("{table}.{}", rc.name()),
                    recorded: a,
                    expected: b,
                });
            }
        }
    }
}

/// Check that each CSV file holds exactly its Parquet twin.
fn compare_csv(dir: &Path, name: &str, df: &DataFrame, report: &mut Report) {
    let path = dir.join(format!("{name}.csv"));
    match (fsio::read(&path), encode(df, Format::Csv)) {
        (Ok(bytes), Ok(want)) if bytes == want => {}
        (Ok(_), Ok(_)) => report.problems.push(format!("{}: differs from {name}.parquet", path.display())),
        (Err(e), _) => report.problems.push(e.to_string()),
        (_, Err(e)) => report.problems.push(format!("{name}.parquet: {e}")),
    }
}

fn read_table(dir: &Path, name: &str) -> Result<DataFrame, VerifyError> {
    read_parquet(&dir.join(format!("{name}.parquet"))).map_err(|e| VerifyError::Results(e.into()))
}

/// Verify the results directory `dir`, re-running `sample` of its runs (all when `None`).
pub fn verify(dir: &Path, sample: Option<usize>, threads: usize) -> Result<Report, VerifyError> {
    let refused = |message: String| VerifyError::Refused { dir: dir.display().to_string(), message };
    if sample == Some(0) {
        return Err(refused(
            "--sample 0 re-runs nothing: give at least 1 (or leave it out to re-run every run)".into(),
        ));
    }
    let _reading = DirLock::shared(dir).map_err(ResultsError::from)?;
    let m = Manifest::read(dir).map_err(ResultsError::from)?;
    if m.kind == Kind::Race {
        return Err(refused("a race directory: this harness verifies sweeps".into()));
    }
    let sweep = sweep_of(dir, &m).map_err(refused)?;
    let shard = m.shard.as_deref().map(Shard::parse).transpose().map_err(refused)?;
    let specs: Vec<RunSpec> = sweep.runs().into_iter().filter(|s| shard.is_none_or(|sh| sh.holds(s.index))).collect();
    let mut report = Report { other_build: (!m.written_by_this_build()).then(|| m.build()), ..Default::default() };

    let journalled = journal::read(&dir.join(journal::FILE)).map_err(ResultsError::from)?.results;
    let runs = read_table(dir, "runs")?;
    report.rows = runs.height();
    check_row_set(&runs, &specs, m.finished.is_some(), &mut report);
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    let rebuilt = schema::runs(&journalled).map_err(|e| refused(e.to_string()))?;
    compare_frames("runs", &runs, &rebuilt, &names, &mut report);
    let summary_now = summary::frame(&journalled).map_err(|e| refused(e.to_string()))?;
    let summary_file = read_table(dir, "summary")?;
    let config_names: Vec<String> = schema::cells(&summary_now, schema::CONFIG_ID)
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("config {}", c.text))
        .collect();
    compare_frames("summary", &summary_file, &summary_now, &config_names, &mut report);
    let timings = read_table(dir, "timings")?;
    if schema::cells(&timings, RUN_ID) != schema::cells(&runs, RUN_ID) {
        report.problems.push("timings: its run_id column is not that of runs".into());
    }
    for (name, df) in [("runs", &runs), ("summary", &summary_file), ("timings", &timings)] {
        compare_csv(dir, name, df, &mut report);
    }
    rerun(&sweep, &specs, &journalled, sample, threads, &m, &mut report);
    Ok(report)
}

/// The sweep a manifest describes, checked against its recorded identity.
fn sweep_of(dir: &Path, m: &Manifest) -> Result<crate::sweep::Sweep, String> {
    let base = Path::new(&m.base_dir);
    let toml_text = toml::to_string(&m.experiment).unwrap_or_default();
    let manifest_file = dir.join(crate::results::manifest::FILE).display().to_string();
    let sweep = expand(&m.experiment, "verify", base, true)
        .map_err(|p| locate_all(&format!("{manifest_file} [experiment]"), &toml_text, p).to_string())?;
    if let Some(why) = m.legacy_edited() {
        return Err(format!("the manifest was edited ({why})"));
    }
    if m.legacy_hash.is_none() && m.identity != format!("{:016x}", sweep.identity.hash) {
        let changed: Vec<&str> =
            sweep.identity.text.lines().filter(|l| !m.identity_text.lines().any(|r| r == *l)).collect();
        let data = changed.iter().any(|l| l.contains(".contents="));
        return Err(if data {
            format!(
                "a file the results depend on has changed since they were written ({}): verify with the data they \
                 were written from",
                changed.join(", ")
            )
        } else {
            format!(
                "the manifest's experiment does not match its recorded identity: the manifest was edited ({})",
                changed.join(", ")
            )
        });
    }
    Ok(sweep)
}

/// The runs table must hold exactly the directory's runs, in order, each once (a prefix-free
/// subset in order while unfinished).
fn check_row_set(runs: &DataFrame, specs: &[RunSpec], finished: bool, report: &mut Report) {
    let Some(ids) = schema::cells(runs, RUN_ID) else {
        report.problems.push("runs: no run_id column".into());
        return;
    };
    let position: HashMap<&str, usize> = specs.iter().map(|s| (s.run_id.as_str(), s.index)).collect();
    let mut last: Option<usize> = None;
    for id in &ids {
        match position.get(id.text.as_str()) {
            None => report.problems.push(format!("runs: run {} is not a run of this experiment", id.text)),
            Some(&p) if last.is_some_and(|l| p <= l) => {
                report.problems.push(format!("runs: run {} is out of order or repeated", id.text))
            }
            Some(&p) => last = Some(p),
        }
    }
    if finished && ids.len() != specs.len() {
        report.problems.push(format!("runs: {} rows, but the finished work has {} runs", ids.len(), specs.len()));
    }
}

/// The positions (in `0..n`, ascending) of the `k` runs that `--sample k` re-runs in a directory
/// of identity `identity`: a shuffle seeded by the identity, so the same directory gives the same
/// sample every time.
pub fn sample(n: usize, k: usize, identity: &str) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..n).collect();
    positions.shuffle(&mut Pcg64Mcg::seed_from_u64(crate::rng::fnv1a(identity.as_bytes())));
    positions.truncate(k);
    positions.sort_unstable();
    positions
}

/// Re-run the journalled runs (or a repeatable sample of them) and compare every column.
fn rerun(
    sweep: &crate::sweep::Sweep,
    specs: &[RunSpec],
    journalled: &[RunResult],
    sample: Option<usize>,
    threads: usize,
    m: &Manifest,
    report: &mut Report,
) {
    let by_id: HashMap<&str, &RunSpec> = specs.iter().map(|s| (s.run_id.as_str(), s)).collect();
    let mut chosen: Vec<&RunResult> = journalled.iter().filter(|r| by_id.contains_key(r.run_id.as_str())).collect();
    if let Some(k) = sample {
        let key = m.legacy_hash.as_deref().unwrap_or(&m.identity);
        chosen = self::sample(chosen.len(), k, key).into_iter().map(|i| chosen[i]).collect();
    }
    let todo: Vec<RunSpec> = chosen.iter().map(|r| by_id[r.run_id.as_str()].clone()).collect();
    let again = driver::execute_in_memory(&sweep.configs, &todo, threads);
    report.rerun = again.len();
    let recorded: Vec<RunResult> = chosen.into_iter().cloned().collect();
    let names: Vec<String> = recorded.iter().map(|r| r.run_id.clone()).collect();
    match (schema::runs(&recorded), schema::runs(&again)) {
        (Ok(a), Ok(b)) => compare_frames("rerun", &a, &b, &names, report),
        (Err(e), _) | (_, Err(e)) => report.problems.push(format!("re-running: {e}")),
    }
}
