//! The `[race]` section as written (`harness race`): parsed here with the rest of the file,
//! checked into [`crate::race::settings::Settings`] by the racing code, which documents each key.

use serde::{Deserialize, Serialize};

/// The statistical test that eliminates candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestKind {
    /// Friedman's test, then Conover's post-hoc against the best; Wilcoxon when two remain.
    Friedman,
    /// Paired t-tests against the best, Holm's correction.
    THolm,
}

impl TestKind {
    pub fn word(self) -> &'static str {
        match self {
            TestKind::Friedman => "friedman",
            TestKind::THolm => "t-holm",
        }
    }
}

/// How the final elites are ordered, the first being the race's answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pick {
    /// irace's order: more seeds first, then the test's ranking (rank sums for Friedman).
    Rank,
    /// By the mean test accuracy over every seed the race gave each (its `race_test_accuracy_mean`).
    #[default]
    Mean,
}

impl Pick {
    pub fn word(self) -> &'static str {
        match self {
            Pick::Rank => "rank",
            Pick::Mean => "mean",
        }
    }
}

/// How new candidates are drawn after the first race.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sampler {
    /// irace's: around the elites, from truncated normals that narrow from race to race.
    Irace,
    /// The best of several irace draws by the density ratio of the good and the other candidates
    /// evaluated so far (the tree-structured Parzen estimator's criterion).
    #[default]
    Tpe,
}

impl Sampler {
    pub fn word(self) -> &'static str {
        match self {
            Sampler::Irace => "irace",
            Sampler::Tpe => "tpe",
        }
    }
}

/// `[race]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRace {
    pub budget: Option<u64>,
    pub first_test: Option<u64>,
    pub each_test: Option<u64>,
    pub confidence: Option<f64>,
    pub test: Option<TestKind>,
    pub iterations: Option<u64>,
    pub min_survival: Option<u64>,
    pub elitist_limit: Option<u64>,
    pub max_candidates: Option<u64>,
    pub validation_replicates: Option<u64>,
    pub pick: Option<Pick>,
    pub sampler: Option<Sampler>,
    /// Screening rungs: `[training fraction, test fraction]` each.
    pub screen: Option<Vec<Vec<f64>>>,
    pub screen_seeds: Option<u64>,
    /// Drop a candidate at once when its mean accuracy is this far behind the best's (0: never).
    pub behind: Option<f64>,
}
