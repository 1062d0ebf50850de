//! Verifying a sweep's directory (see the module doc of [`super`]).

use std::collections::HashMap;

use polars::prelude::*;

use super::{Report, VerifyError, check_files, compare_frames, read_table, refused, rerun};
use crate::results::journal::RunResult;
use crate::results::reader::Reader;
use crate::results::schema::{self, RUN_ID, table};
use crate::results::summary;
use crate::sweep::{Shard, Sweep};
use crate::work::{RunSpec, driver};

pub(super) fn verify(
    reader: &Reader,
    sweep: &Sweep,
    journalled: &[RunResult],
    sample: Option<usize>,
    threads: usize,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let (dir, m) = (reader.dir(), &reader.manifest);
    let shard = m.shard.as_deref().map(Shard::parse).transpose().map_err(|e| refused(dir, e))?;
    let specs: Vec<RunSpec> = sweep.runs().into_iter().filter(|s| shard.is_none_or(|sh| sh.holds(s.index))).collect();
    // Every journal line must be the run its position asks for, sampled for re-running or not.
    let at: HashMap<usize, &RunSpec> = specs.iter().map(|s| (s.index, s)).collect();
    for r in journalled {
        if let Some(spec) = at.get(&r.index)
            && let Err(why) = driver::answers(&sweep.configs[spec.config], spec, r)
        {
            report.problems.push(format!("journal: run {} (position {}): {why}", r.run_id, r.index));
        }
    }
    let runs = read_table(reader, table::RUNS)?;
    report.rows = runs.height();
    check_row_set(&runs, &specs, m.finished.is_some(), report);
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    let rebuilt = schema::runs(journalled).map_err(|e| refused(dir, e.to_string()))?;
    compare_frames(table::RUNS, &runs, &rebuilt, &names, report);
    let summary_now = summary::frame(journalled).map_err(|e| refused(dir, e.to_string()))?;
    let summary_file = read_table(reader, table::SUMMARY)?;
    compare_frames(table::SUMMARY, &summary_file, &summary_now, &config_names(&summary_now), report);
    check_files(reader, &[(table::RUNS, &runs), (table::SUMMARY, &summary_file)], report)?;
    let by_id: HashMap<&str, &RunSpec> = specs.iter().map(|s| (s.run_id.as_str(), s)).collect();
    let key = m.legacy_hash.as_deref().unwrap_or(&m.identity);
    rerun(
        &sweep.configs,
        journalled,
        |r| by_id.get(r.run_id.as_str()).map(|s| (*s).clone()),
        sample,
        key,
        threads,
        report,
    );
    Ok(())
}

/// Row names of a summary-like table: its configurations.
pub(super) fn config_names(df: &DataFrame) -> Vec<String> {
    crate::results::cells::cells(df, schema::CONFIG_ID)
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("config {}", c.text))
        .collect()
}

/// The runs table must hold exactly the directory's runs, in order, each once (a prefix-free
/// subset in order while unfinished).
fn check_row_set(runs: &DataFrame, specs: &[RunSpec], finished: bool, report: &mut Report) {
    let Some(ids) = crate::results::cells::cells(runs, RUN_ID) else {
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
