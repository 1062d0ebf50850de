//! `harness report`: write a results directory's `report.html`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::ReportArgs;

/// Write `dir/report.html` and say where it is.
pub fn write(dir: &Path) -> Result<()> {
    eprintln!(
        "report: re-running the best configuration's first successful replicate with a trace, drawing the figures"
    );
    let written = crate::report::write(dir).with_context(|| format!("writing the report of {}", dir.display()))?;
    for n in &written.notes {
        eprintln!("note: {n}");
    }
    println!("report: {} ({} figures)", written.path.display(), written.figures.len());
    Ok(())
}

pub fn main(args: &ReportArgs) -> Result<ExitCode> {
    write(&args.dir)?;
    Ok(ExitCode::SUCCESS)
}
