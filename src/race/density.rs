//! `sampler = "tpe"`: the race learns from every candidate it has evaluated, not only from its
//! elites. Each new candidate is the best of [`PROPOSALS`] draws of irace's model ([`super::model`])
//! by the density ratio of the tree-structured Parzen estimator (Bergstra et al. 2011, as Optuna's
//! `TPESampler`): `l(x) / g(x)`, with `l` the density of the good candidates so far and `g` that of
//! the others.
//!
//! - **Scores.** Seeds differ in difficulty, and candidates were raced on different seeds, so a
//!   candidate's score is the mean over its seeds of its cost minus the median cost of every
//!   candidate on that seed (lower is better); failed runs are left out, and a candidate with
//!   fewer than two finite costs is not scored, unless it was run once (a candidate dropped
//!   `behind` after its first seed: one run is enough to say it is bad).
//! - **Split.** The best `min(ceil(n / 10), 25)` of the `n` scored candidates are good (Optuna's
//!   default `gamma`), at least one.
//! - **Densities.** Per parameter, independent: on `[0, 1]` (log reals through their logarithm,
//!   whole numbers through their range), a mixture of a uniform prior (weight one) and a Gaussian
//!   kernel of width `max(0.05, 1.06 sd n^(-1/5))` at each point (Scott's rule); choices by
//!   counts plus one.
//!
//! Every draw comes from the race's own random stream, so the race stays a function of its seed.

use std::collections::HashMap;

use super::space::{Domain, Param, Value};

/// Draws of irace's model per new candidate.
pub const PROPOSALS: usize = 16;

/// Where a value sits on `[0, 1]`.
fn unit(p: &Param, v: Value) -> Option<f64> {
    match (&p.domain, v) {
        (Domain::Real { lo, hi, log: true }, Value::Num(x)) => Some((x.ln() - lo.ln()) / (hi.ln() - lo.ln())),
        (Domain::Real { lo, hi, .. }, Value::Num(x)) => Some((x - lo) / (hi - lo)),
        (Domain::Int { lo, hi }, Value::Num(x)) => Some((x - *lo as f64) / ((hi - lo) as f64).max(1.0)),
        _ => None,
    }
}

/// One parameter's density over a set of values.
enum Density {
    Numeric { points: Vec<f64>, width: f64 },
    Choice { log_p: Vec<f64> },
}

impl Density {
    fn of(p: &Param, values: &[Value]) -> Density {
        match &p.domain {
            Domain::Choice(xs) => {
                let mut counts = vec![1.0; xs.len()];
                for v in values {
                    if let Value::Choice(i) = v {
                        counts[*i] += 1.0;
                    }
                }
                let total: f64 = counts.iter().sum();
                Density::Choice { log_p: counts.iter().map(|c| (c / total).ln()).collect() }
            }
            _ => {
                let points: Vec<f64> = values.iter().filter_map(|&v| unit(p, v)).collect();
                let n = points.len().max(1) as f64;
                let mean = points.iter().sum::<f64>() / n;
                let sd = (points.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                Density::Numeric { width: (1.06 * sd * n.powf(-0.2)).max(0.05), points }
            }
        }
    }

    fn log_density(&self, p: &Param, v: Value) -> f64 {
        match (self, v) {
            (Density::Choice { log_p }, Value::Choice(i)) => log_p[i],
            (Density::Numeric { points, width }, v) => {
                let Some(x) = unit(p, v) else { return 0.0 };
                // The uniform prior on [0, 1] has density 1.
                let norm = 1.0 / (width * (2.0 * std::f64::consts::PI).sqrt());
                let sum: f64 =
                    1.0 + points.iter().map(|m| norm * (-0.5 * ((x - m) / width).powi(2)).exp()).sum::<f64>();
                (sum / (points.len() + 1) as f64).ln()
            }
            _ => 0.0,
        }
    }
}

/// The density ratio of the candidates evaluated so far.
pub struct Ratio {
    good: Vec<Density>,
    bad: Vec<Density>,
}

impl Ratio {
    /// From `values[c]` and the costs by `(candidate, seed index)`; `None` with fewer than two
    /// scored candidates.
    pub fn fit(params: &[Param], values: &[&[Value]], costs: &HashMap<(usize, u32), f64>) -> Option<Ratio> {
        let mut by_seed: HashMap<u32, Vec<f64>> = HashMap::new();
        for (&(_, i), &v) in costs {
            if v.is_finite() {
                by_seed.entry(i).or_default().push(v);
            }
        }
        let median: HashMap<u32, f64> = by_seed
            .into_iter()
            .map(|(i, mut vs)| {
                vs.sort_by(f64::total_cmp);
                let n = vs.len();
                (i, if n % 2 == 1 { vs[n / 2] } else { 0.5 * (vs[n / 2 - 1] + vs[n / 2]) })
            })
            .collect();
        let mut rel: Vec<Vec<(u32, f64)>> = vec![Vec::new(); values.len()];
        let mut runs = vec![0usize; values.len()];
        for (&(c, i), &v) in costs {
            if c < values.len() {
                runs[c] += 1;
                if v.is_finite() {
                    rel[c].push((i, v - median[&i]));
                }
            }
        }
        let mut scored: Vec<(f64, usize)> = rel
            .into_iter()
            .enumerate()
            .filter(|(c, r)| r.len() >= 2 || (r.len() == 1 && runs[*c] == 1))
            .map(|(c, mut r)| {
                // Summed in seed order, so the score does not depend on the map's order.
                r.sort_by_key(|&(i, _)| i);
                (r.iter().map(|&(_, d)| d).sum::<f64>() / r.len() as f64, c)
            })
            .collect();
        if scored.len() < 2 {
            return None;
        }
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let n_good = scored.len().div_ceil(10).clamp(1, 25);
        let column = |who: &[(f64, usize)], k: usize| who.iter().map(|&(_, c)| values[c][k]).collect::<Vec<_>>();
        let (good, bad) = scored.split_at(n_good);
        Some(Ratio {
            good: params.iter().enumerate().map(|(k, p)| Density::of(p, &column(good, k))).collect(),
            bad: params.iter().enumerate().map(|(k, p)| Density::of(p, &column(bad, k))).collect(),
        })
    }

    /// `log l(x) - log g(x)`: higher is more promising.
    pub fn score(&self, params: &[Param], x: &[Value]) -> f64 {
        params
            .iter()
            .zip(x)
            .enumerate()
            .map(|(k, (p, &v))| self.good[k].log_density(p, v) - self.bad[k].log_density(p, v))
            .sum()
    }
}

/// A draw of `sample` (a parent and values): the only one without a ratio, else the best of
/// [`PROPOSALS`] by it (the first of equals).
pub fn best_of(
    ratio: Option<&Ratio>,
    params: &[Param],
    mut sample: impl FnMut() -> (u64, Vec<Value>),
) -> (u64, Vec<Value>) {
    let first = sample();
    let Some(r) = ratio else { return first };
    let mut best = (r.score(params, &first.1), first);
    for _ in 1..PROPOSALS {
        let next = sample();
        let score = r.score(params, &next.1);
        if score > best.0 {
            best = (score, next);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::params::Section;

    fn real(name: &str, log: bool) -> Param {
        Param {
            section: Section::Model,
            name: name.into(),
            domain: Domain::Real { lo: 0.01, hi: 1.0, log },
            key: format!("random.{name}"),
        }
    }

    /// Candidates near x = 0.2 are good on every seed (whatever the seed's own difficulty): the
    /// ratio prefers a point near 0.2 to one far from it, and a choice the good ones made.
    #[test]
    fn the_ratio_prefers_where_the_good_candidates_are() {
        let params = vec![
            real("x", false),
            Param {
                section: Section::Protocol,
                name: "prediction".into(),
                domain: Domain::Choice(vec!["a".into(), "b".into()]),
                key: "random.prediction".into(),
            },
        ];
        let xs: Vec<Vec<Value>> = (0..40)
            .map(|c| vec![Value::Num(0.01 + 0.99 * c as f64 / 39.0), Value::Choice(usize::from(c % 3 == 0))])
            .collect();
        let mut costs = HashMap::new();
        for (c, v) in xs.iter().enumerate() {
            let Value::Num(x) = v[0] else { unreachable!() };
            let choice = if v[1] == Value::Choice(1) { 0.05 } else { 0.0 };
            for i in 0..4u32 {
                // Seed i is i/10 harder for everyone; candidate c was raced on seeds c%2.. only.
                if (c + i as usize).is_multiple_of(2) || i < 2 {
                    costs.insert((c, i), (x - 0.2).abs() + choice + i as f64 / 10.0);
                }
            }
        }
        let refs: Vec<&[Value]> = xs.iter().map(Vec::as_slice).collect();
        let r = Ratio::fit(&params, &refs, &costs).unwrap();
        let near = r.score(&params, &[Value::Num(0.21), Value::Choice(0)]);
        let far = r.score(&params, &[Value::Num(0.9), Value::Choice(0)]);
        let other_choice = r.score(&params, &[Value::Num(0.21), Value::Choice(1)]);
        assert!(near > far + 1.0, "near {near}, far {far}");
        assert!(near > other_choice, "near {near}, with the other choice {other_choice}");
        assert!(Ratio::fit(&params, &refs[..1], &costs).is_none(), "one candidate: no ratio");
        // The log scale: 0.02 and 0.04 are as far apart as 0.4 and 0.8.
        let lp = real("lr", true);
        assert!(
            (unit(&lp, Value::Num(0.04)).unwrap()
                - unit(&lp, Value::Num(0.02)).unwrap()
                - (unit(&lp, Value::Num(0.8)).unwrap() - unit(&lp, Value::Num(0.4)).unwrap()))
            .abs()
                < 1e-12
        );
    }
}
