//! The accuracy regression rule: compare each case's mean test accuracy with a baseline.
//!
//! With means `m_b` (baseline) and `m_n` (new) and standard errors `se_b`, `se_n`, the tolerance is
//! `Z * sqrt(se_b^2 + se_n^2)` with `Z = 3` (a one-sided false alarm rate of about 0.13% per case
//! if nothing changed but the seeds). The new mean **regressed** when `m_n < m_b - tolerance`,
//! **improved** when `m_n > m_b + tolerance`, and is **unchanged** otherwise. A case missing from
//! either side fails the check too.

/// Standard errors apart before a difference counts.
pub const Z: f64 = 3.0;

/// One case's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseStats {
    /// The case: its swept values in canonical form, e.g. `classes=[0, 1] sampling="holdout"`.
    pub case: String,
    pub config_id: String,
    pub replicates: u64,
    pub mean: f64,
    pub se: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Unchanged,
    Improved,
    Regressed,
    MissingNow,
    NewCase,
}

impl Verdict {
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Regressed | Verdict::MissingNow)
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Unchanged => "ok",
            Verdict::Improved => "IMPROVED",
            Verdict::Regressed => "REGRESSED",
            Verdict::MissingNow => "MISSING",
            Verdict::NewCase => "new",
        }
    }
}

/// The tolerance of a comparison.
pub fn tolerance(a: &CaseStats, b: &CaseStats) -> f64 {
    Z * (a.se * a.se + b.se * b.se).sqrt()
}

/// Compare a baseline case with its new statistics.
pub fn verdict(baseline: Option<&CaseStats>, now: Option<&CaseStats>) -> Verdict {
    match (baseline, now) {
        (Some(b), Some(n)) => {
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
    let mut rows = vec![vec![
        "case".to_string(),
        "baseline".into(),
        "now".into(),
        "diff".into(),
        "tolerance".into(),
        "verdict".into(),
    ]];
    let mut verdicts = Vec::new();
    let fmt =
        |c: Option<&CaseStats>| c.map_or("-".into(), |c| format!("{:.4} ± {:.4} (n {})", c.mean, c.se, c.replicates));
    for case in cases {
        let b = baseline.iter().find(|c| c.case == case);
        let n = now.iter().find(|c| c.case == case);
        let v = verdict(b, n);
        let (diff, tol) = match (b, n) {
            (Some(b), Some(n)) => (format!("{:+.4}", n.mean - b.mean), format!("{:.4}", tolerance(b, n))),
            _ => ("-".into(), "-".into()),
        };
        rows.push(vec![case.to_string(), fmt(b), fmt(n), diff, tol, v.word().into()]);
        verdicts.push((case.to_string(), v));
    }
    (verdicts, crate::text::table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(case: &str, mean: f64, se: f64) -> CaseStats {
        CaseStats { case: case.into(), config_id: "x".into(), replicates: 32, mean, se }
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
    }
}
