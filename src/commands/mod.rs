//! The subcommands: each maps its parsed arguments onto the library, and prints (results to
//! stdout, progress and notes to stderr). No resume, merge, verify or racing logic lives here.

pub mod check;
pub mod merge;
pub mod race;
pub mod report;
pub mod run;
pub mod slurm;
pub mod status;
pub mod sweep;
pub mod verify;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::results::Note;

/// A flag that Ctrl-C (SIGINT) or SIGTERM sets: the work in flight finishes, `doing` is said, and
/// a second signal quits at once (finished runs are already in the journal).
pub fn interrupt_flag(doing: &'static str) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\ninterrupted again: quitting now; finished runs are in the journal");
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: {doing} (Ctrl-C again to quit at once)");
    });
    stop
}

/// Tell the user what opening a results directory found.
pub fn say_notes(notes: &[Note]) {
    for n in notes {
        eprintln!("note: {}", n.describe());
    }
}

/// How a command's error is shown: `Error: ` and the message, then its causes, as anyhow's
/// `Debug` shows them but never with a backtrace. A bad file or value is not a crash, and
/// RUST_BACKTRACE (set in many developers' shells) would otherwise bury the one line that says
/// what to fix under a stack dump. Panics, which are bugs, keep theirs. A cause that the message
/// above it already quotes (an I/O error inside "writing X: ...") is not printed twice.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = format!("Error: {e}\n");
    let mut above = e.to_string();
    let mut causes: Vec<String> = Vec::new();
    for c in e.chain().skip(1) {
        let c = c.to_string();
        if !above.contains(&c) {
            causes.push(c.clone());
        }
        above = c;
    }
    match causes.as_slice() {
        [] => {}
        [one] => text.push_str(&format!("\nCaused by:\n    {one}\n")),
        many => {
            text.push_str("\nCaused by:\n");
            for (i, c) in many.iter().enumerate() {
                text.push_str(&format!("    {i}: {c}\n"));
            }
        }
    }
    text
}

/// Write `dir/report.html` and say where it is.
pub(crate) fn write_report(dir: &std::path::Path) -> anyhow::Result<()> {
    eprintln!(
        "report: re-running the best configuration's first successful replicate with a trace, drawing the figures"
    );
    let written = anyhow::Context::with_context(crate::report::write(dir), || {
        format!("writing the report of {}", dir.display())
    })?;
    for n in &written.notes {
        eprintln!("note: {n}");
    }
    println!("report: {} ({} figures)", written.path.display(), written.figures.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_show_their_causes_and_no_backtrace() {
        let plain = anyhow::anyhow!("bad.toml:3: key `model.tau_ms`: must be > 0");
        assert_eq!(error_text(&plain), "Error: bad.toml:3: key `model.tau_ms`: must be > 0\n");
        let one = anyhow::Error::msg("disk full").context("writing runs.csv");
        assert_eq!(error_text(&one), "Error: writing runs.csv\n\nCaused by:\n    disk full\n");
        let two = one.context("finishing the sweep");
        assert_eq!(
            error_text(&two),
            "Error: finishing the sweep\n\nCaused by:\n    0: writing runs.csv\n    1: disk full\n"
        );
        // An OS error its message already quotes is said once.
        let io = crate::fsio::PathError::new(
            "creating",
            std::path::Path::new("x"),
            std::io::Error::other("Not a directory"),
        );
        assert_eq!(error_text(&anyhow::Error::new(io)), "Error: creating x: Not a directory\n");
    }
}
