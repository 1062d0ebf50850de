//! `harness run`: one instance, printed.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::RunArgs;
use crate::config;
use crate::plot;
use crate::run::{run_instance, schedule};
use crate::trace::{self, DEFAULT_EVERY, Trace};

pub fn main(args: &RunArgs) -> Result<ExitCode> {
    let exp = config::load_with(&args.experiment, |raw| {
        if let Some(c) = &args.checkpoints {
            raw.protocol.checkpoints = c.clone();
        }
    })
    .map_err(|mut e| {
        // What --checkpoints gave is not on a line of the file: name the option instead.
        if args.checkpoints.is_some() {
            for p in e.problems.iter_mut().filter(|p| p.key.starts_with("protocol.checkpoints")) {
                p.key = p.key.replacen("protocol.checkpoints", "--checkpoints", 1);
                p.line = None;
            }
        }
        e
    })?;
    if exp.raw.has_axes() {
        eprintln!(
            "note: {} defines sweep axes; `harness run` runs its base configuration (use `harness sweep`)",
            args.experiment.display()
        );
    }
    for w in &exp.warnings {
        eprintln!("warning: {w}");
    }
    let seed = args.seed.unwrap_or(exp.seed);
    if args.trace.is_none() && args.plots.is_none() {
        if args.record_every.is_some() {
            bail!("--record-every needs --trace DIR or --plots DIR");
        }
        let start = Instant::now();
        let outcome = run_instance(&exp, seed, &mut ())?;
        print!("{}", crate::run::describe(&exp, &outcome, start.elapsed().as_secs_f64()));
        return Ok(ExitCode::SUCCESS);
    }
    // Traced: the same run (the observer only reads the state), then tables and figures; where
    // they go is checked before the run, and so is the trace's size.
    for dir in args.trace.iter().chain(&args.plots) {
        trace::check_writable(dir)?;
    }
    let every = args.record_every.unwrap_or(DEFAULT_EVERY);
    let mut tr = Trace::new(&exp, &schedule(&exp, seed), every)?;
    let start = Instant::now();
    let outcome = run_instance(&exp, seed, &mut tr)?;
    print!("{}", crate::run::describe(&exp, &outcome, start.elapsed().as_secs_f64()));
    if let Some(dir) = &args.trace {
        let files = tr.write(dir)?;
        println!("trace           {} ({} tables, a sample every {every} steps)", dir.display(), files.len());
    }
    if let Some(dir) = &args.plots {
        let files = plot::write_all(dir, &tr, &exp.data)?;
        println!("plots           {} ({} files)", dir.display(), files.len());
    }
    Ok(ExitCode::SUCCESS)
}
