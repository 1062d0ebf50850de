//! Verifying a race's directory: the race is replayed from its journal (the decisions taken again
//! on the recorded results; no run is run for it), which must ask for exactly the journalled runs,
//! in order; the `runs`, `race` and `summary` tables must equal those the replay makes; then the
//! runs are re-run (or a sample of them) and compared (see the module doc of [`super`]).

use std::collections::HashMap;

use super::sweep::config_names;
use super::{Report, VerifyError, check_files, compare_frames, read_table, refused, rerun};
use crate::race::tables::RaceTables;
use crate::results::journal::RunResult;
use crate::results::reader::Reader;
use crate::results::schema::{CONFIG_ID, table};
use crate::study::RaceStudy;
use crate::work::RunSpec;

pub(super) fn verify(
    reader: &Reader,
    race: &RaceStudy,
    journalled: &[RunResult],
    sample: Option<usize>,
    threads: usize,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let (dir, m) = (reader.dir(), &reader.manifest);
    let RaceStudy { raced, asked, .. } = race;
    if journalled.len() != asked.len() {
        report.problems.push(format!("the journal holds {} runs, the race asks for {}", journalled.len(), asked.len()));
    }
    let tables = RaceTables::build(journalled, &raced.history, &raced.configs, &raced.validation)
        .map_err(|e| refused(dir, e.to_string()))?;
    let runs = read_table(reader, table::RUNS)?;
    report.rows = runs.height();
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    compare_frames(table::RUNS, &runs, &tables.runs, &names, report);
    let race = read_table(reader, table::RACE)?;
    let candidates: Vec<String> = crate::results::cells::cells(&tables.race, CONFIG_ID)
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("candidate {}", c.text))
        .collect();
    compare_frames(table::RACE, &race, &tables.race, &candidates, report);
    let summary = read_table(reader, table::SUMMARY)?;
    compare_frames(table::SUMMARY, &summary, &tables.summary, &config_names(&tables.summary), report);
    check_files(reader, &[(table::RUNS, &runs), (table::RACE, &race), (table::SUMMARY, &summary)], report)?;
    // Re-run what the race asked for at each position (the replay checked the line is that run).
    let asked: HashMap<usize, &RunSpec> = asked.iter().map(|s| (s.index, s)).collect();
    let spec_of = |r: &RunResult| asked.get(&r.index).map(|s| (*s).clone());
    rerun(&raced.configs, journalled, spec_of, sample, &m.identity, threads, report);
    Ok(())
}
