//! `harness status`: how far results directories are.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::StatusArgs;
use crate::sweep::journal;
use crate::sweep::manifest::{Manifest, Probe};

pub fn main(args: &StatusArgs) -> Result<ExitCode> {
    let mut rows = vec![[
        "directory".to_string(),
        "shard".into(),
        "done".into(),
        "failed".into(),
        "pending".into(),
        "state".into(),
    ]];
    let (mut done, mut failed, mut pending, mut sweep_runs) = (0, 0, 0, None);
    for dir in &args.dirs {
        let records = journal::read(&dir.join(journal::FILE))?;
        let n_done = records.records.len();
        let n_failed = records.records.iter().filter(|r| r.error.is_some()).count();
        let (shard, runs, state) = match Manifest::probe(dir)? {
            Probe::Ours(m) => {
                sweep_runs = Some(m.sweep_runs);
                let state = if m.finished.is_some() && n_done == m.runs { "finished" } else { "incomplete" };
                (m.shard.clone().unwrap_or_else(|| "whole".into()), Some(m.runs), state.to_string())
            }
            Probe::Missing => ("?".into(), None, "not started".into()),
            Probe::Foreign(why) => ("?".into(), None, why),
        };
        let n_pending = runs.map(|r| r.saturating_sub(n_done));
        done += n_done;
        failed += n_failed;
        pending += n_pending.unwrap_or(0);
        rows.push([
            dir.display().to_string(),
            shard,
            n_done.to_string(),
            n_failed.to_string(),
            n_pending.map_or("?".into(), |p| p.to_string()),
            state,
        ]);
    }
    rows.push([
        "total".into(),
        String::new(),
        done.to_string(),
        failed.to_string(),
        pending.to_string(),
        String::new(),
    ]);
    print!("{}", crate::text::table(&rows));
    if let Some(total) = sweep_runs {
        println!("{done} of {total} runs of the sweep done in these directories ({failed} failed)");
    }
    Ok(ExitCode::SUCCESS)
}
