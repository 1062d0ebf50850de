//! `harness status`: how far results directories are.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::StatusArgs;
use crate::results::status;

pub fn main(args: &StatusArgs) -> Result<ExitCode> {
    let mut rows = vec![["directory", "shard", "done", "failed", "pending", "state"].map(String::from)];
    let (mut done, mut failed, mut pending, mut total, mut unreadable) = (0, 0, 0, None, 0);
    for dir in &args.dirs {
        let s = status::of(dir)?;
        done += s.done;
        failed += s.failed;
        pending += s.pending.unwrap_or(0);
        total = total.or(s.total_runs);
        unreadable += usize::from(s.state.is_error());
        rows.push([
            dir.display().to_string(),
            s.shard.clone(),
            s.done.to_string(),
            s.failed.to_string(),
            s.pending.map_or("?".into(), |p| p.to_string()),
            s.state.describe(),
        ]);
    }
    rows.push([
        "total".into(),
        String::new(),
        done.to_string(),
        failed.to_string(),
        pending.to_string(),
        String::new(),
    ]);
    print!("{}", crate::text::table(&rows));
    if let Some(total) = total {
        println!("{done} of {total} runs of the sweep done in these directories ({failed} failed)");
    }
    if unreadable > 0 {
        eprintln!("{unreadable} of {} path(s) are not results directories", args.dirs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
