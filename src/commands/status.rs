//! `harness status`: how far results directories are.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::StatusArgs;
use crate::results::status;

pub fn main(args: &StatusArgs) -> Result<ExitCode> {
    let mut rows = vec![["directory", "shard", "done", "failed", "pending", "state"].map(String::from)];
    let mut statuses = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        let s = status::of(dir)?;
        rows.push([
            dir.display().to_string(),
            s.shard.clone(),
            s.done.to_string(),
            s.failed.to_string(),
            s.pending.map_or("?".into(), |p| p.to_string()),
            s.state.describe(),
        ]);
        statuses.push(s);
    }
    let total = status::total(&statuses);
    if let (Ok(t), true) = (&total, statuses.len() > 1) {
        let pending = t.pending.map_or("?".into(), |p| p.to_string());
        rows.push(["total".into(), String::new(), t.done.to_string(), t.failed.to_string(), pending, String::new()]);
    }
    print!("{}", crate::text::table(&rows));
    match &total {
        Ok(status::Total { done, failed, work_runs: Some(runs), .. }) => {
            println!("{done} of {runs} runs of the sweep done in these directories ({failed} failed)")
        }
        Ok(_) => {}
        Err(why) if statuses.len() > 1 => println!("{why}"),
        Err(_) => {}
    }
    let unreadable = statuses.iter().filter(|s| s.state.is_error()).count();
    if unreadable > 0 {
        eprintln!("{unreadable} of {} path(s) are not results directories, or are damaged", args.dirs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
