//! The study in a results directory, the one way to get it: the sweep its manifest records,
//! expanded again, or the race it records with its replay on the journal (the decisions taken
//! again on the recorded results; no run is run), each checked first against the identity the
//! manifest recorded (a changed data file or an edited manifest is named, not replayed). `verify`
//! and `report` read a directory through this.

use std::collections::HashMap;
use std::path::Path;

use crate::config::locate_all;
use crate::race::Plan;
use crate::race::runner::{Raced, replay};
use crate::results::journal::RunResult;
use crate::results::manifest::{self, Kind, Manifest};
use crate::results::reader::Reader;
use crate::sweep::Sweep;
use crate::work::{Config, RunSpec};

/// A race as its directory holds it: the plan its manifest records, what the replay decided, and
/// the runs the replay asked for, in order.
pub struct RaceStudy {
    pub plan: Plan,
    pub raced: Raced,
    pub asked: Vec<RunSpec>,
}

pub enum Study {
    Sweep(Box<Sweep>),
    Race(Box<RaceStudy>),
}

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The manifest's experiment no longer expands (a data file gone, a value now refused).
    #[error("{0}")]
    Experiment(String),
    /// The manifest no longer describes the study (see [`identity_problem`]).
    #[error("{0}")]
    Identity(String),
    /// The race's replay on the journal failed (a foreign line, an unfinished race).
    #[error("{0}")]
    Replay(String),
}

impl Study {
    /// The study of the directory `reader` reads, whose journalled runs are `journal`.
    pub fn of(reader: &Reader, journal: &[RunResult]) -> Result<Study, StudyError> {
        let m = &reader.manifest;
        let base = Path::new(&m.base_dir);
        match m.kind {
            Kind::Sweep => {
                let text = toml::to_string(&m.experiment).unwrap_or_default();
                let file = reader.dir().join(manifest::FILE).display().to_string();
                let sweep = crate::sweep::expand(&m.experiment, "study", base, true).map_err(|p| {
                    StudyError::Experiment(locate_all(&format!("{file} [experiment]"), &text, p).to_string())
                })?;
                check_identity(m, &sweep.identity)?;
                Ok(Study::Sweep(Box::new(sweep)))
            }
            Kind::Race => {
                let plan = crate::race::plan(&m.experiment, "study", base, true).map_err(|ps| {
                    let ps: Vec<String> = ps.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect();
                    StudyError::Experiment(ps.join("; "))
                })?;
                check_identity(m, &plan.identity)?;
                let by_index: HashMap<usize, RunResult> = journal.iter().map(|r| (r.index, r.clone())).collect();
                let (raced, asked) = replay(&plan, &by_index).map_err(|e| StudyError::Replay(e.to_string()))?;
                Ok(Study::Race(Box::new(RaceStudy { plan, raced, asked })))
            }
        }
    }

    /// The configurations: the sweep's, or those the race met.
    pub fn configs(&self) -> &[Config] {
        match self {
            Study::Sweep(s) => &s.configs,
            Study::Race(r) => &r.raced.configs,
        }
    }

    /// The names of the searched parameters: a sweep's axes, a race's space.
    pub fn axes(&self) -> Vec<String> {
        match self {
            Study::Sweep(s) => s.axes.clone(),
            Study::Race(r) => r.plan.space.names(),
        }
    }
}

/// Whether the manifest `m` still describes a study of identity `now`: its identity recomputed
/// from the experiment and the data as they are now; format 1's experiment hash.
fn check_identity(m: &Manifest, now: &crate::work::identity::Identity) -> Result<(), StudyError> {
    if let Some(why) = m.legacy_edited() {
        return Err(StudyError::Identity(format!("the manifest was edited ({why})")));
    }
    if m.legacy_hash.is_none() && m.identity != format!("{:016x}", now.hash) {
        return Err(StudyError::Identity(identity_problem(&m.identity_text, &now.text)));
    }
    Ok(())
}

/// Why a recomputed identity does not match the manifest's: a changed data file, or an edit.
pub fn identity_problem(recorded: &str, now: &str) -> String {
    let changed: Vec<&str> = now.lines().filter(|l| !recorded.lines().any(|r| r == *l)).collect();
    if changed.iter().any(|l| l.contains(".contents=")) {
        format!(
            "a file the results depend on has changed since they were written ({}): verify with the data they were \
             written from",
            changed.join(", ")
        )
    } else {
        format!(
            "the manifest's experiment does not match its recorded identity: the manifest was edited ({})",
            changed.join(", ")
        )
    }
}
