//! `harness verify`: re-run recorded runs from the manifest and check the whole results directory.
//!
//! What passes is checked to the bit, not sampled by metric:
//! 1. the manifest: a format 2 identity recomputed from its experiment and the data as it is now
//!    (an edited manifest, or a data file changed since, is named), a format 1 experiment hash;
//! 2. the row set: `runs` holds exactly the work's runs, in order, once each (all of them when
//!    the manifest says finished); a race's are the runs its decisions ask for, replayed from the
//!    journal (`race`);
//! 3. every cell of every row of `runs` against the table rebuilt from the journal, and every
//!    cell of `summary` (and a race's `race` table) against its recomputation;
//! 4. each CSV file against its Parquet twin;
//! 5. every run re-run (or `--sample K` of them, chosen repeatably), every column compared.

mod race;
mod sweep;

use std::path::Path;

use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

use crate::fsio;
use crate::results::ResultsError;
use crate::results::cells::cells;
use crate::results::journal::RunResult;
use crate::results::reader::Reader;
use crate::results::schema::{self, RUN_ID, table};
use crate::results::tables::{Format, encode};
use crate::study::Study;
use crate::work::{Config, RunSpec, driver};

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
pub(crate) fn compare_frames(
    table: &str,
    recorded: &DataFrame,
    expected: &DataFrame,
    names: &[String],
    report: &mut Report,
) {
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
pub(crate) fn compare_csv(dir: &Path, name: &str, df: &DataFrame, report: &mut Report) {
    let path = dir.join(format!("{name}.csv"));
    match (fsio::read_own(&path, fsio::Limit::LARGE), encode(df, Format::Csv)) {
        (Ok(bytes), Ok(want)) if bytes == want => {}
        (Ok(_), Ok(_)) => report.problems.push(format!("{}: differs from {name}.parquet", path.display())),
        (Err(e), _) => report.problems.push(e.to_string()),
        (_, Err(e)) => report.problems.push(format!("{name}.parquet: {e}")),
    }
}

pub(crate) fn read_table(reader: &Reader, name: &str) -> Result<DataFrame, VerifyError> {
    reader.table(name).map_err(|e| VerifyError::Results(e.into()))
}

/// Verify the results directory `dir`, re-running `sample` of its runs (all when `None`).
pub fn verify(dir: &Path, sample: Option<usize>, threads: usize) -> Result<Report, VerifyError> {
    if sample == Some(0) {
        return Err(refused(
            dir,
            "--sample 0 re-runs nothing: give at least 1 (or leave it out to re-run every run)".into(),
        ));
    }
    let reader = Reader::open(dir)?;
    let m = &reader.manifest;
    let mut report = Report { other_build: (!m.written_by_this_build()).then(|| m.build()), ..Default::default() };
    let journal = reader.journal()?;
    match Study::of(&reader, &journal).map_err(|e| refused(dir, e.to_string()))? {
        Study::Sweep(s) => sweep::verify(&reader, &s, &journal, sample, threads, &mut report)?,
        Study::Race(r) => race::verify(&reader, &r, &journal, sample, threads, &mut report)?,
    }
    Ok(report)
}

pub(crate) fn refused(dir: &Path, message: String) -> VerifyError {
    VerifyError::Refused { dir: dir.display().to_string(), message }
}

/// The runs table's checks shared by every kind: `timings` holds the same runs, and every table's
/// CSV is its Parquet twin.
pub(crate) fn check_files(
    reader: &Reader,
    tables: &[(&str, &DataFrame)],
    report: &mut Report,
) -> Result<(), VerifyError> {
    let dir = reader.dir();
    let timings = read_table(reader, table::TIMINGS)?;
    let runs = tables.iter().find(|(n, _)| *n == table::RUNS).map(|(_, d)| *d);
    if runs.is_some_and(|r| cells(&timings, RUN_ID) != cells(r, RUN_ID)) {
        report.problems.push("timings: its run_id column is not that of runs".into());
    }
    for (name, df) in tables.iter().copied().chain([(table::TIMINGS, &timings)]) {
        compare_csv(dir, name, df, report);
    }
    Ok(())
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

/// Re-run the journalled runs (or a repeatable sample of them, keyed by `key`) and compare every
/// column; `spec_of` gives a recorded run's spec (`None`: not a run of this work, named as a
/// problem: every journalled run is re-run or named).
pub(crate) fn rerun(
    configs: &[Config],
    journalled: &[RunResult],
    spec_of: impl Fn(&RunResult) -> Option<RunSpec>,
    sample: Option<usize>,
    key: &str,
    threads: usize,
    report: &mut Report,
) {
    let (mut chosen, strays): (Vec<&RunResult>, Vec<&RunResult>) =
        journalled.iter().partition(|r| spec_of(r).is_some());
    for r in strays {
        report.problems.push(format!(
            "journal: run {} (position {}) is not a run this work asks for, so it cannot be re-run",
            r.run_id, r.index
        ));
    }
    if let Some(k) = sample {
        chosen = self::sample(chosen.len(), k, key).into_iter().map(|i| chosen[i]).collect();
    }
    let todo: Vec<RunSpec> = chosen.iter().filter_map(|r| spec_of(r)).collect();
    let again = driver::execute_in_memory(configs, &todo, threads);
    report.rerun = again.len();
    let recorded: Vec<RunResult> = chosen.into_iter().cloned().collect();
    let names: Vec<String> = recorded.iter().map(|r| r.run_id.clone()).collect();
    match (schema::runs(&recorded), schema::runs(&again)) {
        (Ok(a), Ok(b)) => compare_frames("rerun", &a, &b, &names, report),
        (Err(e), _) | (_, Err(e)) => report.problems.push(format!("re-running: {e}")),
    }
}
