//! `harness sweep`: expand and check the sweep, open its results directory, run what is pending,
//! print the best configurations.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, anyhow};

use super::{interrupt_flag, say_notes};
use crate::cli::SweepArgs;
use crate::progress::Terminal;
use crate::results::Policy;
use crate::results::reader::Reader;
use crate::results::schema::table;
use crate::results::summary::top_table;
use crate::sweep::runner::{self, Options};
use crate::sweep::{self, Shard};
use crate::work::{Ended, Stopped, driver};

/// A stopped sweep: the best configurations so far (read back from the tables it wrote), and exit
/// 130 after Ctrl-C (an error when it stopped otherwise).
fn stopped(s: &Stopped, interrupted: bool, axes: &[String]) -> Result<ExitCode> {
    if s.ran > 0 {
        eprintln!("ran {} runs in {:.2} s ({:.1} runs/s)", s.ran, s.elapsed_s, s.ran as f64 / s.elapsed_s);
    }
    let summary = Reader::open(&s.out)?.table(table::SUMMARY)?;
    println!("best configurations by mean test accuracy so far:");
    print!("{}", top_table(&summary, axes, 5));
    println!("results: {}/{{runs,summary,timings}}.{{parquet,csv}}, manifest.toml", s.out.display());
    if !interrupted {
        return Err(anyhow!("{}: the sweep stopped early", s.describe()));
    }
    eprintln!("interrupted: {}; run the same command again to resume", s.describe());
    Ok(ExitCode::from(130))
}

pub fn main(args: &SweepArgs) -> Result<ExitCode> {
    let threads = driver::threads(args.threads).map_err(anyhow::Error::msg)?;
    let shard = Shard::from_arg(args.shard.as_deref(), |k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?;
    let sweep = sweep::load_with_seed(&args.experiment, args.yes, args.seed)?;
    for w in sweep.warnings() {
        eprintln!("warning: {w}");
    }
    let policy = Policy { force: args.force, allow_other_build: args.allow_other_build };
    let options = Options { out: args.out.clone(), threads, shard, policy };
    let prepared = runner::prepare(&sweep, &args.experiment, &options)?;
    say_notes(&prepared.notes);
    eprintln!("{}", prepared.describe());
    if sweep.duplicates > 0 {
        eprintln!("note: {} configurations repeated an earlier one's parameters and were merged", sweep.duplicates);
    }
    let stop: Arc<AtomicBool> = interrupt_flag("finishing the runs in flight, then writing tables");
    let f = match prepared.run(&stop, &Terminal::default())? {
        Ended::Finished(f) => f,
        Ended::Stopped(s) => return stopped(&s, stop.load(Ordering::SeqCst), &sweep.axes),
    };
    if f.ran > 0 {
        eprintln!("ran {} runs in {:.2} s ({:.1} runs/s)", f.ran, f.elapsed_s, f.ran as f64 / f.elapsed_s);
    }
    if f.what.failed > 0 {
        eprintln!("{} run(s) failed:", f.what.failed);
        for (msg, n) in &f.failures {
            eprintln!("  {n} x {msg}");
        }
    }
    let n = sweep.configs.len();
    println!("best configurations by mean test accuracy ({} of {n}):", n.min(5));
    print!("{}", top_table(&f.what.tables.summary, &sweep.axes, 5));
    println!("results: {}/{{runs,summary,timings}}.{{parquet,csv}}, manifest.toml", f.out.display());
    if args.report {
        super::write_report(&f.out)?;
    }
    Ok(ExitCode::SUCCESS)
}
