//! The sink of a results directory: each finished run journalled (synced to disk) as it finishes,
//! progress advanced, and the stop flag (Ctrl-C, SIGTERM) polled before each new run. Sweeps and
//! races run their runs through it alike.

use std::sync::atomic::{AtomicBool, Ordering};

use super::driver::{DriverError, Sink};
use crate::progress::Progress;
use crate::results::journal::{JournalError, RunResult};
use crate::results::{ResultsDir, ResultsError};

/// Journal into `dir`, advance `progress`, stop when `stop` is set.
pub struct Journalling<'a> {
    pub dir: &'a ResultsDir,
    pub stop: &'a AtomicBool,
    pub progress: &'a dyn Progress,
}

impl Sink for Journalling<'_> {
    type Error = JournalError;

    fn record(&self, r: &RunResult) -> Result<(), JournalError> {
        self.dir.record(r)?;
        self.progress.advance();
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

impl From<DriverError<JournalError>> for ResultsError {
    fn from(e: DriverError<JournalError>) -> ResultsError {
        match e {
            DriverError::Pool { threads, message } => ResultsError::Threads { threads, message },
            DriverError::Sink(e) => e.into(),
        }
    }
}
