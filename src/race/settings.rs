//! The `[race]` section of an experiment file: raw (as written) and checked ([`Settings`]).
//! Defaults follow irace's where it has them, except `sampler`, `pick` and `behind` (measured better
//! in the search benchmark, docs/study.md section 6; `"irace"`, `"rank"` and `0` are irace's):
//!
//! | key | default | meaning |
//! | --- | --- | --- |
//! | `budget` | required | runs the races may use (validation runs come on top) |
//! | `first_test` | 5 | seeds every candidate of a race sees before the first test (irace's `firstTest`, and its `mu`) |
//! | `each_test` | 1 | seeds between tests (`eachTest`) |
//! | `confidence` | 0.95 | confidence level of the tests (`confidence`) |
//! | `test` | `"friedman"` | `"friedman"`: Friedman, then Conover's post-hoc against the best, Wilcoxon's signed-rank test when two remain; `"t-holm"`: paired t against the best, Holm's correction |
//! | `iterations` | `floor(2 + log2(parameters))` | planned iterations (`nbIterations`); more run while the budget lasts |
//! | `min_survival` | `floor(2 + log2(parameters))` | a race stops at this many candidates, which become the elites (`minNbSurvival`) |
//! | `elitist_limit` | 2 | a race stops after this many tests without elimination (`elitistLimit`; 0: never) |
//! | `max_candidates` | 1024 | the most candidates one race may start with (irace's cap) |
//! | `validation_replicates` | 64 | fresh seeds each final elite is re-run on |
//! | `pick` | `"mean"` | the order of the final elites, the first being the answer: `"mean"`, by the mean test accuracy over every seed the race gave each (failed runs last); `"rank"`, irace's (more seeds first, then the test's ranking) |
//! | `sampler` | `"tpe"` | how candidates are drawn after the first race: `"irace"`, around the elites (irace's model); `"tpe"`, the best of 16 such draws by the density ratio of the good and the other candidates evaluated so far (`race/density.rs`) |
//! | `screen` | none | rungs of cheap runs before each race, `[training fraction, test fraction]` each, e.g. `[[0.25, 0.25], [0.5, 0.25]]`: each iteration draws `2^rungs` times the new candidates it races and keeps the better half at each rung (`race/screen.rs`) |
//! | `screen_seeds` | 2 | common seeds of each screening rung |
//! | `behind` | 0.1 | after every seed, a candidate whose mean test accuracy over the race's seeds so far is more than this below the best's (on the same seeds) is dropped at once, before any test (`race/engine.rs`; 0: never, as irace) |

use crate::config::Problem;
pub use crate::config::race::{Pick, RawRace, Sampler, TestKind};

/// `behind`'s default: a tenth of accuracy (the search benchmark's, docs/study.md section 6).
pub const BEHIND: f64 = 0.1;

/// The settings the least budget depends on.
#[derive(Clone, Copy)]
struct Knobs {
    min_survival: u64,
    first_test: u64,
    each_test: u64,
    iterations: u64,
}

/// Checked racing settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub budget: usize,
    pub first_test: usize,
    pub each_test: usize,
    pub confidence: f64,
    pub test: TestKind,
    pub iterations: usize,
    /// `iterations` was given: stop after them (else, as irace, go on while the budget lasts).
    pub iterations_fixed: bool,
    pub min_survival: usize,
    pub elitist_limit: usize,
    pub max_candidates: usize,
    pub validation_replicates: usize,
    pub pick: Pick,
    pub sampler: Sampler,
    /// Screening before each race (`None`: none).
    pub screen: Option<Screen>,
    /// Accuracy behind the best at which a candidate is dropped without a test (`None`: never).
    pub behind: Option<f64>,
}

/// Screening: successive halving of the new candidates over cheap rungs, before they race.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub rungs: Vec<Rung>,
    /// Common seeds of each rung.
    pub seeds: usize,
}

/// A screening rung: fractions of each candidate's training and test presentations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rung {
    pub train: f64,
    pub test: f64,
}

impl Rung {
    /// What a run at this rung counts against the budget, in runs: the larger fraction, never less
    /// than the presentations it shows.
    pub fn cost(self) -> f64 {
        self.train.max(self.test)
    }

    /// The experiment of a run of `exp` at this rung: its training and test presentations cut to
    /// the fractions (rounded down, at least one each), without learning-curve checkpoints.
    pub fn cut(self, exp: &crate::config::Experiment) -> crate::config::RawExperiment {
        let (train, test) = exp.protocol.presentations(&exp.subset, exp.classes.len());
        let cut = |n: usize, f: f64| ((n as f64 * f).floor() as usize).max(1);
        let mut raw = exp.raw.clone();
        raw.protocol.train_presentations = cut(train, self.train);
        raw.protocol.test_presentations = Some(cut(test, self.test));
        raw.protocol.checkpoints.clear();
        raw
    }
}

impl Screen {
    /// The most the rungs can cost per new candidate that races (in runs): at rung `r` of `R`,
    /// `2^(R - r)` candidates for each that races, `seeds` runs each.
    pub fn cost_per_raced(&self) -> f64 {
        self.rungs.iter().enumerate().map(|(i, g)| self.at_rung(i) * self.seeds as f64 * g.cost()).sum()
    }

    /// Candidates run at rung `i` (from 0) for each that races: `2^(R - i)`.
    fn at_rung(&self, i: usize) -> f64 {
        (1u64 << (self.rungs.len() - i)) as f64
    }

    /// How many candidates are drawn for each that races.
    pub fn widening(&self) -> usize {
        1 << self.rungs.len()
    }
}

/// The most screening rungs (each doubles the candidates drawn).
pub const MAX_RUNGS: usize = 4;

/// The most seeds a screening rung may use.
const MAX_SCREEN_SEEDS: u64 = 64;

/// Check `[race] screen` and `screen_seeds`.
fn screen(raw: &RawRace, mut problem: impl FnMut(&str, String)) -> Option<Screen> {
    let seeds = raw.screen_seeds.unwrap_or(2);
    if !(1..=MAX_SCREEN_SEEDS).contains(&seeds) {
        problem("screen_seeds", format!("must be between 1 and {MAX_SCREEN_SEEDS} (got {seeds})"));
    }
    let Some(rungs) = &raw.screen else {
        if raw.screen_seeds.is_some() {
            problem("screen_seeds", "has no effect without `screen` (its rungs): remove it or add rungs".into());
        }
        return None;
    };
    if rungs.is_empty() || rungs.len() > MAX_RUNGS {
        problem(
            "screen",
            format!("needs 1 to {MAX_RUNGS} rungs, e.g. [[0.25, 0.25], [0.5, 0.25]] (got {})", rungs.len()),
        );
    }
    let mut out = Vec::new();
    for (i, r) in rungs.iter().enumerate() {
        let ok = r.len() == 2 && r.iter().all(|&x| x > 0.0 && x <= 1.0);
        if !ok || r == &[1.0, 1.0] {
            let shown: Vec<String> = r.iter().map(|&x| crate::text::value(x)).collect();
            problem(
                "screen",
                format!(
                    "rung {} is [{}]: a rung is [training fraction, test fraction], each in (0, 1] and not both 1 \
                     (a full run), e.g. [0.25, 0.25]",
                    i + 1,
                    shown.join(", ")
                ),
            );
        } else {
            out.push(Rung { train: r[0], test: r[1] });
        }
    }
    // A screen with a problem is not priced into the least budget: its own message says enough.
    let fine =
        out.len() == rungs.len() && (1..=MAX_RUNGS).contains(&out.len()) && (1..=MAX_SCREEN_SEEDS).contains(&seeds);
    fine.then_some(Screen { rungs: out, seeds: seeds as usize })
}

impl Settings {
    /// About how many runs the races ask for (for progress): the budget, and with screening more,
    /// as screening runs count for less than one each. An estimate: screening's share of the
    /// budget is taken as its share of a raced candidate's runs at the first test.
    pub fn expected_runs(&self) -> usize {
        let Some(sc) = &self.screen else { return self.budget };
        let per = sc.cost_per_raced();
        let share = per / (per + (self.first_test + self.each_test) as f64);
        let runs: f64 = (0..sc.rungs.len()).map(|i| sc.at_rung(i)).sum();
        let runs_per_worth = runs * sc.seeds as f64 / per;
        (self.budget as f64 * (1.0 + share * (runs_per_worth - 1.0))).round() as usize
    }
}

/// The most runs a race may be given (as a sweep, `--yes` is needed above
/// [`crate::work::MAX_RUNS_WITHOUT_YES`]).
pub const MAX_BUDGET: u64 = crate::work::MAX_RUNS;

/// irace's default number of iterations and of survivors: `floor(2 + log2(parameters))`.
pub fn irace_default(parameters: usize) -> usize {
    (2.0 + (parameters.max(1) as f64).log2()).floor() as usize
}

/// What is wrong with `budget`, if anything: absent or zero; too small for the first iteration to
/// race `min_survival + 1` candidates (each screened first at `screening` runs, if screening); or,
/// with the validation runs of up to `min_survival` elites counted (every run counts), above the
/// limits.
fn budget_problem(budget: Option<u64>, k: &Knobs, screening: f64, validation: u64, yes: bool) -> Option<String> {
    use crate::text::count;
    let Knobs { min_survival, first_test, each_test, iterations } = *k;
    // The first iteration gets `budget / iterations` runs and races `floor(that / (first_test +
    // each_test))` candidates (iterate.rs, steps 1 and 2): more than `min_survival`, or nothing races.
    let per = first_test.saturating_add(each_test);
    // Screening comes first, from the same share: (min_survival + 1) x `screening`, rounded up.
    let screened = ((min_survival + 1) as f64 * screening).ceil() as u64;
    let minimum = iterations.saturating_mul((min_survival + 1).saturating_mul(per).saturating_add(screened));
    let b = match budget {
        None => return Some("a race needs `budget = N`, the runs it may use".into()),
        Some(0) => return Some("must be a positive number of runs".into()),
        Some(b) => b,
    };
    if b < minimum {
        return Some(format!(
            "{b} runs give the first of {iterations} iterations {} runs, too few to race {} candidates (min_survival \
             + 1) to the first test and one seed past it ({per} runs each{}): give at least {minimum}, or fewer \
             `iterations`",
            b / iterations.max(1),
            min_survival + 1,
            if screening > 0.0 {
                format!(", after screening worth {} runs", crate::text::value(screening))
            } else {
                String::new()
            }
        ));
    }
    let total = b.saturating_add(min_survival.saturating_mul(validation));
    let runs = format!(
        "{} runs ({} racing + up to {} validating: min_survival {} x validation_replicates {})",
        count(total),
        count(b),
        count(total - b),
        count(min_survival),
        count(validation)
    );
    if total > MAX_BUDGET {
        Some(format!("{runs}: at most {} in all", count(MAX_BUDGET)))
    } else if total > crate::work::MAX_RUNS_WITHOUT_YES && !yes {
        Some(format!("{runs}, more than {}: pass --yes to race anyway", crate::work::MAX_RUNS_WITHOUT_YES))
    } else {
        None
    }
}

impl RawRace {
    /// Check every value; `parameters` is the number of parameters searched.
    pub fn settings(&self, parameters: usize, yes: bool) -> Result<Settings, Vec<Problem>> {
        let mut bad = Vec::new();
        let mut problem = |key: &str, message: String| bad.push(Problem::new(format!("race.{key}"), message));
        let default = irace_default(parameters);
        let first_test = self.first_test.unwrap_or(5);
        let each_test = self.each_test.unwrap_or(1);
        let confidence = self.confidence.unwrap_or(0.95);
        let min_survival = self.min_survival.unwrap_or(default as u64);
        let iterations = self.iterations.unwrap_or(default as u64);
        if first_test < 2 {
            problem("first_test", format!("must be at least 2: a test needs two seeds (got {first_test})"));
        }
        if each_test < 1 {
            problem("each_test", "must be at least 1".into());
        } else if !first_test.is_multiple_of(each_test) {
            problem("each_test", format!("must divide first_test ({first_test}), as in irace (got {each_test})"));
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            problem("confidence", format!("must be strictly between 0 and 1 (got {})", crate::text::value(confidence)));
        }
        if iterations < 1 {
            problem("iterations", "must be at least 1".into());
        }
        if min_survival < 1 {
            problem("min_survival", "must be at least 1".into());
        }
        let max_candidates = self.max_candidates.unwrap_or(1024);
        if max_candidates <= min_survival {
            problem("max_candidates", format!("must be more than min_survival ({min_survival}), got {max_candidates}"));
        }
        let validation = self.validation_replicates.unwrap_or(64);
        if !(1..=100_000).contains(&validation) {
            problem("validation_replicates", format!("must be between 1 and 100000 (got {validation})"));
        }
        let screen = screen(self, &mut problem);
        let behind = self.behind.unwrap_or(BEHIND);
        if !(0.0..=1.0).contains(&behind) {
            problem(
                "behind",
                format!(
                    "must be an accuracy between 0 and 1 (0: never drop a candidate without a test), got {}",
                    crate::text::value(behind)
                ),
            );
        }
        let knobs = Knobs { min_survival, first_test, each_test, iterations };
        let screening = screen.as_ref().map_or(0.0, Screen::cost_per_raced);
        if let Some(why) = budget_problem(self.budget, &knobs, screening, validation, yes) {
            problem("budget", why);
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(Settings {
            budget: self.budget.unwrap_or(0) as usize,
            first_test: first_test as usize,
            each_test: each_test as usize,
            confidence,
            test: self.test.unwrap_or(TestKind::Friedman),
            iterations: iterations as usize,
            iterations_fixed: self.iterations.is_some(),
            min_survival: min_survival as usize,
            elitist_limit: self.elitist_limit.unwrap_or(2) as usize,
            max_candidates: max_candidates as usize,
            validation_replicates: validation as usize,
            pick: self.pick.unwrap_or_default(),
            sampler: self.sampler.unwrap_or_default(),
            screen,
            behind: (behind > 0.0).then_some(behind),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_irace_s() {
        let s = RawRace { budget: Some(1000), ..Default::default() }.settings(10, false).unwrap();
        assert_eq!((s.first_test, s.each_test, s.confidence, s.test), (5, 1, 0.95, TestKind::Friedman));
        // floor(2 + log2(10)) = floor(5.32) = 5
        assert_eq!((s.iterations, s.min_survival, s.elitist_limit, s.validation_replicates), (5, 5, 2, 64));
        assert_eq!((s.pick, s.sampler), (Pick::Mean, Sampler::Tpe), "the search benchmark's winners (docs/study.md 6)");
        assert_eq!(s.behind, Some(0.1), "the search benchmark's too");
        assert_eq!(irace_default(1), 2);
        assert_eq!(irace_default(4), 4);
    }

    #[test]
    fn bad_values_are_named() {
        let keys = |r: RawRace| r.settings(4, false).unwrap_err().into_iter().map(|p| p.key).collect::<Vec<_>>();
        assert_eq!(keys(RawRace::default()), ["race.budget"]);
        assert_eq!(keys(RawRace { budget: Some(0), ..Default::default() }), ["race.budget"]);
        assert_eq!(keys(RawRace { budget: Some(10), ..Default::default() }), ["race.budget"], "4 x (4 + 1) x 6 = 120");
        assert_eq!(keys(RawRace { budget: Some(200), first_test: Some(1), ..Default::default() }), ["race.first_test"]);
        assert_eq!(
            keys(RawRace { budget: Some(200), confidence: Some(1.0), ..Default::default() }),
            ["race.confidence"]
        );
        for behind in [-0.1, 1.5, f64::NAN] {
            let r = RawRace { budget: Some(200), behind: Some(behind), ..Default::default() };
            assert_eq!(keys(r), ["race.behind"], "{behind}");
        }
        let ok =
            |b: f64| RawRace { budget: Some(200), behind: Some(b), ..Default::default() }.settings(4, false).unwrap();
        assert_eq!((ok(0.0).behind, ok(0.1).behind), (None, Some(0.1)), "0 turns the step off");
        assert_eq!(keys(RawRace { budget: Some(100_000), ..Default::default() }), ["race.budget"], "--yes");
        assert!(RawRace { budget: Some(100_000), ..Default::default() }.settings(4, true).is_ok());
        // Validation runs count: 5,000 racing + 4 x 2,000 validating is above 10,000.
        let many = RawRace { budget: Some(5_000), validation_replicates: Some(2_000), ..Default::default() };
        let e = many.settings(4, false).unwrap_err();
        assert_eq!(e[0].key, "race.budget");
        assert!(e[0].message.contains("13000 runs (5000 racing + up to 8000 validating"), "{}", e[0].message);
        assert!(many.settings(4, true).is_ok());
        // The hostile pass's 20,000,000 runs: refused even with --yes, in a readable number.
        let huge = RawRace {
            min_survival: Some(200),
            max_candidates: Some(300),
            validation_replicates: Some(100_000),
            ..many
        };
        let e = huge.settings(4, true).unwrap_err();
        assert!(e[0].message.starts_with("2.0005e7 runs (5000 racing + up to 2e7 validating"), "{}", e[0].message);
        let e = RawRace { budget: Some(10), ..Default::default() }.settings(4, false).unwrap_err();
        assert!(e[0].message.contains("give at least 120"), "{}", e[0].message);
        // The least budget is exact: one run less and the first iteration races only min_survival.
        assert!(RawRace { budget: Some(120), ..Default::default() }.settings(4, false).is_ok());
        assert_eq!(keys(RawRace { budget: Some(119), ..Default::default() }), ["race.budget"]);
        let fewer = RawRace { budget: Some(60), iterations: Some(2), ..Default::default() };
        assert!(fewer.settings(4, false).is_ok(), "2 x 5 x 6 = 60");
    }

    #[test]
    fn screening_is_checked_and_paid_for_in_the_least_budget() {
        let with = |rungs: &[[f64; 2]], budget: u64| RawRace {
            budget: Some(budget),
            screen: Some(rungs.iter().map(|r| r.to_vec()).collect()),
            ..Default::default()
        };
        let two = [[0.25, 0.25], [0.5, 0.25]];
        let sc = with(&two, 1000).settings(4, false).unwrap().screen.unwrap();
        assert_eq!((sc.seeds, sc.widening()), (2, 4));
        assert_eq!(sc.cost_per_raced(), 4.0, "4 x 2 x 0.25 + 2 x 2 x 0.5");
        // 12 screening runs worth 4 for each candidate that races, 4 in 10 of the runs' worth.
        assert_eq!(with(&two, 1000).settings(4, false).unwrap().expected_runs(), 1800);
        // 4 iterations x 5 candidates x (6 runs racing + 4 screening) = 200.
        assert!(with(&two, 200).settings(4, false).is_ok());
        let e = with(&two, 199).settings(4, false).unwrap_err();
        assert!(e[0].key == "race.budget" && e[0].message.contains("give at least 200"), "{}", e[0].message);
        assert!(e[0].message.contains("after screening worth 4 runs"), "{}", e[0].message);
        let keys = |r: RawRace| r.settings(4, false).unwrap_err().into_iter().map(|p| p.key).collect::<Vec<_>>();
        assert_eq!(keys(with(&[], 1000)), ["race.screen"]);
        assert_eq!(keys(with(&[[0.25, 0.0]], 1000)), ["race.screen"]);
        assert_eq!(keys(with(&[[1.0, 1.0]], 1000)), ["race.screen"], "a full run is no screening");
        assert_eq!(keys(with(&[[0.5, 0.5]; 5], 1000)), ["race.screen"]);
        assert_eq!(keys(RawRace { screen_seeds: Some(0), ..with(&two, 1000) }), ["race.screen_seeds"]);
        let stray = RawRace { budget: Some(1000), screen_seeds: Some(3), ..Default::default() };
        assert_eq!(keys(stray), ["race.screen_seeds"], "no rungs to screen on");
        assert_eq!(RawRace { budget: Some(1000), ..Default::default() }.settings(4, false).unwrap().screen, None);
    }
}
