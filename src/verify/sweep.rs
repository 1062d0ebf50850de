//! Verifying a sweep's directory (see the module doc of [`super`]).

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use super::{Report, VerifyError, check_files, compare_frames, identity_problem, read_table, refused, rerun};
use crate::config::locate_all;
use crate::results::journal;
use crate::results::manifest::Manifest;
use crate::results::schema::{self, RUN_ID, table};
use crate::results::{ResultsError, summary};
use crate::sweep::{Shard, expand};
use crate::work::RunSpec;

pub(super) fn verify(
    dir: &Path,
    m: &Manifest,
    sample: Option<usize>,
    threads: usize,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let sweep = sweep_of(dir, m).map_err(|e| refused(dir, e))?;
    let shard = m.shard.as_deref().map(Shard::parse).transpose().map_err(|e| refused(dir, e))?;
    let specs: Vec<RunSpec> = sweep.runs().into_iter().filter(|s| shard.is_none_or(|sh| sh.holds(s.index))).collect();
    let journalled = journal::read(&dir.join(journal::FILE)).map_err(ResultsError::from)?.results;
    let runs = read_table(dir, table::RUNS)?;
    report.rows = runs.height();
    check_row_set(&runs, &specs, m.finished.is_some(), report);
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    let rebuilt = schema::runs(&journalled).map_err(|e| refused(dir, e.to_string()))?;
    compare_frames(table::RUNS, &runs, &rebuilt, &names, report);
    let summary_now = summary::frame(&journalled).map_err(|e| refused(dir, e.to_string()))?;
    let summary_file = read_table(dir, table::SUMMARY)?;
    compare_frames(table::SUMMARY, &summary_file, &summary_now, &config_names(&summary_now), report);
    check_files(dir, &[(table::RUNS, &runs), (table::SUMMARY, &summary_file)], report)?;
    let by_id: HashMap<&str, &RunSpec> = specs.iter().map(|s| (s.run_id.as_str(), s)).collect();
    let key = m.legacy_hash.as_deref().unwrap_or(&m.identity);
    rerun(
        &sweep.configs,
        &journalled,
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
        return Err(identity_problem(&m.identity_text, &sweep.identity.text));
    }
    Ok(sweep)
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
