//! `harness slurm`: write the job-array scripts of a sweep.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::cli::SlurmArgs;
use crate::cluster::slurm::{Plan, chunks, parse_max_array_size};

use super::sweep::load_sweep;

pub fn main(args: &SlurmArgs) -> Result<ExitCode> {
    if args.shards == 0 {
        bail!("--shards 0: give at least one shard");
    }
    let sweep = load_sweep(&args.experiment, true)?;
    let runs = sweep.runs().len();
    if args.shards > runs {
        eprintln!(
            "note: {} shards for {runs} runs: {} shard(s) will have nothing to do",
            args.shards,
            args.shards - runs
        );
    }
    let max_array_size = match args.max_array_size {
        Some(m) => m,
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
        shards: args.shards,
        parallel: args.parallel,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task.max(1),
        max_array_size,
        harness,
    };
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("slurm").join(&sweep.name));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let d = dir.display().to_string();
    for (name, text) in [
        ("array.sbatch", plan.array_script()),
        ("merge.sbatch", plan.merge_script()),
        ("submit.sh", plan.submit_script(&d)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let arrays = chunks(args.shards, max_array_size).len();
    println!(
        "sweep {}: {runs} runs in {} shards ({arrays} job array(s), MaxArraySize {max_array_size}) -> {d}/{{array.sbatch,merge.sbatch,submit.sh}}",
        sweep.name, args.shards
    );
    println!("submit with:  bash {d}/submit.sh");
    println!("follow with:  harness status results/{}/shard-*", sweep.name);
    Ok(ExitCode::SUCCESS)
}
