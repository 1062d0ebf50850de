//! `harness race`: check the race file, race into the results directory, print the races and the
//! validated elites.

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use std::time::Duration;

use anyhow::{Result, bail};

use super::interrupt_flag;
use crate::cli::{RaceArgs, RaceTaskArgs};
use crate::cluster::scheduler::Slurm;
use crate::progress::Terminal;
use crate::race::cluster::Settings;
use crate::race::runner::{self, Options};
use crate::results::Policy;
use crate::results::schema::{RACE_MEAN, SEEDS};
use crate::results::summary::{ranked, rows};
use crate::work::{Ended, driver};

pub fn main(args: &RaceArgs) -> Result<ExitCode> {
    let threads = driver::threads(args.threads).map_err(anyhow::Error::msg)?;
    let plan = crate::race::load(&args.experiment, args.yes, args.seed)?;
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    let s = &plan.settings;
    eprintln!("{}", plan.describe(threads));
    let options = Options {
        out: args.out.clone(),
        threads,
        policy: Policy { force: args.force, allow_other_build: args.allow_other_build },
    };
    let stop = interrupt_flag("finishing the runs in flight, then writing the tables of what finished");
    let ended = if args.slurm {
        let (settings, slurm) = cluster_settings(args, &plan)?;
        let (ended, account, _) = crate::race::cluster::run(
            &plan,
            &args.experiment,
            &options,
            (settings, slurm),
            &stop,
            &Terminal::default(),
        );
        eprintln!("cluster: {}", account.describe());
        ended?
    } else {
        runner::run(&plan, &args.experiment, &options, &stop, &Terminal::default())?
    };
    let f = match ended {
        Ended::Finished(f) => f,
        Ended::Stopped(s) if stop.load(Ordering::SeqCst) => {
            let jobs =
                if args.slurm { " (the jobs in the queue go on; a resumed race takes their results)" } else { "" };
            eprintln!("interrupted: {}; run the same command again to resume{jobs}", s.describe());
            return Ok(ExitCode::from(130));
        }
        Ended::Stopped(s) => return Err(anyhow::anyhow!("{}: the race stopped early", s.describe())),
    };
    let h = &f.what.history;
    let mut table =
        vec![["iteration", "candidates", "elites in", "runs", "seeds", "stopped because"].map(String::from).to_vec()];
    for it in &h.iterations {
        let seeds = it.trace.last().map_or(0, |t| t.task);
        table.push(vec![
            it.index.to_string(),
            it.raced.len().to_string(),
            it.elites_in.to_string(),
            it.used.to_string(),
            seeds.to_string(),
            it.stop.to_string(),
        ]);
    }
    println!("{} races, {} of {} runs ({}):", h.iterations.len(), h.used, s.budget, h.stop);
    print!("{}", crate::text::table(&table));
    if let Some(line) = h.screening() {
        println!("{line}");
    }
    if !f.failures.is_empty() {
        eprintln!("failed runs:");
        for (msg, n) in &f.failures {
            eprintln!("  {n} x {msg}");
        }
    }
    let names = plan.space.names();
    let elites = ranked(rows(&f.what.tables.summary, &names));
    let race_rows = rows(&f.what.tables.race, &[RACE_MEAN.to_string(), SEEDS.to_string()]);
    let mut header = vec!["rank".to_string(), "config_id".to_string()];
    header.extend(names.iter().cloned());
    header.extend(["race mean (seeds)".into(), "validated mean".into(), "95% CI".into(), "n".into()]);
    let mut out = vec![header];
    for (i, e) in elites.iter().enumerate() {
        let race = race_rows.iter().find(|r| r.config_id == e.config_id);
        let race_mean = race.map_or("-".into(), |r| format!("{} ({})", r.shown[0].shown(), r.shown[1].shown()));
        let mut line = vec![(i + 1).to_string(), e.config_id.clone()];
        line.extend(e.shown.iter().map(|c| c.shown()));
        line.push(race_mean);
        line.push(e.mean.map_or("-".into(), |m| format!("{m:.4}")));
        line.push(e.ci95.map_or("-".into(), |(lo, hi)| format!("[{lo:.4}, {hi:.4}]")));
        line.push(e.replicates.to_string());
        out.push(line);
    }
    println!(
        "final elites, validated on {} fresh seeds (the race's own means are biased upward by selection):",
        s.validation_replicates
    );
    print!("{}", crate::text::table(&out));
    println!("results: {}/{{runs,race,summary,timings}}.{{parquet,csv}}, manifest.toml", f.out.display());
    eprintln!(
        "ran {} runs ({} from the journal) in {:.1} s",
        f.ran,
        f.what.tables.runs.height().saturating_sub(f.ran),
        f.elapsed_s
    );
    if args.report {
        super::write_report(&f.out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--slurm`'s settings, checked (values that go into `#SBATCH` lines, the binary the tasks run).
fn cluster_settings(args: &RaceArgs, plan: &crate::race::Plan) -> Result<(Settings, Slurm)> {
    let harness = match &args.harness {
        Some(h) => h.clone(),
        None => std::env::current_exe()?.canonicalize()?.display().to_string(),
    };
    let problems = crate::cluster::slurm::problems(
        args.partition.as_deref(),
        args.time.as_deref(),
        &plan.name,
        &[("--harness", &harness)],
    );
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    // A poll of 0 would ask squeue without pause.
    for (name, v, least) in [("--task-seconds", args.task_seconds, 0.0), ("--poll", args.poll, 0.05)] {
        if !(v.is_finite() && (least..=86_400.0).contains(&v)) {
            bail!("{name} {v}: give seconds between {least} and 86400");
        }
    }
    let settings = Settings {
        max_tasks: args.max_tasks as usize,
        task_seconds: args.task_seconds,
        cpus_per_task: args.cpus_per_task as usize,
        poll: Duration::from_secs_f64(args.poll),
        attempts: 3,
    };
    let slurm = Slurm {
        name: plan.name.clone(),
        harness,
        cpus_per_task: args.cpus_per_task as usize,
        partition: args.partition.clone(),
        time: args.time.clone(),
    };
    Ok((settings, slurm))
}

/// `harness race-task`: one array task of a race batch.
pub fn task(args: &RaceTaskArgs) -> Result<ExitCode> {
    let threads = driver::threads(args.threads).map_err(anyhow::Error::msg)?;
    let task = match args.task.as_str() {
        "auto" => {
            let v = std::env::var("SLURM_ARRAY_TASK_ID")
                .map_err(|_| anyhow::anyhow!("--task auto: SLURM_ARRAY_TASK_ID is not set; give --task N"))?;
            v.trim().parse::<usize>().map_err(|_| anyhow::anyhow!("SLURM_ARRAY_TASK_ID={v:?} is not a task number"))?
        }
        n => n.parse::<usize>().map_err(|_| anyhow::anyhow!("--task {n:?}: give a task number or `auto`"))?,
    };
    let stop = interrupt_flag("finishing the runs in flight; the task's journal keeps them");
    let done = crate::cluster::batch::run_task(&args.dir, task, threads, &stop)?;
    eprintln!("task {task}: {} of its {} runs run now, in {:.1} s", done.ran, done.runs, done.wall_s);
    if !done.complete {
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}
