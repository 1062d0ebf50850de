//! The accuracy regression gate (`harness check`): run a fixed experiment and compare each case's
//! mean test accuracy with a committed baseline ([`baseline`]).
//!
//! **The rule.** With means `m_b` (baseline) and `m_n` (new) and standard errors `se_b`, `se_n`,
//! the tolerance is `Z * sqrt(se_b^2 + se_n^2)` with `Z = 3` (a one-sided false alarm rate of about
//! 0.13% per case if nothing changed but the seeds). The new mean **regressed** when
//! `m_n < m_b - tolerance`, **improved** when `m_n > m_b + tolerance`, and is **unchanged**
//! otherwise.
//!
//! **Like with like.** A case fails when its configuration id is not the baseline's (the file
//! changed a value the case name does not show, e.g. a `[model]` or `[protocol]` key), and when
//! the experiment has a case the baseline lacks: the baseline is regenerated deliberately, never
//! matched by name alone.
//!
//! **Missing evidence never passes.** A case fails, with the reason, when it is in the baseline
//! but not in the new run; when any of its new runs failed; when it has fewer successful
//! replicates than the baseline recorded; or when a mean or standard error on either side is
//! absent or not finite. A baseline that does not parse, has no cases, or has a malformed row is
//! an error before anything runs.

pub mod baseline;

use crate::results::journal::RunResult;
use crate::stats::describe;
use crate::sweep::Sweep;
use crate::work::identity::canonical_value;

/// Standard errors apart before a difference counts.
pub const Z: f64 = 3.0;

/// One case's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseStats {
    /// The case: its swept values in canonical form, e.g. `classes=[0, 1] sampling="holdout"`.
    pub case: String,
    pub config_id: String,
    /// Successful replicates.
    pub replicates: u64,
    /// Failed runs (always 0 in a baseline).
    pub failed: u64,
    /// Mean test accuracy and its standard error (`NaN` when absent).
    pub mean: f64,
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Unchanged,
    Improved,
    Regressed,
    MissingNow,
    /// In the experiment, not in the baseline.
    NewCase,
    /// The case's configuration is not the baseline's (its id differs): not like with like.
    Changed {
        baseline: String,
        now: String,
    },
    /// Not enough evidence to compare: why.
    NoEvidence(String),
}

impl Verdict {
    pub fn fails(&self) -> bool {
        !matches!(self, Verdict::Unchanged | Verdict::Improved)
    }

    fn word(&self) -> String {
        match self {
            Verdict::Unchanged => "ok".into(),
            Verdict::Improved => "IMPROVED".into(),
            Verdict::Regressed => "REGRESSED".into(),
            Verdict::MissingNow => "MISSING".into(),
            Verdict::NewCase => "FAILED: not in the baseline (regenerate it deliberately: --update-baseline)".into(),
            Verdict::Changed { baseline, now } => format!(
                "FAILED: configuration changed ({baseline} in the baseline, {now} now): regenerate the baseline \
                 deliberately (--update-baseline)"
            ),
            Verdict::NoEvidence(why) => format!("FAILED: {why}"),
        }
    }
}

/// The tolerance of a comparison.
pub fn tolerance(a: &CaseStats, b: &CaseStats) -> f64 {
    Z * (a.se * a.se + b.se * b.se).sqrt()
}

/// Why the evidence of `now` against `base` is not enough to compare, if it is not.
fn missing_evidence(base: &CaseStats, now: &CaseStats) -> Option<String> {
    if now.failed > 0 {
        return Some(format!("{} run(s) failed", now.failed));
    }
    if now.replicates < base.replicates {
        return Some(format!("{} successful replicates, the baseline has {}", now.replicates, base.replicates));
    }
    let finite = |c: &CaseStats| c.mean.is_finite() && c.se.is_finite();
    if !finite(now) {
        return Some("no finite mean and standard error now".into());
    }
    if !finite(base) {
        return Some("no finite mean and standard error in the baseline".into());
    }
    None
}

/// Compare a baseline case with its new statistics.
pub fn verdict(baseline: Option<&CaseStats>, now: Option<&CaseStats>) -> Verdict {
    match (baseline, now) {
        (Some(b), Some(n)) => {
            if let Some(why) = missing_evidence(b, n) {
                return Verdict::NoEvidence(why);
            }
            if b.config_id != n.config_id {
                let shown = |id: &str| if id.is_empty() { "none".to_string() } else { id.to_string() };
                return Verdict::Changed { baseline: shown(&b.config_id), now: shown(&n.config_id) };
            }
            let tol = tolerance(b, n);
            if n.mean < b.mean - tol {
                Verdict::Regressed
            } else if n.mean > b.mean + tol {
                Verdict::Improved
            } else {
                Verdict::Unchanged
            }
        }
        (Some(_), None) => Verdict::MissingNow,
        (None, _) => Verdict::NewCase,
    }
}

/// Verdicts for every case of either side (baseline order, then new cases) and the
/// side-by-side table.
pub fn compare(baseline: &[CaseStats], now: &[CaseStats]) -> (Vec<(String, Verdict)>, String) {
    let mut cases: Vec<&str> = baseline.iter().map(|c| c.case.as_str()).collect();
    cases.extend(now.iter().map(|c| c.case.as_str()).filter(|c| !baseline.iter().any(|b| b.case == *c)));
    let mut rows = vec![["case", "baseline", "now", "diff", "tolerance", "verdict"].map(String::from).to_vec()];
    let mut verdicts = Vec::new();
    let fmt = |c: Option<&CaseStats>| {
        c.map_or("-".into(), |c| {
            let failed = if c.failed > 0 { format!(", {} failed", c.failed) } else { String::new() };
            format!("{:.4} ± {:.4} (n {}{failed})", c.mean, c.se, c.replicates)
        })
    };
    for case in cases {
        let b = baseline.iter().find(|c| c.case == case);
        let n = now.iter().find(|c| c.case == case);
        let v = verdict(b, n);
        let (diff, tol) = match (b, n) {
            (Some(b), Some(n)) => (format!("{:+.4}", n.mean - b.mean), format!("{:.4}", tolerance(b, n))),
            _ => ("-".into(), "-".into()),
        };
        rows.push(vec![case.to_string(), fmt(b), fmt(n), diff, tol, v.word()]);
        verdicts.push((case.to_string(), v));
    }
    (verdicts, crate::text::table(&rows))
}

/// The case name of a configuration: its swept values, or the sweep's name without axes.
pub fn case_name(sweep: &Sweep, config: usize) -> String {
    let c = &sweep.configs[config];
    if c.swept.is_empty() {
        return sweep.name.clone();
    }
    c.swept.iter().map(|(k, v)| format!("{k}={}", canonical_value(v))).collect::<Vec<_>>().join(" ")
}

/// The statistics of every case of `sweep` from its runs' results.
pub fn cases(sweep: &Sweep, results: &[RunResult]) -> Vec<CaseStats> {
    sweep
        .configs
        .iter()
        .map(|c| {
            let id = c.id_hex();
            let runs: Vec<&RunResult> = results.iter().filter(|r| r.config_id == id).collect();
            let d = describe(runs.iter().filter_map(|r| r.test_accuracy));
            CaseStats {
                case: case_name(sweep, c.index),
                config_id: id,
                replicates: d.n,
                failed: runs.iter().filter(|r| !r.ok()).count() as u64,
                mean: d.mean.unwrap_or(f64::NAN),
                se: d.se.unwrap_or(f64::NAN),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(case: &str, mean: f64, se: f64) -> CaseStats {
        CaseStats { case: case.into(), config_id: "x".into(), replicates: 32, failed: 0, mean, se }
    }

    #[test]
    fn the_rule_by_hand() {
        // tolerance 3 * sqrt(0.003^2 + 0.004^2) = 3 * 0.005 = 0.015
        let b = stats("a", 0.95, 0.003);
        assert!((tolerance(&b, &stats("a", 0.0, 0.004)) - 0.015).abs() < 1e-15);
        assert_eq!(verdict(Some(&b), Some(&stats("a", 0.936, 0.004))), Verdict::Unchanged);
        assert_eq!(verdict(Some(&b), Some(&stats("a", 0.934, 0.004))), Verdict::Regressed);
        assert_eq!(verdict(Some(&b), Some(&stats("a", 0.966, 0.004))), Verdict::Improved);
        assert_eq!(verdict(Some(&b), None), Verdict::MissingNow);
        assert_eq!(verdict(None, Some(&b)), Verdict::NewCase);
        assert!(Verdict::NewCase.fails(), "a case the baseline lacks fails");
    }

    #[test]
    fn another_configuration_under_the_same_name_fails() {
        let b = stats("a", 0.95, 0.003);
        let moved = CaseStats { config_id: "y".into(), ..stats("a", 0.95, 0.003) };
        let v = verdict(Some(&b), Some(&moved));
        assert_eq!(v, Verdict::Changed { baseline: "x".into(), now: "y".into() });
        assert!(v.fails() && v.word().contains("configuration changed"), "{}", v.word());
    }

    #[test]
    fn missing_evidence_fails_whatever_the_means() {
        let b = stats("a", 0.95, 0.003);
        let all_failed = CaseStats { replicates: 0, failed: 32, mean: f64::NAN, se: f64::NAN, ..stats("a", 0.0, 0.0) };
        let cases = [
            (all_failed, "32 run(s) failed"),
            (CaseStats { failed: 1, ..stats("a", 0.95, 0.003) }, "1 run(s) failed"),
            (CaseStats { replicates: 31, ..stats("a", 0.95, 0.003) }, "31 successful replicates, the baseline has 32"),
            (stats("a", f64::NAN, 0.003), "no finite mean and standard error now"),
            (stats("a", 0.95, f64::INFINITY), "no finite mean and standard error now"),
        ];
        for (now, why) in cases {
            assert_eq!(verdict(Some(&b), Some(&now)), Verdict::NoEvidence(why.into()), "{now:?}");
        }
        let empty_se = stats("a", 0.95, f64::NAN);
        let v = verdict(Some(&empty_se), Some(&stats("a", 0.52, 0.003)));
        assert_eq!(v, Verdict::NoEvidence("no finite mean and standard error in the baseline".into()));
        assert!(v.fails());
    }

    #[test]
    fn table_lists_every_case_with_its_verdict() {
        let (v, table) =
            compare(&[stats("a", 0.9, 0.01), stats("b", 0.8, 0.01)], &[stats("a", 0.5, 0.01), stats("c", 0.7, 0.01)]);
        assert_eq!(
            v,
            vec![("a".into(), Verdict::Regressed), ("b".into(), Verdict::MissingNow), ("c".into(), Verdict::NewCase)]
        );
        assert!(table.contains("REGRESSED") && table.contains("MISSING") && table.contains("-0.4000"), "{table}");
        assert!(table.contains("not in the baseline"), "{table}");
    }
}
