//! Merging the shards of one sweep into the results of the whole: the same journal, tables and
//! manifest as a single-machine sweep's (the runs and summary tables byte for byte).
//!
//! The policy: every directory must hold a sweep (races are not sharded) with the same identity
//! (experiment and data contents); a run present in two shards must agree; every shard, and the
//! merging harness, must be one build unless `allow_other_build` (then the manifest lists the
//! builds); the output directory must not hold results yet. An incomplete merge (shards missing)
//! writes what there is and says how many runs are missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::journal::{self, RunResult};
use super::manifest::{self, Kind, Manifest};
use super::reader::Reader;
use super::{Policy, ResultsDir, ResultsError, Tables, Work};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("{}: a race's results are not shards of a sweep; races are not merged", dir.display())]
    Race { dir: PathBuf },
    #[error("{}: results of {what}: only shards of one sweep merge", dir.display())]
    OtherExperiment { what: String, dir: PathBuf },
    #[error("run {run_id} (position {index}) differs between {} and another shard: the shards disagree", dir.display())]
    Disagree { dir: PathBuf, run_id: String, index: usize },
    #[error(
        "the shards were written by more than one build of harness ({builds}); runs are bit-identical only under \
         one build. Merge with --allow-other-build to mix them (the manifest records the builds)."
    )]
    OtherBuild { builds: String },
    #[error("{}: {message}; nothing was merged", dir.display())]
    Journal { dir: PathBuf, message: String },
    #[error("no shard directory given: name the shards to merge")]
    NoShard,
    #[error("{}: already holds results; choose another --out", out.display())]
    OutExists { out: PathBuf },
    #[error(
        "{}: results format 1 (written by harness {build}); merge its shards with that build, or re-run them",
        dir.display()
    )]
    Format1 { dir: PathBuf, build: String },
}

/// What a merge wrote.
#[derive(Debug)]
pub struct Merged {
    pub out: PathBuf,
    pub manifest: Manifest,
    pub tables: Tables,
    pub done: usize,
}

impl Merged {
    pub fn complete(&self) -> bool {
        self.done == self.manifest.sweep_runs
    }

    pub fn missing(&self) -> usize {
        self.manifest.sweep_runs.saturating_sub(self.done)
    }
}

fn identity(m: &Manifest) -> String {
    m.identity.clone()
}

/// What the shards hold: the first one's manifest, every run by position, the read locks (held
/// until the merge is written), and every build that wrote some of it.
struct Shards {
    first: Manifest,
    by_index: BTreeMap<usize, RunResult>,
    builds: Vec<String>,
    _readers: Vec<Reader>,
}

/// Read the shard directories `dirs` (see [`merge`] for what is checked).
fn read_shards(
    dirs: &[PathBuf],
    check: impl Fn(&Manifest, &[RunResult]) -> Result<(), String>,
) -> Result<Shards, MergeError> {
    let mut first: Option<Manifest> = None;
    let mut by_index: BTreeMap<usize, RunResult> = BTreeMap::new();
    let mut builds: Vec<String> = vec![manifest::this_build()];
    let mut readers = Vec::new();
    for dir in dirs {
        let reader = Reader::open(dir)?;
        let m = reader.manifest.clone();
        if m.kind == Kind::Race {
            return Err(MergeError::Race { dir: dir.clone() });
        }
        if m.legacy_hash.is_some() {
            return Err(MergeError::Format1 { dir: dir.clone(), build: m.build() });
        }
        if let Some(f) = &first
            && identity(f) != identity(&m)
        {
            let what = format!(
                "experiment {} ({}), but {} holds experiment {} ({})",
                identity(&m),
                m.experiment_file,
                dirs[0].display(),
                identity(f),
                f.experiment_file
            );
            return Err(MergeError::OtherExperiment { what, dir: dir.clone() });
        }
        for b in std::iter::once(m.build()).chain(m.other_builds.iter().cloned()) {
            if !builds.contains(&b) {
                builds.push(b);
            }
        }
        let runs = reader.journal()?;
        readers.push(reader);
        check(&m, &runs).map_err(|message| MergeError::Journal { dir: dir.clone(), message })?;
        for r in runs {
            match by_index.get(&r.index) {
                Some(old) if RunResult { wall_s: 0.0, ..old.clone() } != RunResult { wall_s: 0.0, ..r.clone() } => {
                    return Err(MergeError::Disagree { dir: dir.clone(), run_id: r.run_id, index: r.index });
                }
                Some(_) => {}
                None => {
                    by_index.insert(r.index, r);
                }
            }
        }
        first.get_or_insert(m);
    }
    let first = first.ok_or(MergeError::NoShard)?;
    Ok(Shards { first, by_index, builds, _readers: readers })
}

/// Merge the shard directories `dirs` into `out` (default: `results/<experiment name>`). `check`
/// says whether a shard's journal holds only runs of the sweep its manifest records (the sweep
/// layer's `check_journal`), as resume checks it.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<&Path>,
    allow_other_build: bool,
    check: impl Fn(&Manifest, &[RunResult]) -> Result<(), String>,
) -> Result<Merged, MergeError> {
    let Shards { first: m, by_index, builds, _readers } = read_shards(dirs, check)?;
    if builds.len() > 1 && !allow_other_build {
        return Err(MergeError::OtherBuild { builds: builds.join("; ") });
    }
    let name = m.experiment.name.clone().unwrap_or_else(|| "merged".into());
    let out = out.map_or_else(|| PathBuf::from("results").join(&name), Path::to_path_buf);
    if out.join(journal::FILE).exists() || out.join(manifest::FILE).exists() {
        return Err(MergeError::OutExists { out });
    }
    // Written as a sweep writes its directory: the lock, the journal, the tables, the manifest.
    let work = Work {
        kind: Kind::Sweep,
        identity: u64::from_str_radix(&m.identity, 16).map_err(|_| MergeError::Journal {
            dir: dirs[0].clone(),
            message: format!("the manifest's identity {:?} is not 16 hex digits", m.identity),
        })?,
        identity_text: m.identity_text.clone(),
        experiment_file: m.experiment_file.clone(),
        base_dir: PathBuf::from(&m.base_dir),
        experiment: m.experiment.clone(),
        shard: None,
        total_runs: m.sweep_runs,
        runs: m.sweep_runs,
        threads: m.threads,
    };
    let (mut dir, _) = ResultsDir::open(&out, &work, Policy::default(), |_| Ok(()))?;
    let results: Vec<RunResult> = by_index.into_values().collect();
    for r in &results {
        dir.record(r).map_err(ResultsError::from)?;
    }
    let tables = Tables::build(&results).map_err(ResultsError::from)?;
    dir.write_tables(&tables.named()).map_err(ResultsError::from)?;
    dir.add_builds(builds);
    let merged = dir.update_manifest(results.len() == m.sweep_runs).map_err(ResultsError::from)?.clone();
    Ok(Merged { out, manifest: merged, tables, done: results.len() })
}
