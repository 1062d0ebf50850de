//! irace's sampling model: how new candidates are drawn around the elites of the last race (irace
//! `R/model.R`, `R/generation.R`, `R/parameters.R`).
//!
//! Each elite carries, per parameter, either a numeric model `(sd, value)` or a categorical one (a
//! probability per choice):
//!
//! - **initialised** after the first race: `sd = (hi - lo)/2` (0.5 for log-scale reals, whose
//!   values are sampled on `[0, 1]` after `x -> (ln x - ln lo)/(ln hi - ln lo)`), probabilities
//!   uniform;
//! - **updated** before iteration `i` (of `I` planned, `d` parameters, `n` new candidates): an elite
//!   born in the last race copies its parent's model; then `sd *= (1/n)^(1/d)` and the value becomes
//!   the elite's own, while a categorical vector is scaled by `1 - (i-1)/I`, the elite's choice
//!   gets `+ (i-1)/I`, and after normalising each probability is capped at `0.2^(1/d)` and the
//!   vector normalised again (irace's elitist update);
//! - **sampled**: a parent elite is drawn with weight `(E + 1 - rank)/(E(E+1)/2)` (`E` elites,
//!   rank 1 the best), then each numeric parameter from a normal around the parent's value with
//!   the parent's `sd`, truncated to the domain ([`super::tnorm`]; whole numbers on
//!   `[lo, hi + 1)` around `value + 0.5`, then floored), each categorical from the parent's
//!   probabilities.

use std::collections::HashMap;

use rand::{Rng, RngExt};

use super::space::{Domain, Param, Space, Value};
use super::tnorm;

/// One elite's model of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamModel {
    /// Standard deviation (on the `[0, 1]` scale for log reals) and centre.
    Numeric { sd: f64, value: f64 },
    /// A probability per choice.
    Choice(Vec<f64>),
}

/// The models of the elites, by candidate id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub by_id: HashMap<u64, Vec<ParamModel>>,
}

/// An elite as the model sees it: its id, its parent's id, its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Elite<'a> {
    pub id: u64,
    pub parent: Option<u64>,
    pub values: &'a [Value],
}

fn to_unit(lo: f64, hi: f64, x: f64) -> f64 {
    (x.ln() - lo.ln()) / (hi.ln() - lo.ln())
}

fn from_unit(lo: f64, hi: f64, u: f64) -> f64 {
    (lo.ln() + (hi.ln() - lo.ln()) * u).exp().clamp(lo, hi)
}

impl Model {
    /// The model after the first race: one entry per elite, spread over the whole domain.
    pub fn initial(space: &Space, elites: &[Elite]) -> Model {
        let mut m = Model::default();
        for e in elites {
            let entry = space
                .params
                .iter()
                .zip(e.values)
                .map(|(p, &v)| match (&p.domain, v) {
                    (Domain::Choice(xs), _) => ParamModel::Choice(vec![1.0 / xs.len() as f64; xs.len()]),
                    (Domain::Real { log: true, .. }, Value::Num(x)) => ParamModel::Numeric { sd: 0.5, value: x },
                    (Domain::Real { lo, hi, .. }, Value::Num(x)) => {
                        ParamModel::Numeric { sd: (hi - lo) * 0.5, value: x }
                    }
                    (Domain::Int { lo, hi }, Value::Num(x)) => {
                        ParamModel::Numeric { sd: (hi - lo) as f64 * 0.5, value: x }
                    }
                    (_, Value::Choice(_)) => unreachable!("a choice value only in a choice domain"),
                })
                .collect();
            m.by_id.insert(e.id, entry);
        }
        m
    }

    /// The model before iteration `iteration` (1-based) of `iterations`, drawing `new` candidates.
    pub fn update(&self, space: &Space, elites: &[Elite], iteration: usize, iterations: usize, new: usize) -> Model {
        let d = space.params.len().max(1) as f64;
        let dec = 1.0 - (iteration as f64 - 1.0) / iterations as f64;
        let add = (iteration as f64 - 1.0) / iterations as f64;
        let num_factor = (1.0 / new.max(1) as f64).powf(1.0 / d);
        let prob_max = 0.2f64.powf(1.0 / d);
        let mut m = Model::default();
        for e in elites {
            let from = self.by_id.get(&e.id).or_else(|| e.parent.and_then(|p| self.by_id.get(&p)));
            let Some(old) = from else { continue };
            let entry = old
                .iter()
                .zip(e.values)
                .map(|(pm, &v)| match (pm, v) {
                    (ParamModel::Numeric { sd, .. }, Value::Num(x)) => {
                        ParamModel::Numeric { sd: sd * num_factor, value: x }
                    }
                    (ParamModel::Choice(p), Value::Choice(i)) => {
                        let mut p: Vec<f64> = p.iter().map(|q| q * dec).collect();
                        p[i] += add;
                        normalise(&mut p);
                        p.iter_mut().for_each(|q| *q = q.min(prob_max));
                        normalise(&mut p);
                        ParamModel::Choice(p)
                    }
                    (pm, _) => pm.clone(),
                })
                .collect();
            m.by_id.insert(e.id, entry);
        }
        m
    }

    /// A new candidate's values and its parent: `elites` best first.
    pub fn sample(&self, space: &Space, elites: &[Elite], rng: &mut impl Rng) -> (u64, Vec<Value>) {
        let n = elites.len();
        let total = (n * (n + 1)) as f64 / 2.0;
        let mut u = rng.random::<f64>() * total;
        let mut parent = &elites[n - 1];
        for (rank, e) in elites.iter().enumerate() {
            u -= (n - rank) as f64;
            if u < 0.0 {
                parent = e;
                break;
            }
        }
        let values = match self.by_id.get(&parent.id) {
            Some(model) => space.params.iter().zip(model).map(|(p, m)| sample_param(p, m, rng)).collect(),
            // Every elite has a model (initial() or update() made it); uniform is the fallback.
            None => space.params.iter().map(|p| p.uniform(rng)).collect(),
        };
        (parent.id, values)
    }
}

fn normalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 {
        p.iter_mut().for_each(|q| *q /= s);
    }
}

fn sample_param(p: &Param, m: &ParamModel, rng: &mut impl Rng) -> Value {
    match (&p.domain, m) {
        (Domain::Real { lo, hi, log: true }, ParamModel::Numeric { sd, value }) => {
            let u = tnorm::sample(rng, to_unit(*lo, *hi, *value), *sd, 0.0, 1.0);
            Value::Num(from_unit(*lo, *hi, u))
        }
        (Domain::Real { lo, hi, .. }, ParamModel::Numeric { sd, value }) => {
            Value::Num(tnorm::sample(rng, *value, *sd, *lo, *hi))
        }
        (Domain::Int { lo, hi }, ParamModel::Numeric { sd, value }) => {
            let x = tnorm::sample(rng, value + 0.5, *sd, *lo as f64, *hi as f64 + 1.0);
            Value::Num(x.floor().clamp(*lo as f64, *hi as f64))
        }
        (Domain::Choice(_), ParamModel::Choice(probs)) => {
            let mut u = rng.random::<f64>();
            for (i, q) in probs.iter().enumerate() {
                u -= q;
                if u < 0.0 {
                    return Value::Choice(i);
                }
            }
            Value::Choice(probs.len() - 1)
        }
        _ => p.uniform(rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn space() -> Space {
        let raw = crate::config::parse_text(
            "t.toml",
            "[random]\nlr = { log_uniform = [0.001, 0.1] }\ntrain_presentations = { int = [100, 400] }\n\
             c_inp = { uniform = [0.0, 1.0] }\nprediction = { choice = [\"trace\", \"spikes\"] }\n",
        )
        .unwrap();
        Space::of(&raw).unwrap()
    }

    #[test]
    fn the_update_shrinks_spreads_and_concentrates_choices_as_irace_does() {
        let s = space();
        let v = [Value::Num(0.01), Value::Num(250.0), Value::Num(0.5), Value::Choice(1)];
        let elites = [Elite { id: 1, parent: None, values: &v }];
        let m0 = Model::initial(&s, &elites);
        assert_eq!(m0.by_id[&1][0], ParamModel::Numeric { sd: 0.5, value: 0.01 });
        assert_eq!(m0.by_id[&1][1], ParamModel::Numeric { sd: 150.0, value: 250.0 });
        assert_eq!(m0.by_id[&1][3], ParamModel::Choice(vec![0.5, 0.5]));
        // Iteration 2 of 4 with 16 new candidates and 4 parameters: sd *= (1/16)^(1/4) = 0.5;
        // choices: p * 0.75 = [0.375, 0.375], +0.25 on the elite's: [0.375, 0.625], under the cap
        // 0.2^(1/4) = 0.669.
        let child = [Elite { id: 7, parent: Some(1), values: &v }];
        let m1 = m0.update(&s, &child, 2, 4, 16);
        assert_eq!(m1.by_id[&7][1], ParamModel::Numeric { sd: 75.0, value: 250.0 });
        let close = |p: &ParamModel, want: [f64; 2]| match p {
            ParamModel::Choice(p) => {
                assert!((p[0] - want[0]).abs() < 1e-12 && (p[1] - want[1]).abs() < 1e-12, "{p:?} vs {want:?}")
            }
            other => panic!("{other:?}"),
        };
        close(&m1.by_id[&7][3], [0.375, 0.625]);
        // Iteration 3: p * 0.5 = [0.1875, 0.3125], +0.5: [0.1875, 0.8125], capped at 0.669, normalised.
        let m2 = m1.update(&s, &child, 3, 4, 16);
        let cap = 0.2f64.powf(0.25);
        close(&m2.by_id[&7][3], [0.1875 / (0.1875 + cap), cap / (0.1875 + cap)]);
    }

    #[test]
    fn samples_stay_in_their_domains_and_near_a_narrow_parent() {
        let s = space();
        let v = [Value::Num(0.01), Value::Num(250.0), Value::Num(0.5), Value::Choice(0)];
        let elites = [Elite { id: 1, parent: None, values: &v }];
        let mut m = Model::initial(&s, &elites);
        for i in 2..=8 {
            m = m.update(&s, &elites, i, 8, 64);
        }
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        for _ in 0..2000 {
            let (parent, x) = m.sample(&s, &elites, &mut rng);
            assert_eq!(parent, 1);
            let (Value::Num(lr), Value::Num(n), Value::Num(c)) = (x[0], x[1], x[2]) else { panic!() };
            assert!((0.001..=0.1).contains(&lr) && (100.0..=400.0).contains(&n) && (0.0..=1.0).contains(&c));
            assert_eq!(n, n.floor());
            // sd after 7 updates: (1/64)^(7/4) = 7e-4 of the initial: values hug the parent.
            assert!((c - 0.5).abs() < 0.01 && (n - 250.0).abs() <= 1.0, "{x:?}");
        }
    }

    #[test]
    fn parents_are_drawn_by_rank_weights() {
        let s = space();
        let v = [Value::Num(0.01), Value::Num(250.0), Value::Num(0.5), Value::Choice(0)];
        let elites: Vec<Elite> = (1..=3).map(|id| Elite { id, parent: None, values: &v }).collect();
        let m = Model::initial(&s, &elites);
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        let mut counts = [0usize; 3];
        for _ in 0..60_000 {
            counts[(m.sample(&s, &elites, &mut rng).0 - 1) as usize] += 1;
        }
        // Weights 3/6, 2/6, 1/6: 30,000, 20,000, 10,000 (binomial sd < 125).
        for (c, want) in counts.iter().zip([30_000.0, 20_000.0, 10_000.0]) {
            assert!((*c as f64 - want).abs() < 600.0, "{counts:?}");
        }
    }
}
