//! What can stop a race with an error (see [`super::runner`]).

use std::path::PathBuf;

use crate::results::ResultsError;

#[derive(Debug, thiserror::Error)]
pub enum RaceError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// The stop flag was set (only inside the race: [`super::runner::run`] turns it into
    /// [`crate::work::Ended::Stopped`]).
    #[error("stopped: {done} runs are in the journal; run the same command again to resume")]
    Interrupted { done: usize },
    #[error(
        "{}: the journal holds run {found} at position {index}, which this race does not ask for there ({why}): it \
         holds another race's results, or was edited; use another --out",
        dir.display()
    )]
    ForeignRun { dir: PathBuf, index: usize, found: String, why: String },
    #[error(
        "{}: there is no elite to validate: {why} ({runs} runs); the runs and timings tables hold what ran",
        dir.display()
    )]
    NoElite { dir: PathBuf, runs: usize, why: String },
    /// The cluster could not run a batch (see [`super::cluster`]).
    #[error("racing on the cluster: {0}")]
    Cluster(String),
    #[error("replaying the race from its journal: position {index} holds run {run_id}: {why}")]
    Replay { index: usize, run_id: String, why: String },
    #[error(
        "the race is unfinished: it goes on with run {run_id} (position {index}), which is not in the journal; run \
         the race again to finish it"
    )]
    Unfinished { index: usize, run_id: String },
}
