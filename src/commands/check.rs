//! `harness check`: the accuracy regression gate.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::cli::CheckArgs;
use crate::regression::{Z, baseline, cases, compare};
use crate::results::cells::failures;
use crate::results::manifest::git_commit;
use crate::sweep;
use crate::work::driver;

pub fn main(args: &CheckArgs) -> Result<ExitCode> {
    let threads = driver::threads(args.threads).map_err(anyhow::Error::msg)?;
    let sweep = sweep::load(&args.experiment, true)?;
    // A damaged baseline stops the gate before anything runs.
    let base = if args.update_baseline { None } else { Some(baseline::read(&args.baseline)?) };
    let runs = sweep.runs();
    eprintln!(
        "check {}: {} cases x {} replicates = {} runs on {threads} thread(s)",
        sweep.name,
        sweep.configs.len(),
        sweep.replicates,
        runs.len()
    );
    let start = Instant::now();
    let results = driver::execute_in_memory(&sweep.configs, &runs, threads);
    eprintln!("ran in {:.1} s", start.elapsed().as_secs_f64());
    for (msg, n) in failures(&results) {
        eprintln!("  {n} run(s) failed: {msg}");
    }
    let now = cases(&sweep, &results);

    let Some(base) = base else {
        baseline::write(&args.baseline, &now, git_commit())?;
        let (_, table) = compare(&now, &now);
        print!("{table}");
        println!("baseline rewritten: {} ({} cases, commit {})", args.baseline.display(), now.len(), git_commit());
        return Ok(ExitCode::SUCCESS);
    };
    let (verdicts, table) = compare(&base, &now);
    println!(
        "mean test accuracy against {} (fail when below the baseline by more than {Z} combined standard errors, or \
         when evidence is missing):",
        args.baseline.display()
    );
    print!("{table}");
    let failed: Vec<&str> = verdicts.iter().filter(|(_, v)| v.fails()).map(|(c, _)| c.as_str()).collect();
    if failed.is_empty() {
        println!("check passed: {} case(s), none below its baseline", verdicts.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "check FAILED: {} case(s) regressed, missing or without evidence: {}",
            failed.len(),
            failed.join("; ")
        );
        Ok(ExitCode::FAILURE)
    }
}
