//! `harness race`: check the race file, race into the results directory, print the races and the
//! validated elites.

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Result;

use super::interrupt_flag;
use crate::cli::RaceArgs;
use crate::progress::Terminal;
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
    let f = match runner::run(&plan, &args.experiment, &options, &stop, &Terminal::default())? {
        Ended::Finished(f) => f,
        Ended::Stopped(s) if stop.load(Ordering::SeqCst) => {
            eprintln!("interrupted: {}; run the same command again to resume", s.describe());
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
        h.used + elites.len() * s.validation_replicates - f.ran,
        f.elapsed_s
    );
    if args.report {
        super::write_report(&f.out)?;
    }
    Ok(ExitCode::SUCCESS)
}
