//! `harness merge`: the shards of one sweep into the tables of the whole.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::MergeArgs;
use crate::sweep::journal::{self, Journal, Record};
use crate::sweep::manifest::{self, Manifest};
use crate::sweep::output::{Tables, top_table};

pub fn main(args: &MergeArgs) -> Result<ExitCode> {
    let mut first: Option<Manifest> = None;
    let mut by_index: BTreeMap<usize, Record> = BTreeMap::new();
    for dir in &args.dirs {
        let Some(m) = Manifest::read(dir)? else {
            bail!("{}: no {} here: not a harness results directory", dir.display(), manifest::FILE);
        };
        if m.format != manifest::FORMAT {
            bail!("{}: results format {} (this harness reads {})", dir.display(), m.format, manifest::FORMAT);
        }
        if let Some(f) = &first
            && f.experiment_hash != m.experiment_hash
        {
            bail!(
                "{}: results of experiment {} ({}), but {} holds experiment {} ({}): only shards of one sweep merge",
                dir.display(),
                m.experiment_hash,
                m.experiment_file,
                args.dirs[0].display(),
                f.experiment_hash,
                f.experiment_file
            );
        }
        for r in journal::read(&dir.join(journal::FILE))?.records {
            match by_index.get(&r.index) {
                Some(old) if old.run_id != r.run_id || old.test_accuracy != r.test_accuracy || old.error != r.error => {
                    bail!("run {} differs between shards (position {}): the shards disagree", r.run_id, r.index)
                }
                Some(_) => {}
                None => {
                    by_index.insert(r.index, r);
                }
            }
        }
        first.get_or_insert(m);
    }
    let m = first.expect("at least one directory");
    let records: Vec<Record> = by_index.into_values().collect();
    let name = m.experiment.name.clone().unwrap_or_else(|| "merged".into());
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&name));
    if out.join(journal::FILE).exists() {
        bail!("{}: already holds results; choose another --out", out.display());
    }
    std::fs::create_dir_all(&out)?;
    let (mut j, _) = Journal::open(&out.join(journal::FILE))?;
    for r in &records {
        j.append(r)?;
    }
    let tables = Tables::build(&records)?;
    tables.write(&out)?;
    let complete = records.len() == m.sweep_runs;
    let merged = Manifest {
        shard: None,
        runs: m.sweep_runs,
        runs_done: records.len(),
        runs_failed: records.iter().filter(|r| r.error.is_some()).count(),
        finished: complete.then(manifest::now_utc),
        command_line: std::env::args().collect(),
        ..m
    };
    crate::sweep::tables::write_atomic(&out.join(manifest::FILE), merged.to_toml().as_bytes())?;
    eprintln!("merged {} shard(s): {} of {} runs -> {}", args.dirs.len(), records.len(), m.sweep_runs, out.display());
    let axes: Vec<String> = merged
        .experiment
        .grid
        .iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .chain(merged.experiment.random.iter().flatten().filter(|(k, _)| *k != "trials").map(|(k, _)| k.clone()))
        .collect();
    print!("{}", top_table(&tables.summary, &axes, 5));
    if !complete {
        eprintln!(
            "incomplete: {} runs are missing; run the missing shards, then merge again",
            m.sweep_runs - records.len()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
