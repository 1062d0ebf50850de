//! Which images are shown, in which order: the notebook's sampling and a held-out split.
//!
//! Schedules are lists of positions in the class subset (file order), drawn from the run's
//! sampling stream (and, for a fixed split, from the split stream of `split_seed`).
//! - Notebook: every presentation of both phases draws a position uniformly from
//!   `lo..=hi`, with replacement.
//! - Holdout: each class's positions are shuffled and the first `round(test_fraction * n)` (at
//!   least 1, at most `n - 1`) go to the test set. Training presentations draw uniformly with
//!   replacement from the train set. The test phase shows the test set in a shuffled order, each
//!   image once; with an explicit count it goes through as many shuffled passes as needed and
//!   stops at the count.

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

use super::Presentation;
use crate::data::Subset;
use crate::rng::{Stream, stream};

/// A validated sampling mode.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampling {
    Notebook { lo: usize, hi: usize, train: usize, test: usize },
    Holdout { test_fraction: f64, split_seed: Option<u64>, train: usize, test: Option<usize> },
}

/// Positions (in the class subset) shown in each phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl Schedule {
    /// The presentations of positions `positions` of `subset`.
    pub fn presentations(positions: &[usize], subset: &Subset) -> Vec<Presentation> {
        positions.iter().map(|&p| Presentation { row: subset.rows[p], class_index: subset.class_index[p] }).collect()
    }
}

/// How many of a class's `n` images are held out under `test_fraction`: `round(fraction * n)`,
/// at least 1 and at most `n - 1`.
fn held_out(n: usize, test_fraction: f64) -> usize {
    ((test_fraction * n as f64).round() as usize).clamp(1, n.saturating_sub(1).max(1))
}

/// The held-out split's sizes, `(train, test)` images of each class of `subset`.
pub fn holdout_sizes(subset: &Subset, n_classes: usize, test_fraction: f64) -> Vec<(usize, usize)> {
    (0..n_classes)
        .map(|class| {
            let n = subset.class_index.iter().filter(|&&c| c == class).count();
            let t = held_out(n, test_fraction);
            (n - t, t)
        })
        .collect()
}

/// Test images held out of each class of `subset`, under `test_fraction`.
pub fn holdout_split(
    subset: &Subset,
    n_classes: usize,
    test_fraction: f64,
    rng: &mut impl Rng,
) -> (Vec<usize>, Vec<usize>) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..n_classes {
        let mut positions: Vec<usize> = (0..subset.rows.len()).filter(|&p| subset.class_index[p] == class).collect();
        positions.shuffle(rng);
        let n_test = held_out(positions.len(), test_fraction);
        test.extend_from_slice(&positions[..n_test]);
        train.extend_from_slice(&positions[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

impl Sampling {
    /// The schedule of the run seeded with `seed`.
    pub fn schedule(&self, subset: &Subset, n_classes: usize, seed: u64) -> Schedule {
        let mut rng = stream(seed, Stream::Sampling);
        match *self {
            Sampling::Notebook { lo, hi, train, test } => {
                let mut draw = |n: usize| (0..n).map(|_| rng.random_range(lo..=hi)).collect::<Vec<_>>();
                let train = draw(train);
                Schedule { train, test: draw(test) }
            }
            Sampling::Holdout { test_fraction, split_seed, train, test } => {
                let (train_set, test_set) = match split_seed {
                    Some(s) => holdout_split(subset, n_classes, test_fraction, &mut stream(s, Stream::Split)),
                    None => holdout_split(subset, n_classes, test_fraction, &mut rng),
                };
                let train = (0..train).map(|_| train_set[rng.random_range(0..train_set.len())]).collect();
                let count = test.unwrap_or(test_set.len());
                let mut order = Vec::with_capacity(count);
                while order.len() < count {
                    let mut pass = test_set.clone();
                    pass.shuffle(&mut rng);
                    order.extend(pass.into_iter().take(count - order.len()));
                }
                Schedule { train, test: order }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    fn subset() -> Subset {
        Dataset::bundled().select(&[0, 1]).unwrap()
    }

    #[test]
    fn holdout_is_stratified_disjoint_and_complete() {
        let s = subset();
        let sampling = Sampling::Holdout { test_fraction: 0.25, split_seed: None, train: 500, test: None };
        let sch = sampling.schedule(&s, 2, 9);
        let mut test = sch.test.clone();
        test.sort_unstable();
        test.dedup();
        assert_eq!(test.len(), sch.test.len(), "each test image once");
        // round(0.25 * 178) + round(0.25 * 182) = 45 + 46
        assert_eq!(test.len(), 91);
        assert_eq!(test.iter().filter(|&&p| s.class_index[p] == 0).count(), 45);
        assert!(sch.train.iter().all(|p| test.binary_search(p).is_err()), "train and test are disjoint");
        assert_eq!(sch.train.len(), 500);
    }

    #[test]
    fn fixed_split_seed_fixes_the_split_but_not_the_order() {
        let s = subset();
        let sampling = Sampling::Holdout { test_fraction: 0.2, split_seed: Some(5), train: 10, test: None };
        let (a, b) = (sampling.schedule(&s, 2, 1), sampling.schedule(&s, 2, 2));
        let sorted = |v: &[usize]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v
        };
        assert_eq!(sorted(&a.test), sorted(&b.test));
        assert_ne!(a.test, b.test);
    }

    #[test]
    fn explicit_test_count_cycles_through_the_test_set() {
        let s = subset();
        let sampling = Sampling::Holdout { test_fraction: 0.25, split_seed: None, train: 1, test: Some(200) };
        let sch = sampling.schedule(&s, 2, 3);
        assert_eq!(sch.test.len(), 200);
        let first: std::collections::BTreeSet<_> = sch.test[..91].iter().collect();
        assert_eq!(first.len(), 91, "the first pass shows every test image once");
    }

    #[test]
    fn notebook_draws_within_the_range_with_replacement() {
        let s = subset();
        let sch = Sampling::Notebook { lo: 1, hi: 348, train: 2000, test: 100 }.schedule(&s, 2, 4);
        assert_eq!((sch.train.len(), sch.test.len()), (2000, 100));
        assert!(sch.train.iter().chain(&sch.test).all(|&p| (1..=348).contains(&p)));
        assert!(sch.train.contains(&1) && sch.train.contains(&348), "both ends are reachable");
    }
}
