//! `harness report`: write a results directory's `report.html`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ReportArgs;

pub fn main(args: &ReportArgs) -> Result<ExitCode> {
    super::write_report(&args.dir)?;
    Ok(ExitCode::SUCCESS)
}
