//! `harness slurm`: write the job-array scripts of a sweep.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Result, bail};

use crate::cli::SlurmArgs;
use crate::cluster::slurm::{Plan, chunks, parse_max_array_size};
use crate::fsio;

pub fn main(args: &SlurmArgs) -> Result<ExitCode> {
    let sweep = crate::sweep::load(&args.experiment, true)?;
    let runs = sweep.configs.len() * sweep.replicates as usize;
    let shards = args.shards as usize;
    if shards > runs {
        eprintln!("note: {shards} shards for {runs} runs: {} shard(s) will have nothing to do", shards - runs);
    }
    let max_array_size = match args.max_array_size {
        Some(m) => m as usize,
        None => Command::new("scontrol")
            .args(["show", "config"])
            .output()
            .ok()
            .and_then(|o| parse_max_array_size(&String::from_utf8_lossy(&o.stdout)))
            .unwrap_or_else(|| {
                eprintln!(
                    "note: MaxArraySize not readable from `scontrol show config`; assuming 1001 (set --max-array-size)"
                );
                1001
            }),
    };
    let harness = match &args.harness {
        Some(h) => h.clone(),
        None => std::env::current_exe()?.canonicalize()?.display().to_string(),
    };
    let plan = Plan {
        experiment: args.experiment.display().to_string(),
        name: sweep.name.clone(),
        shards,
        parallel: args.parallel.map(|p| p as usize),
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task as usize,
        max_array_size,
        harness,
    };
    let problems = plan.problems();
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("slurm").join(&sweep.name));
    fsio::create_dir_all(&dir)?;
    let d = dir.display().to_string();
    for (name, text) in [
        ("array.sbatch", plan.array_script()),
        ("merge.sbatch", plan.merge_script()),
        ("submit.sh", plan.submit_script(&d)),
    ] {
        fsio::write_atomic(&dir.join(name), text.as_bytes())?;
    }
    let arrays = chunks(shards, max_array_size).len();
    println!(
        "sweep {}: {runs} runs in {shards} shards ({arrays} job array(s), MaxArraySize {max_array_size}) -> \
         {d}/{{array.sbatch,merge.sbatch,submit.sh}}",
        sweep.name
    );
    println!("submit with:  bash {d}/submit.sh");
    println!("follow with:  harness status results/{}/shard-*", sweep.name);
    Ok(ExitCode::SUCCESS)
}
