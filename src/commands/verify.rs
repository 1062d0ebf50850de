//! `harness verify`: re-run a results directory's runs and check the whole directory.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::VerifyArgs;
use crate::verify::verify;
use crate::work::driver;

/// At most this many mismatches are listed (all are counted).
const SHOWN: usize = 50;

pub fn main(args: &VerifyArgs) -> Result<ExitCode> {
    let threads = driver::threads(args.threads).map_err(anyhow::Error::msg)?;
    eprintln!("verify {}: on {threads} thread(s)", args.dir.display());
    let r = verify(&args.dir, args.sample, threads)?;
    if r.passed() {
        println!(
            "verified {}: {} runs re-run, {} rows; all {} cells bit-identical, tables and files consistent",
            args.dir.display(),
            r.rerun,
            r.rows,
            r.cells
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &r.problems {
        println!("problem: {p}");
    }
    if !r.mismatches.is_empty() {
        let mut table = vec![["row".to_string(), "column".into(), "recorded".into(), "expected".into()]];
        table.extend(
            r.mismatches
                .iter()
                .take(SHOWN)
                .map(|m| [m.row.clone(), m.column.clone(), m.recorded.clone(), m.expected.clone()]),
        );
        print!("{}", crate::text::table(&table));
        if r.mismatches.len() > SHOWN {
            println!("  ... and {} more", r.mismatches.len() - SHOWN);
        }
    }
    let rows: std::collections::BTreeSet<&str> = r.mismatches.iter().map(|m| m.row.as_str()).collect();
    println!(
        "verify FAILED: {} mismatch(es) in {} row(s), {} problem(s)",
        r.mismatches.len(),
        rows.len(),
        r.problems.len()
    );
    if let Some(build) = &r.other_build {
        println!(
            "note: these results were written by harness {build}, and this is harness {}: runs are bit-identical only \
             under one build, and a change of the model's arithmetic or random streams between the two changes every \
             run; verify with that build to check the results themselves",
            crate::results::manifest::this_build()
        );
    }
    Ok(ExitCode::FAILURE)
}
