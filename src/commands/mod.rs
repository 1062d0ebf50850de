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
