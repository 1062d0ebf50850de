//! `harness sweep`: expand, validate, run what is not yet done, write the tables.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::SweepArgs;
use crate::config::{locate_all, parse_text};
use crate::sweep::journal::{self, Journal, Record};
use crate::sweep::manifest::{self, Manifest, Probe};
use crate::sweep::output::{Tables, failures, top_table};
use crate::sweep::{RunSpec, Sweep, expand};

/// Parse `I/N`.
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let parsed = s.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && (1..=n).contains(&i) => Ok((i, n)),
        _ => bail!("--shard {s:?}: expected I/N with 1 <= I <= N, e.g. --shard 2/8"),
    }
}

/// Load and expand a sweep file; errors name the file, line and key.
pub fn load_sweep(path: &Path, yes: bool) -> Result<Sweep> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
    let raw = parse_text(&file, &text)?;
    let stem = path.file_stem().map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(expand(&raw, &stem, base, yes).map_err(|p| locate_all(&file, &text, p))?)
}

/// A free sibling name for setting `out` aside: `<name>.replaced-<time>[-N]`.
fn aside_path(out: &Path) -> PathBuf {
    let name = out.file_name().map_or("results".into(), |n| n.to_string_lossy().into_owned());
    let stamp = manifest::now_utc().replace(':', "");
    (0..)
        .map(|i| if i == 0 { format!("{name}.replaced-{stamp}") } else { format!("{name}.replaced-{stamp}-{i}") })
        .map(|n| out.with_file_name(n))
        .find(|p| !p.exists())
        .expect("a free name")
}

/// Check that `out` may receive this sweep's results, setting old results aside with `force`.
fn prepare_out(out: &Path, sweep: &Sweep, shard: &Option<String>, force: bool) -> Result<Option<Manifest>> {
    let has_journal = std::fs::metadata(out.join(journal::FILE)).is_ok_and(|m| m.len() > 0);
    let hash = format!("{:016x}", sweep.hash);
    let conflict = match Manifest::probe(out)? {
        Probe::Ours(m) if m.experiment_hash == hash && &m.shard == shard => return Ok(Some(*m)),
        Probe::Ours(m) if &m.shard != shard => Some(format!("shard {:?} (this run: {:?})", m.shard, shard)),
        Probe::Ours(m) => {
            Some(format!("experiment {} from {} (this one: {hash})", m.experiment_hash, m.experiment_file))
        }
        Probe::Foreign(why) => Some(why),
        Probe::Missing if has_journal => Some("a journal without a manifest".into()),
        Probe::Missing => None,
    };
    let Some(what) = conflict else { return Ok(None) };
    if !force {
        bail!(
            "{}: holds the results of a different sweep ({what}). Choose another directory with \
             --out DIR, or pass --force to move these results aside and start afresh.",
            out.display()
        );
    }
    let aside = aside_path(out);
    std::fs::rename(out, &aside).with_context(|| format!("moving {} aside to {}", out.display(), aside.display()))?;
    eprintln!("note: moved the previous results to {}", aside.display());
    Ok(None)
}

pub fn main(args: &SweepArgs) -> Result<ExitCode> {
    let sweep = load_sweep(&args.experiment, args.yes)?;
    let shard = match args.shard.as_deref() {
        Some("auto") => Some(crate::cluster::shard_from_env(|k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?),
        Some(s) => Some(parse_shard(s)?),
        None => None,
    };
    let shard_label = shard.map(|(i, n)| format!("{i}/{n}"));
    let all_runs = sweep.runs();
    let runs: Vec<RunSpec> = match shard {
        Some((i, n)) => all_runs.iter().filter(|r| r.index % n == i - 1).cloned().collect(),
        None => all_runs.clone(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let base = PathBuf::from("results").join(&sweep.name);
        match shard {
            Some((i, n)) => base.join(format!("shard-{i}-of-{n}")),
            None => base,
        }
    });
    if args.threads == Some(0) {
        bail!("--threads 0: give at least 1 thread");
    }
    let threads = crate::sweep::driver::threads(args.threads);

    let previous = prepare_out(&out, &sweep, &shard_label, args.force)?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let (journal, contents) = Journal::open(&out.join(journal::FILE))?;
    if contents.torn {
        eprintln!("note: the journal's last line was torn (a crash mid-write): that run will be redone");
    }
    let expected: HashSet<(usize, &str)> = runs.iter().map(|r| (r.index, r.run_id.as_str())).collect();
    let mut done: Vec<Record> = Vec::new();
    for r in contents.records {
        if !expected.contains(&(r.index, r.run_id.as_str())) {
            bail!(
                "{}: the journal holds run {} at position {}, which this sweep does not have; use another --out",
                out.display(),
                r.run_id,
                r.index
            );
        }
        done.push(r);
    }
    let done_ids: HashSet<usize> = done.iter().map(|r| r.index).collect();
    let pending: Vec<RunSpec> = runs.iter().filter(|r| !done_ids.contains(&r.index)).cloned().collect();

    let command_line: Vec<String> = std::env::args().collect();
    let mut m = Manifest {
        format: manifest::FORMAT,
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: manifest::git_commit().to_string(),
        experiment_file: args.experiment.display().to_string(),
        experiment_hash: format!("{:016x}", sweep.hash),
        command_line,
        threads,
        shard: shard_label.clone(),
        started: previous.map_or_else(manifest::now_utc, |p| p.started),
        finished: None,
        sweep_runs: all_runs.len(),
        runs: runs.len(),
        runs_done: done.len(),
        runs_failed: done.iter().filter(|r| r.error.is_some()).count(),
        experiment: sweep.raw.clone(),
    };
    crate::sweep::tables::write_atomic(&out.join(manifest::FILE), m.to_toml().as_bytes())?;

    eprintln!(
        "sweep {}: {} configurations x {} replicates = {} runs{}; {} already done, {} to run on {} thread(s) -> {}",
        sweep.name,
        sweep.configs.len(),
        sweep.replicates,
        all_runs.len(),
        shard_label.as_ref().map(|s| format!(" (shard {s}: {} runs)", runs.len())).unwrap_or_default(),
        done.len(),
        pending.len(),
        threads,
        out.display()
    );
    if sweep.duplicates > 0 {
        eprintln!("note: {} configurations repeated an earlier one's parameters and were merged", sweep.duplicates);
    }

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: quitting now; finished runs are in the journal");
                std::process::exit(130);
            }
            eprintln!("\ninterrupt: finishing the runs in flight, then writing tables (Ctrl-C again to quit at once)");
        });
    }
    let journal = Mutex::new(journal);
    let start = Instant::now();
    let total = pending.len();
    let finished = AtomicUsize::new(0);
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  elapsed {elapsed}  ETA {eta}")
                .expect("a valid template"),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let plain = !std::io::stderr().is_terminal();
    let step = (total / 10).max(1);
    let progress = |_: &Record| {
        bar.inc(1);
        let n = finished.fetch_add(1, Ordering::SeqCst) + 1;
        if plain && (n % step == 0 || n == total) {
            let secs = start.elapsed().as_secs_f64();
            let rate = n as f64 / secs.max(1e-9);
            eprintln!(
                "  {n}/{total} runs ({:.0}%)  {rate:.1} runs/s  ETA {:.0} s",
                100.0 * n as f64 / total as f64,
                (total - n) as f64 / rate
            );
        }
    };
    let new = crate::sweep::driver::execute(&sweep.configs, &pending, threads, &journal, &stop, &progress)?;
    bar.finish_and_clear();
    let elapsed = start.elapsed().as_secs_f64();
    let interrupted = new.len() < pending.len();

    let mut records = done;
    records.extend(new.iter().cloned());
    let tables = Tables::build(&records)?;
    tables.write(&out)?;
    m.runs_done = records.len();
    m.runs_failed = records.iter().filter(|r| r.error.is_some()).count();
    if !interrupted {
        m.finished = Some(manifest::now_utc());
    }
    crate::sweep::tables::write_atomic(&out.join(manifest::FILE), m.to_toml().as_bytes())?;

    if !new.is_empty() {
        eprintln!("ran {} runs in {elapsed:.2} s ({:.1} runs/s)", new.len(), new.len() as f64 / elapsed);
    }
    let failed = failures(&records);
    if !failed.is_empty() {
        eprintln!("{} run(s) failed:", m.runs_failed);
        for (msg, n) in &failed {
            eprintln!("  {n} x {msg}");
        }
    }
    println!("best configurations by mean test accuracy ({} of {}):", sweep.configs.len().min(5), sweep.configs.len());
    print!("{}", top_table(&tables.summary, &sweep.axes, 5));
    println!("results: {}/{{runs,summary,timings}}.{{parquet,csv}}, manifest.toml", out.display());
    if args.report && !interrupted {
        super::report::write(&out)?;
    }
    if interrupted {
        eprintln!("interrupted: {} of {} runs done; run the same command again to resume", records.len(), runs.len());
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}
