//! `harness merge`: the shards of one sweep into the tables of the whole.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::MergeArgs;
use crate::results::merge::merge;
use crate::results::summary::top_table;
use crate::work::axes;

pub fn main(args: &MergeArgs) -> Result<ExitCode> {
    let m = merge(&args.dirs, args.out.as_deref(), args.allow_other_build, crate::sweep::runner::shard_checker())?;
    eprintln!(
        "merged {} shard(s): {} of {} runs -> {}",
        args.dirs.len(),
        m.done,
        m.manifest.sweep_runs,
        m.out.display()
    );
    if !m.manifest.other_builds.is_empty() {
        eprintln!("note: the shards come from several builds: {}", m.manifest.other_builds.join("; "));
    }
    print!("{}", top_table(&m.tables.summary, &axes::names(&m.manifest.experiment), 5));
    if !m.complete() {
        eprintln!("incomplete: {} runs are missing; run the missing shards, then merge again", m.missing());
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
