//! The run layer, under both front-ends (a sweep's fixed list of runs, a race's runs as its
//! decisions ask for them): what a configuration and a run are, how they are named and seeded,
//! how many a piece of work may have, and how runs are run.
//!
//! - [`Config`] and [`RunSpec`]: one configuration (a resolved experiment and its id) and one run
//!   of it (position, replicate, seed, run id, and for a race its place in the race);
//! - [`axes`]: the searched parameters of an experiment file (`[grid]`, `[random]`), which a sweep
//!   expands and a race samples;
//! - [`identity`]: configuration ids, run seeds (a sweep's, a race's, its validation's), and the
//!   identity of a piece of work (its doc is the spec, its values pinned by tests);
//! - [`driver`]: runs runs, one kernel behind the sequential and the parallel path, pushing each
//!   finished run into a [`driver::Sink`]; [`journal`] is the sink that journals into a results
//!   directory.
//!
//! The run limits and the thread count are here too: every front-end counts its runs against the
//! same limits.

pub mod axes;
pub mod driver;
pub mod identity;
pub mod journal;

use std::path::PathBuf;

use crate::config::Experiment;

/// How a sweep or a race ended, the one interrupt model of both: finished, or stopped (Ctrl-C,
/// SIGTERM, a notebook's interrupt) with every finished run journalled and the tables of what
/// finished written. Running the same work again resumes it.
#[derive(Debug)]
pub enum Ended<W> {
    Finished(Finished<W>),
    Stopped(Stopped),
}

/// A finished sweep or race, the one finished type of both: its directory, the runs run now and
/// how long it took, the failed runs grouped by error (most frequent first), and `what` the kind
/// of work made (a sweep's tables; a race's decisions, validation and tables).
#[derive(Debug)]
pub struct Finished<W> {
    pub out: PathBuf,
    pub ran: usize,
    pub elapsed_s: f64,
    pub failures: Vec<(String, usize)>,
    pub what: W,
}

/// Where a stopped sweep or race stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Stopped {
    pub out: PathBuf,
    /// Runs in the journal, and of how many (a sweep's are known ahead; a race asks as it goes).
    pub done: usize,
    pub of: Option<usize>,
    /// Runs run now, and how long it took.
    pub ran: usize,
    pub elapsed_s: f64,
}

impl Stopped {
    /// Where it stands, in words: "12 of 18 runs done", or "12 runs are in the journal".
    pub fn describe(&self) -> String {
        match self.of {
            Some(of) => format!("{} of {of} runs done", self.done),
            None => format!("{} runs are in the journal", self.done),
        }
    }
}

/// Work above this many runs needs `--yes`.
pub const MAX_RUNS_WITHOUT_YES: u64 = 10_000;
/// No work has more runs than this, `--yes` or not (its run list alone would take gigabytes).
pub const MAX_RUNS: u64 = 10_000_000;

/// One configuration: a resolved experiment and its id.
#[derive(Debug, Clone)]
pub struct Config {
    /// Position in the work's order (a sweep's expansion, a race's first sight of it).
    pub index: usize,
    pub id: u64,
    /// The swept values, as `(name, value)`.
    pub swept: Vec<(String, toml::Value)>,
    pub exp: Experiment,
}

impl Config {
    pub fn id_hex(&self) -> String {
        format!("{:016x}", self.id)
    }
}

/// One run of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Position in the work's order (a sweep's: configuration-major; a race's: the order its
    /// decisions asked for runs).
    pub index: usize,
    pub config: usize,
    pub replicate: u64,
    pub seed: u64,
    pub run_id: String,
    /// A race run's place in its race (`None` for sweeps); copied into its result.
    pub race: Option<crate::results::journal::RaceTag>,
}
