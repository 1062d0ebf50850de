//! Verifying a race's directory: the race is replayed from its journal (the decisions taken again
//! on the recorded results; no run is run for it), which must ask for exactly the journalled runs,
//! in order; the `runs`, `race` and `summary` tables must equal those the replay makes; then the
//! runs are re-run (or a sample of them) and compared (see the module doc of [`super`]).

use std::collections::HashMap;
use std::path::Path;

use super::sweep::config_names;
use super::{Report, VerifyError, check_files, compare_frames, identity_problem, read_table, refused, rerun};
use crate::race::runner::replay;
use crate::race::tables::RaceTables;
use crate::results::ResultsError;
use crate::results::journal::{self, RunResult};
use crate::results::manifest::Manifest;
use crate::results::schema::{CONFIG_ID, table};
use crate::work::RunSpec;

pub(super) fn verify(
    dir: &Path,
    m: &Manifest,
    sample: Option<usize>,
    threads: usize,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let plan = crate::race::plan(&m.experiment, "verify", Path::new(&m.base_dir), true).map_err(|ps| {
        refused(dir, ps.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("; "))
    })?;
    if m.identity != format!("{:016x}", plan.identity.hash) {
        return Err(refused(dir, identity_problem(&m.identity_text, &plan.identity.text)));
    }
    let journalled = journal::read(&dir.join(journal::FILE)).map_err(ResultsError::from)?.results;
    let by_index: HashMap<usize, RunResult> = journalled.iter().map(|r| (r.index, r.clone())).collect();
    let (raced, asked) = replay(&plan, &by_index).map_err(|e| refused(dir, e.to_string()))?;
    if journalled.len() != asked.len() {
        report.problems.push(format!("the journal holds {} runs, the race asks for {}", journalled.len(), asked.len()));
    }
    let tables = RaceTables::build(&journalled, &raced.history, &raced.configs, &raced.validation)
        .map_err(|e| refused(dir, e.to_string()))?;
    let runs = read_table(dir, table::RUNS)?;
    report.rows = runs.height();
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    compare_frames(table::RUNS, &runs, &tables.runs, &names, report);
    let race = read_table(dir, table::RACE)?;
    let candidates: Vec<String> = crate::results::cells::cells(&tables.race, CONFIG_ID)
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("candidate {}", c.text))
        .collect();
    compare_frames(table::RACE, &race, &tables.race, &candidates, report);
    let summary = read_table(dir, table::SUMMARY)?;
    compare_frames(table::SUMMARY, &summary, &tables.summary, &config_names(&tables.summary), report);
    check_files(dir, &[(table::RUNS, &runs), (table::RACE, &race), (table::SUMMARY, &summary)], report)?;
    // Re-run what the race asked for at each position (the replay checked the line is that run).
    let asked: HashMap<usize, RunSpec> = asked.into_iter().map(|s| (s.index, s)).collect();
    let spec_of = |r: &RunResult| asked.get(&r.index).cloned();
    rerun(&raced.configs, &journalled, spec_of, sample, &m.identity, threads, report);
    Ok(())
}
