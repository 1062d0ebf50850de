//! `harness check`: the accuracy regression gate.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cli::CheckArgs;
use crate::sweep::manifest::git_commit;
use crate::sweep::output::failures;
use crate::sweep::regression::{Z, compare};
use crate::sweep::{baseline, driver, tables};

use super::sweep::load_sweep;

pub fn main(args: &CheckArgs) -> Result<ExitCode> {
    let sweep = load_sweep(&args.experiment, true)?;
    let runs = sweep.runs();
    let threads = crate::sweep::driver::threads(args.threads);
    eprintln!(
        "check {}: {} cases x {} replicates = {} runs on {threads} thread(s)",
        sweep.name,
        sweep.configs.len(),
        sweep.replicates,
        runs.len()
    );
    let start = Instant::now();
    let records = driver::execute_in_memory(&sweep.configs, &runs, threads);
    eprintln!("ran in {:.1} s", start.elapsed().as_secs_f64());
    for (msg, n) in failures(&records) {
        eprintln!("  {n} run(s) failed: {msg}");
    }
    let runs_df = tables::runs(&records)?;
    let summary = tables::summary(&runs_df, &tables::param_names(&records))?;
    let now = baseline::cases(&sweep, &summary)?;

    if args.update_baseline {
        let commit = git_commit();
        let df = baseline::frame(&now, commit)?;
        if let Some(dir) = args.baseline.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let bytes = tables::encode(&df, tables::Format::Csv)?;
        tables::write_atomic(&args.baseline, &bytes).with_context(|| format!("writing {}", args.baseline.display()))?;
        let (_, table) = compare(&now, &now);
        print!("{table}");
        println!("baseline rewritten: {} ({} cases, commit {commit})", args.baseline.display(), now.len());
        return Ok(ExitCode::SUCCESS);
    }

    let base = baseline::read(&args.baseline).with_context(|| {
        format!("reading the baseline {} (create it with --update-baseline)", args.baseline.display())
    })?;
    let (verdicts, table) = compare(&base, &now);
    println!(
        "mean test accuracy against {} (fail when below the baseline by more than {Z} combined standard errors):",
        args.baseline.display()
    );
    print!("{table}");
    let failed: Vec<&str> = verdicts.iter().filter(|(_, v)| v.fails()).map(|(c, _)| c.as_str()).collect();
    if failed.is_empty() {
        println!("check passed: {} case(s), none below its baseline", verdicts.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("check FAILED: {} case(s) regressed or missing: {}", failed.len(), failed.join("; "));
        Ok(ExitCode::FAILURE)
    }
}
