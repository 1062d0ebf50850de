//! The protocol's validating constructor: [`ProtocolParams::protocol`] checks every value of the
//! `[protocol]` table and derives the [`Protocol`] a run follows, as
//! [`crate::model::ModelParams::factors`] does for the model. Problems carry the key as written in
//! the table (`classes[2]`, `window_ms`).

use super::sampling::{Sampling, holdout_sizes};
use super::{Labels, Protocol, ProtocolParams, SamplingMode};
use crate::data::Subset;
use crate::model::params::whole_steps;

/// The most presentations a phase may have: a run keeps about 24 bytes per presentation (its
/// schedule, labels and predictions), so this bounds a run's memory at tens of megabytes.
pub const MAX_PRESENTATIONS: usize = 1_000_000;

/// The most checkpoints a run may have (each costs a whole test phase).
pub const MAX_CHECKPOINTS: usize = 100;

/// The most responses (presentations x outputs) that assigned labels may keep: 16 bytes each,
/// 160 MB at the limit.
pub const MAX_RESPONSES: usize = 10_000_000;

/// A protocol value that failed validation: the key (within `[protocol]`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub key: String,
    pub message: String,
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid { key: key.into(), message: message.into() }
}

impl ProtocolParams {
    /// Check the class list: 1 to 10 distinct digits 0..9.
    pub fn check_classes(&self) -> Vec<Invalid> {
        let classes = &self.classes;
        let mut bad = Vec::new();
        if classes.is_empty() {
            bad.push(invalid("classes", "the class list is empty: give 1 to 10 distinct digits, e.g. [0, 1]"));
        } else if classes.len() > 10 {
            bad.push(invalid("classes", format!("{} classes given, at most 10", classes.len())));
        }
        for (i, &c) in classes.iter().enumerate() {
            if c > 9 {
                bad.push(invalid(format!("classes[{i}]"), format!("class {c} is outside 0..9")));
            } else if classes[..i].contains(&c) {
                bad.push(invalid(format!("classes[{i}]"), format!("class {c} is listed twice")));
            }
        }
        bad
    }

    /// Check every value and derive the protocol of a model stepping `dt_ms`, showing the images
    /// of `subset` (`None` when the classes could not be selected: the checks that need the
    /// images are then skipped, the others still run).
    pub fn protocol(&self, dt_ms: f64, subset: Option<&Subset>) -> Result<Protocol, Vec<Invalid>> {
        let mut bad = self.check_classes();
        let window_steps = self.window_steps("window_ms", self.window_ms, dt_ms, &mut bad);
        let test_window_steps = match self.test_window_ms {
            Some(ms) => self.window_steps("test_window_ms", ms, dt_ms, &mut bad),
            None => window_steps,
        };
        self.check_values(window_steps.zip(test_window_steps).map(|(w, t)| w.min(t)), &mut bad);
        let sampling = self.sampling(subset, &mut bad);
        match window_steps.zip(test_window_steps) {
            Some((window_steps, test_window_steps)) if bad.is_empty() => Ok(Protocol {
                window_steps,
                test_window_steps,
                predict_steps: self.predict_steps,
                f_max_hz: self.f_max_hz,
                teacher: self.teacher,
                teacher_to: self.teacher_to,
                plastic_train: self.plasticity_train,
                plastic_test: self.plasticity_test,
                neurons_per_class: self.neurons_per_class,
                prediction: self.prediction,
                on_off: self.on_off,
                labels: self.labels,
                assign_presentations: self.assign_presentations(),
                sampling,
                checkpoints: self.checkpoints.clone(),
            }),
            _ => Err(bad),
        }
    }

    /// Checkpoints: increasing, each within the training phase (its end is the run's own test).
    fn check_checkpoints(&self, bad: &mut Vec<Invalid>) {
        let n = self.train_presentations;
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            let message = format!(
                "{} checkpoints: at most {MAX_CHECKPOINTS} (each runs a whole test phase)",
                self.checkpoints.len()
            );
            bad.push(invalid("checkpoints", message));
            return;
        }
        for (i, &c) in self.checkpoints.iter().enumerate() {
            let key = format!("checkpoints[{i}]");
            if c == 0 || c >= n {
                let message = format!(
                    "{c} presentations: a checkpoint must be between 1 and train_presentations - 1 ({}); the \
                     end of training is measured by the run's own test phase",
                    n.saturating_sub(1)
                );
                bad.push(invalid(key, message));
            } else if i > 0 && c <= self.checkpoints[i - 1] {
                let message = format!("{c} after {}: checkpoints must increase", self.checkpoints[i - 1]);
                bad.push(invalid(key, message));
            }
        }
    }

    /// The steps of a window of `ms` (key `key`): a positive whole number of steps of `dt_ms`.
    fn window_steps(&self, key: &str, ms: f64, dt_ms: f64, bad: &mut Vec<Invalid>) -> Option<u64> {
        let steps = if dt_ms > 0.0 && dt_ms.is_finite() { whole_steps(ms, dt_ms) } else { None };
        let steps = steps.filter(|&w| w > 0);
        if steps.is_none() {
            bad.push(invalid(
                key,
                format!(
                    "must be a positive whole number of steps of dt_ms = {} (got {})",
                    crate::text::value(dt_ms),
                    crate::text::value(ms)
                ),
            ));
        }
        steps
    }

    /// `window_steps`: the steps of the shorter window, which a prediction's samples must fit.
    fn check_values(&self, window_steps: Option<u64>, bad: &mut Vec<Invalid>) {
        if self.predict_steps == 0 || window_steps.is_some_and(|w| self.predict_steps as u64 > w) {
            let which =
                if self.test_window_ms.is_some() { "; the shorter of window_ms and test_window_ms" } else { "" };
            bad.push(invalid(
                "predict_steps",
                format!(
                    "must be between 1 and the steps in a window ({}{which}), got {}",
                    window_steps.unwrap_or(0),
                    self.predict_steps
                ),
            ));
        }
        if !(self.f_max_hz.is_finite() && self.f_max_hz >= 0.0) {
            bad.push(invalid(
                "f_max_hz",
                format!("must be a rate >= 0 Hz (got {})", crate::text::value(self.f_max_hz)),
            ));
        }
        // A negative teacher current would inhibit the labelled output: not a teacher.
        if !(self.teacher.is_finite() && self.teacher >= 0.0) {
            bad.push(invalid(
                "teacher",
                format!("must be a finite current >= 0 (got {})", crate::text::value(self.teacher)),
            ));
        }
        let count = |key: &str, n: usize, bad: &mut Vec<Invalid>| {
            if n == 0 {
                bad.push(invalid(key, "must be at least 1"));
            } else if n > MAX_PRESENTATIONS {
                bad.push(invalid(key, format!("{n} presentations: at most {MAX_PRESENTATIONS} per phase")));
            }
        };
        count("train_presentations", self.train_presentations, bad);
        self.check_checkpoints(bad);
        if let Some(n) = self.test_presentations {
            count("test_presentations", n, bad);
        }
        if self.neurons_per_class == 0 {
            bad.push(invalid("neurons_per_class", "must be at least 1"));
        }
        self.check_assignment(bad);
    }

    /// Training presentations whose responses assign the labels: as given, else the last half.
    fn assign_presentations(&self) -> usize {
        self.assign_presentations.unwrap_or(self.train_presentations.div_ceil(2))
    }

    /// Assigned labels keep each output's response to every presentation they read (16 bytes an
    /// output): at most [`MAX_RESPONSES`] of them.
    fn check_assignment(&self, bad: &mut Vec<Invalid>) {
        if let Some(n) = self.assign_presentations
            && (n == 0 || n > self.train_presentations)
        {
            let message =
                format!("{n} presentations: must be between 1 and train_presentations ({})", self.train_presentations);
            bad.push(invalid("assign_presentations", message));
            return;
        }
        let n_out = self.classes.len().saturating_mul(self.neurons_per_class);
        let responses = self.assign_presentations().saturating_mul(n_out);
        if self.labels == Labels::Assigned && responses > MAX_RESPONSES {
            let message = format!(
                "{} presentations x {n_out} outputs = {responses} responses kept to assign the labels: at most \
                 {MAX_RESPONSES}; give fewer (e.g. assign_presentations = {})",
                self.assign_presentations(),
                MAX_RESPONSES / n_out.max(1)
            );
            bad.push(invalid("assign_presentations", message));
        }
    }

    fn sampling(&self, subset: Option<&Subset>, bad: &mut Vec<Invalid>) -> Sampling {
        match self.sampling {
            SamplingMode::Notebook => {
                let [lo, hi] = self.notebook_positions;
                if let Some(s) = subset
                    && (lo > hi || hi >= s.rows.len())
                {
                    bad.push(invalid(
                        "notebook_positions",
                        format!(
                            "[{lo}, {hi}] is not a range of positions in the {} images of classes {:?} (0..={})",
                            s.rows.len(),
                            self.classes,
                            s.rows.len().saturating_sub(1)
                        ),
                    ));
                }
                let test = self.test_presentations.unwrap_or(100);
                Sampling::Notebook { lo, hi, train: self.train_presentations, test }
            }
            SamplingMode::Holdout => {
                if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
                    bad.push(invalid(
                        "test_fraction",
                        format!("must be strictly between 0 and 1 (got {})", crate::text::value(self.test_fraction)),
                    ));
                }
                if let Some(s) = subset {
                    for (ci, &c) in self.classes.iter().enumerate() {
                        let n = s.class_index.iter().filter(|&&x| x == ci).count();
                        if n < 2 {
                            bad.push(invalid(
                                "classes",
                                format!("class {c} has {n} image(s); a held-out split needs at least 2"),
                            ));
                        }
                    }
                }
                Sampling::Holdout {
                    test_fraction: self.test_fraction,
                    split_seed: self.split_seed,
                    train: self.train_presentations,
                    test: self.test_presentations,
                }
            }
        }
    }
}

impl Protocol {
    /// Presentations in the training and test phases of a run on `subset`.
    pub fn presentations(&self, subset: &Subset, n_classes: usize) -> (usize, usize) {
        match self.sampling {
            Sampling::Notebook { train, test, .. } => (train, test),
            Sampling::Holdout { train, test: Some(test), .. } => (train, test),
            Sampling::Holdout { train, test: None, test_fraction, .. } => {
                (train, holdout_sizes(subset, n_classes, test_fraction).iter().map(|(_, t)| t).sum())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let p = ProtocolParams {
            classes: vec![1, 12, 1],
            window_ms: 0.05,
            predict_steps: 0,
            teacher: -1.0,
            train_presentations: 0,
            test_presentations: Some(MAX_PRESENTATIONS + 1),
            neurons_per_class: 0,
            test_fraction: 1.0,
            ..Default::default()
        };
        let keys: Vec<String> = p.protocol(0.1, None).unwrap_err().into_iter().map(|b| b.key).collect();
        assert_eq!(
            keys,
            [
                "classes[1]",
                "classes[2]",
                "window_ms",
                "predict_steps",
                "teacher",
                "train_presentations",
                "test_presentations",
                "neurons_per_class",
                "test_fraction"
            ]
        );
    }

    #[test]
    fn checkpoints_increase_within_the_training_phase() {
        let keys = |checkpoints: Vec<usize>| -> Vec<String> {
            let p = ProtocolParams { checkpoints, train_presentations: 100, ..Default::default() };
            p.protocol(0.1, None).err().unwrap_or_default().into_iter().map(|b| b.key).collect()
        };
        assert!(keys(vec![1, 50, 99]).is_empty());
        assert_eq!(
            keys(vec![0, 50, 50, 100, 20]),
            ["checkpoints[0]", "checkpoints[2]", "checkpoints[3]", "checkpoints[4]"]
        );
        assert_eq!(keys(vec![1; MAX_CHECKPOINTS + 1]), ["checkpoints"]);
    }

    /// The labels' window within training, and the memory its responses take, each named.
    #[test]
    fn assigned_labels_read_a_bounded_window_of_training() {
        let keys = |p: ProtocolParams| -> Vec<String> {
            p.protocol(0.1, None).err().unwrap_or_default().into_iter().map(|b| b.key).collect()
        };
        let p = ProtocolParams { labels: Labels::Assigned, train_presentations: 100, ..Default::default() };
        assert!(keys(p.clone()).is_empty());
        assert_eq!(p.protocol(0.1, None).unwrap().assign_presentations, 50, "the last half by default");
        for n in [0, 101] {
            assert_eq!(keys(ProtocolParams { assign_presentations: Some(n), ..p.clone() }), ["assign_presentations"]);
        }
        let huge = ProtocolParams {
            classes: (0..10).collect(),
            neurons_per_class: 100,
            train_presentations: MAX_PRESENTATIONS,
            ..p.clone()
        };
        assert_eq!(keys(huge.clone()), ["assign_presentations"]);
        let message = &huge.protocol(0.1, None).unwrap_err()[0].message;
        assert!(message.contains("assign_presentations = 10000"), "{message}");
        assert!(keys(ProtocolParams { labels: Labels::Fixed, ..huge }).is_empty(), "fixed labels keep nothing");
    }

    /// The test window: absent, the training window's steps; given, its own whole number of
    /// steps, checked as the training window is, and the prediction's samples fit the shorter one.
    #[test]
    fn the_test_window_defaults_to_the_window_and_is_checked_alike() {
        let keys = |p: ProtocolParams| -> Vec<String> {
            p.protocol(0.1, None).err().unwrap_or_default().into_iter().map(|b| b.key).collect()
        };
        let p = ProtocolParams { test_window_ms: Some(150.0), ..Default::default() };
        let proto = p.protocol(0.1, None).unwrap();
        assert_eq!((proto.window_steps, proto.test_window_steps), (500, 1500));
        for bad in [0.0, -50.0, 0.05, f64::NAN, f64::INFINITY] {
            assert_eq!(keys(ProtocolParams { test_window_ms: Some(bad), ..p.clone() }), ["test_window_ms"], "{bad}");
        }
        let short = ProtocolParams { test_window_ms: Some(4.0), ..p.clone() };
        assert_eq!(keys(short), ["predict_steps"], "50 samples do not fit a test window of 40 steps");
        assert!(keys(ProtocolParams { test_window_ms: Some(5.0), ..p }).is_empty());
    }

    #[test]
    fn the_notebook_protocol_derives_as_documented() {
        let subset = Dataset::bundled().select(&[0, 1]).unwrap();
        let p = ProtocolParams { sampling: SamplingMode::Notebook, ..Default::default() };
        let proto = p.protocol(0.1, Some(&subset)).unwrap();
        assert_eq!((proto.window_steps, proto.test_window_steps, proto.predict_steps), (500, 500, 50));
        assert_eq!(proto.presentations(&subset, 2), (200, 100));
        let held = ProtocolParams::default().protocol(0.1, Some(&subset)).unwrap();
        assert_eq!(held.presentations(&subset, 2), (200, 91), "round(0.25 * 178) + round(0.25 * 182)");
        let bad = ProtocolParams { notebook_positions: [1, 360], ..p };
        assert_eq!(bad.protocol(0.1, Some(&subset)).unwrap_err()[0].key, "notebook_positions");
    }
}
