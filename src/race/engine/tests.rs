//! The race on synthetic objectives: costs from known means plus seeded noise, so that what a race
//! should do is known.

use std::collections::HashMap;
use std::convert::Infallible;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use super::*;

fn setup(candidates: usize, instances: u32, max_experiments: usize) -> Setup {
    Setup {
        candidates,
        instances: (0..instances).collect(),
        known: HashMap::new(),
        first_test: 5,
        each_test: 1,
        confidence: 0.95,
        test: TestKind::Friedman,
        min_survival: 1,
        elitist_limit: 0,
        max_experiments,
        behind: None,
    }
}

/// Costs `-(mean_c + block_i + noise_ci)`: accuracies with a seed effect shared by all candidates
/// (sd `block_sd`, the reason for common seeds) and each run's own noise (sd `noise_sd`), from a
/// stream per (candidate, instance), so the same pair always gets the same cost.
fn objective(
    means: Vec<f64>,
    block_sd: f64,
    noise_sd: f64,
    seed: u64,
) -> impl FnMut(&[(usize, u32)]) -> Result<Vec<f64>, Infallible> {
    move |batch| {
        Ok(batch
            .iter()
            .map(|&(c, i)| {
                let mut block = Pcg64Mcg::seed_from_u64(crate::rng::stream_seed(seed, 1_000_000 + i as u64));
                let mut own = Pcg64Mcg::seed_from_u64(crate::rng::stream_seed(seed ^ (c as u64) << 32, i as u64));
                let b: f64 = StandardNormal.sample(&mut block);
                let e: f64 = StandardNormal.sample(&mut own);
                -(means[c] + block_sd * b + noise_sd * e)
            })
            .collect())
    }
}

#[test]
fn a_clearly_worse_candidate_goes_at_the_first_test_and_a_failed_run_at_once() {
    let s = setup(4, 30, 1000);
    let mut f = |batch: &[(usize, u32)]| -> Result<Vec<f64>, Infallible> {
        Ok(batch
            .iter()
            .map(|&(c, i)| if c == 3 && i == 1 { f64::INFINITY } else { c as f64 + 0.001 * i as f64 })
            .collect())
    };
    let o = race(&s, &mut f).unwrap();
    assert_eq!(o.eliminated[3], Some(Elimination { by: Cause::FailedRun, p_value: None, task: 2, seed_index: 1 }));
    // Every block ranks 0 < 1 < 2: Friedman is significant at the first test and Conover's
    // standard error is 0, so both worse ones go there.
    for c in [1, 2] {
        let e = o.eliminated[c].as_ref().expect("eliminated");
        assert_eq!((e.by, e.task, e.p_value), (Cause::Conover, 5, Some(0.0)), "{c}: {e:?}");
    }
    assert_eq!(o.ranking, [0], "one survivor: min_survival");
    assert!(o.eliminated[0].is_none());
}

#[test]
fn of_two_the_one_never_better_goes_without_a_test_and_otherwise_wilcoxon_decides() {
    let s = setup(2, 30, 1000);
    let mut f = |batch: &[(usize, u32)]| -> Result<Vec<f64>, Infallible> {
        Ok(batch.iter().map(|&(c, i)| if c == 0 { 0.0 } else { (i % 3) as f64 * 0.5 }).collect())
    };
    let o = race(&s, &mut f).unwrap();
    // Candidate 1 ties on seeds 0, 3 and is worse on the others: never better, so dominated.
    assert_eq!(o.eliminated[1].as_ref().map(|e| (e.by, e.task)), Some((Cause::Dominated, 5)));
    let mut g = |batch: &[(usize, u32)]| -> Result<Vec<f64>, Infallible> {
        // 1 is worse by 1 on most seeds, better by 0.5 on every fifth.
        Ok(batch
            .iter()
            .map(|&(c, i)| {
                if c == 0 {
                    0.0
                } else if i % 5 == 4 {
                    -0.5 - i as f64 * 1e-3
                } else {
                    1.0 + i as f64 * 1e-3
                }
            })
            .collect())
    };
    let o = race(&s, &mut g).unwrap();
    let e = o.eliminated[1].as_ref().expect("dropped by the signed-rank test");
    assert_eq!(e.by, Cause::Wilcoxon);
    assert!(e.p_value.unwrap() < 0.05 && e.task > 5, "{e:?}");
}

#[test]
fn elites_are_protected_until_the_new_candidates_have_caught_up() {
    // Candidate 0 is an elite with results on seeds 10..15, and is worse than 1 and 2 everywhere.
    let mut s = setup(3, 0, 1000);
    s.instances = vec![20, 10, 11, 12, 13, 14, 21, 22, 23];
    s.known = (10..15).map(|i| ((0, i), 5.0)).collect();
    s.min_survival = 0;
    let mut asked = Vec::new();
    let mut f = |batch: &[(usize, u32)]| -> Result<Vec<f64>, Infallible> {
        asked.extend_from_slice(batch);
        Ok(batch.iter().map(|&(c, _)| if c == 0 { 5.0 } else { c as f64 }).collect())
    };
    let o = race(&s, &mut f).unwrap();
    // Candidate 2 goes at the first test (task 5); the elite, though worst, is still protected
    // then (seed 14 is ahead), and goes at task 6, once the others have run every carried seed.
    assert_eq!(o.eliminated[2].as_ref().map(|e| e.task), Some(5));
    let e = o.eliminated[0].as_ref().expect("the elite goes in the end");
    assert_eq!((e.task, e.seed_index, e.by), (6, 14, Cause::Dominated), "{e:?}");
    assert!(!asked.iter().any(|&(c, i)| c == 0 && (10..15).contains(&i)), "carried results are not re-run");
    assert_eq!(o.used, asked.len());
}

#[test]
fn the_race_is_deterministic_and_uses_whole_blocks() {
    let s = setup(10, 25, 250);
    let means: Vec<f64> = (0..10).map(|c| 0.7 + 0.01 * c as f64).collect();
    let a = race(&s, &mut objective(means.clone(), 0.05, 0.02, 9)).unwrap();
    let b = race(&s, &mut objective(means, 0.05, 0.02, 9)).unwrap();
    assert_eq!(a, b);
    assert!(a.used <= 250);
    for r in &a.trace {
        assert!(r.used <= 250 && r.alive >= 1);
    }
}

/// The acceptance test of the racing logic: 50 candidates whose true mean accuracies are 0.70,
/// but one at 0.75 (a margin of 0.05: 2.5 times the per-run noise sd of 0.02, while seeds shift
/// every candidate together with sd 0.05), raced on up to 40 seeds, 400 races with different noise.
///
/// Measured (this code, these seeds): the best survives 400 of 400 races, and a race uses 21.9%
/// of the exhaustive 50 x 40 = 2,000 runs on average. Thresholds, with room for the binomial spread
/// of 400 races: the best survives at least 398 of the 400 races (Conover compares each candidate
/// with the best, so the best itself is dropped only if the Friedman test is significant and
/// another candidate's rank sum beats it by the critical difference, which a 2.5-sd margin makes
/// rare: the seeds are fixed, so this measures the code, and two losses are the most a correct
/// change of the engine's arithmetic should cost), and a race uses at most 25% of
/// the exhaustive budget (the first test alone costs 250 runs, 12.5%; the 49 equal candidates then
/// leave as their rank sums fall behind the best's, most within the next ten seeds).
#[test]
fn the_true_best_survives_and_the_budget_is_mostly_saved() {
    let races = 400;
    let mut survived = 0;
    let mut used = 0;
    for r in 0..races {
        let means: Vec<f64> = (0..50).map(|c| if c == 17 { 0.75 } else { 0.70 }).collect();
        let s = setup(50, 40, 2000);
        let o = race(&s, &mut objective(means, 0.05, 0.02, 1000 + r)).unwrap();
        survived += usize::from(o.alive[17]);
        used += o.used;
    }
    let share = used as f64 / (races as f64 * 2000.0);
    eprintln!("the best survived {survived} of {races} races; {:.1}% of the exhaustive budget used", 100.0 * share);
    assert!(survived + 2 >= races as usize, "{survived} of {races}");
    assert!(share <= 0.25, "{share}");
}

#[test]
fn t_holm_drops_what_is_clearly_worse_and_keeps_ties() {
    let b: Vec<Vec<f64>> = (0..10)
        .map(|i| vec![-0.8 - 0.001 * (i % 3) as f64, -0.8 - 0.001 * (i % 3) as f64, -0.5 + 0.01 * (i % 2) as f64])
        .collect();
    let dropped = eliminate(TestKind::THolm, &b, 0.95);
    assert_eq!(dropped.iter().map(|d| d.0).collect::<Vec<_>>(), [2], "{dropped:?}");
}

/// The hint: before each stretch up to a test, every evaluation the stretch then asks for was
/// announced (a superset: a failed run's candidate is announced but not asked again), and the first
/// hint covers the whole first test; the race decides exactly as a closure that ignores hints.
#[test]
fn hints_announce_every_evaluation_up_to_the_next_test() {
    struct Hinted<F> {
        f: F,
        announced: std::collections::HashSet<(usize, u32)>,
        hints: Vec<usize>,
        unannounced: usize,
    }
    impl<F: FnMut(&[(usize, u32)]) -> Result<Vec<f64>, Infallible>> Evaluate<Infallible> for Hinted<F> {
        fn evaluate(&mut self, batch: &[(usize, u32)]) -> Result<Vec<f64>, Infallible> {
            self.unannounced += batch.iter().filter(|b| !self.announced.contains(b)).count();
            (self.f)(batch)
        }
        fn ahead(&mut self, batch: &[(usize, u32)]) {
            self.hints.push(batch.len());
            self.announced.extend(batch.iter().copied());
        }
    }
    for each_test in [1, 2, 5] {
        let s = Setup { each_test, first_test: 10, ..setup(12, 60, 400) };
        let means: Vec<f64> = (0..12).map(|c| 0.8 - 0.01 * c as f64).collect();
        let mut plain = objective(means.clone(), 0.03, 0.02, 9);
        let expected = race(&s, &mut plain).unwrap();
        let mut hinted =
            Hinted { f: objective(means, 0.03, 0.02, 9), announced: Default::default(), hints: vec![], unannounced: 0 };
        let got = race(&s, &mut hinted).unwrap();
        assert_eq!((got.ranking, got.costs.len(), got.used), (expected.ranking, expected.costs.len(), expected.used));
        assert_eq!(hinted.hints[0], 12 * 10, "each_test {each_test}: the first test's seeds for every candidate");
        // Only the single-task stretches (each_test 1, after the first test) go unannounced.
        let single = if each_test == 1 { got.used - 120 } else { 0 };
        assert_eq!(hinted.unannounced, single, "each_test {each_test}");
    }
}

#[test]
fn with_behind_a_hopeless_candidate_goes_after_its_first_seed_and_saves_the_rest() {
    // Accuracies 0.9, 0.88, 0.6 and 0.3 (costs their negatives), each run within 0.02 of its mean.
    let means = vec![0.9, 0.88, 0.6, 0.3];
    let mut s = setup(4, 30, 1000);
    s.min_survival = 2;
    let without = race(&s, &mut objective(means.clone(), 0.0, 0.01, 7)).unwrap();
    s.behind = Some(0.1);
    let with = race(&s, &mut objective(means.clone(), 0.0, 0.01, 7)).unwrap();
    for c in [2, 3] {
        assert_eq!(without.eliminated[c].as_ref().map(|e| e.by), Some(Cause::Conover), "{c} without: {without:?}");
        let e = with.eliminated[c].as_ref().expect("dropped");
        assert_eq!((e.by, e.task, e.p_value), (Cause::Behind, 1, None), "{c}: {e:?}");
    }
    // 0.02 behind the best is not 0.1: the close one stays until a test decides.
    assert!(with.eliminated[1].as_ref().is_none_or(|e| e.by != Cause::Behind), "{:?}", with.eliminated[1]);
    // One run instead of five for the hopeless ones; the two left are min_survival, so the race
    // ends there instead of after the first test: 4 runs against 20.
    assert_eq!((with.used, without.used), (4, 20));
    assert!(with.costs.contains_key(&(3, 0)) && !with.costs.contains_key(&(3, 1)));
}

#[test]
fn behind_never_drops_below_min_survival_nor_a_protected_elite() {
    // Everyone but candidate 0 is far behind; min_survival 3 keeps the two best of them.
    let mut s = setup(5, 30, 1000);
    s.min_survival = 3;
    s.behind = Some(0.1);
    let o = race(&s, &mut objective(vec![0.9, 0.5, 0.45, 0.4, 0.2], 0.0, 0.001, 3)).unwrap();
    let behind: Vec<usize> =
        (0..5).filter(|&c| o.eliminated[c].as_ref().is_some_and(|e| e.by == Cause::Behind)).collect();
    assert_eq!(behind, [3, 4], "the worst first, down to min_survival: {:?}", o.eliminated);
    // An elite (candidate 0, results carried on seeds 10..15) far behind the new ones stays while
    // they catch up with it, then goes.
    let mut s = setup(3, 0, 1000);
    s.instances = vec![10, 11, 12, 13, 14, 20, 21];
    s.known = (10..15).map(|i| ((0, i), -0.2)).collect();
    s.min_survival = 1;
    s.behind = Some(0.1);
    let mut f = |batch: &[(usize, u32)]| -> Result<Vec<f64>, Infallible> { Ok(vec![-0.9; batch.len()]) };
    let o = race(&s, &mut f).unwrap();
    let e = o.eliminated[0].as_ref().expect("the elite goes once caught up");
    assert_eq!((e.by, e.task), (Cause::Behind, 5), "{e:?}");
}
