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
}
