//! Sweeps: many seeded instances of many configurations, in parallel, into a results directory.
//!
//! A sweep stands on the run layer ([`crate::work`]: configurations, runs, their ids and seeds, the
//! driver): [`expand`] turns a sweep file's axes into validated configurations and runs;
//! [`runner`] runs a sweep into a [`crate::results::ResultsDir`], resuming what is there.

mod expand;
pub mod runner;

use std::path::{Path, PathBuf};

pub use expand::expand;

use crate::work::identity::{self, Identity};
use crate::work::{Config, RunSpec};

use crate::config::{self, ConfigError, RawExperiment};
use crate::results::Work;
use crate::results::manifest::Kind;

/// An expanded, validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub name: String,
    pub seed: u64,
    pub replicates: u64,
    /// Replicate `r` of every configuration runs with the same seed.
    pub common_seeds: bool,
    /// Names of the swept parameters, grid axes first.
    pub axes: Vec<String>,
    pub configs: Vec<Config>,
    /// Configurations dropped because an earlier one had the same parameters.
    pub duplicates: usize,
    /// The file as parsed.
    pub raw: RawExperiment,
    /// What resume and merge compare: the experiment and its data.
    pub identity: Identity,
    /// The absolute directory relative paths start from.
    pub base_dir: PathBuf,
}

/// A shard of a sweep: runs whose position is `index - 1` modulo `count` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parse `I/N` (1 <= I <= N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let parsed = s.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if count >= 1 && (1..=count).contains(&index) => Ok(Shard { index, count }),
            _ => Err(format!("--shard {s:?}: expected I/N with 1 <= I <= N, e.g. --shard 2/8")),
        }
    }

    /// The shard of `--shard I/N`, or of `--shard auto` (the scheduler's environment, read by
    /// `env`: see [`crate::cluster::shard_from_env`]); `None` without the option.
    pub fn from_arg(arg: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        match arg {
            None => Ok(None),
            Some("auto") => crate::cluster::shard_from_env(env).map(|(index, count)| Some(Shard { index, count })),
            Some(s) => Shard::parse(s).map(Some),
        }
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }

    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl Sweep {
    /// What is worth saying about the experiment that does not stop it (e.g. replayed spikes after
    /// the end of a run), as [`crate::race::Plan`]'s `warnings`.
    pub fn warnings(&self) -> &[String] {
        self.configs.first().map_or(&[], |c| &c.exp.warnings)
    }

    /// Every run, configuration-major, replicates in order.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::with_capacity(self.configs.len().saturating_mul(self.replicates as usize));
        for c in &self.configs {
            for r in 0..self.replicates {
                runs.push(RunSpec {
                    index: runs.len(),
                    config: c.index,
                    replicate: r,
                    seed: if self.common_seeds {
                        identity::common_seed(self.seed, r)
                    } else {
                        identity::run_seed(self.seed, c.id, r)
                    },
                    run_id: format!("{}-{r}", c.id_hex()),
                    race: None,
                });
            }
        }
        runs
    }

    /// What a results directory of this sweep (or of one shard of it) is for.
    pub fn work(&self, experiment_file: &Path, shard: Option<Shard>, threads: usize) -> Work {
        let total = self.configs.len() * self.replicates as usize;
        let runs = match shard {
            Some(s) => (0..total).filter(|&p| s.holds(p)).count(),
            None => total,
        };
        Work {
            kind: Kind::Sweep,
            identity: self.identity.hash,
            identity_text: self.identity.text.clone(),
            experiment_file: experiment_file.display().to_string(),
            base_dir: self.base_dir.clone(),
            experiment: self.raw.clone(),
            shard: shard.map(|s| s.label()),
            total_runs: total,
            runs,
            threads,
        }
    }
}

/// Read, parse and expand a sweep file; errors name the file, line and key.
pub fn load(path: &Path, yes: bool) -> Result<Sweep, ConfigError> {
    load_with_seed(path, yes, None)
}

/// [`load`], with the file's `seed` replaced by `seed` when given (the manifest then records it).
pub fn load_with_seed(path: &Path, yes: bool, seed: Option<u64>) -> Result<Sweep, ConfigError> {
    config::load_checked(path, "sweep", seed, |raw, name, dir| expand(raw, name, dir, yes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_positions() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "/2", "-1/3", "1/3/4"] {
            assert!(Shard::parse(bad).unwrap_err().contains("expected I/N"), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for p in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.holds(p)).count(), 1, "position {p} in exactly one shard");
        }
    }
}
