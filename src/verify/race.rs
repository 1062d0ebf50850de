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
use crate::results::schema::CONFIG_ID;
use crate::sweep::RunSpec;

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
    let raced = replay(&plan, &by_index).map_err(|e| refused(dir, e.to_string()))?;
    let asked = raced.history.used + raced.validation.iter().map(|(_, v)| v.len()).sum::<usize>();
    if journalled.len() != asked || journalled.iter().any(|r| r.index >= asked) {
        report.problems.push(format!("the journal holds {} runs, the race asks for {asked}", journalled.len()));
    }
    let tables = RaceTables::build(&journalled, &raced.history, &raced.configs, &raced.validation)
        .map_err(|e| refused(dir, e.to_string()))?;
    let runs = read_table(dir, "runs")?;
    report.rows = runs.height();
    let names: Vec<String> = journalled.iter().map(|r| r.run_id.clone()).collect();
    compare_frames("runs", &runs, &tables.runs, &names, report);
    let race = read_table(dir, "race")?;
    let candidates: Vec<String> = crate::results::schema::cells(&tables.race, CONFIG_ID)
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("candidate {}", c.text))
        .collect();
    compare_frames("race", &race, &tables.race, &candidates, report);
    let summary = read_table(dir, "summary")?;
    compare_frames("summary", &summary, &tables.summary, &config_names(&tables.summary), report);
    check_files(dir, &[("runs", &runs), ("race", &race), ("summary", &summary)], report)?;
    let by_config: HashMap<String, usize> = raced.configs.iter().map(|c| (c.id_hex(), c.index)).collect();
    let spec_of = |r: &RunResult| {
        let config = *by_config.get(&r.config_id)?;
        Some(RunSpec {
            index: r.index,
            config,
            replicate: r.replicate,
            seed: r.seed,
            run_id: r.run_id.clone(),
            race: r.race,
        })
    };
    rerun(&raced.configs, &journalled, spec_of, sample, &m.identity, threads, report);
    Ok(())
}
