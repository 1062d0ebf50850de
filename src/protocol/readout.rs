//! How a presentation's class is read off the outputs: which class each output stands for, and
//! the score of a class.
//!
//! - **Fixed labels** (the notebook's, and the default): outputs `c k .. (c+1) k` stand for class
//!   `c` (`k = neurons_per_class`, the outputs the teacher drives for class `c`); a class's score
//!   is the sum of its outputs' values.
//! - **Assigned labels** (`[protocol] labels = "assigned"`; Diehl & Cook 2015): after training,
//!   each output stands for the class it responded to most, on average, over the last
//!   `assign_presentations` training presentations:
//!
//!   `owner(j) = argmax_c (1/|P_c|) sum_{p in P_c} r_j(p)`   (summed in the order shown)
//!
//!   where `P_c` are those presentations of class `c` and `r_j(p)` is output `j`'s response to
//!   presentation `p` in the prediction rule's own terms (its spikes during the presentation for
//!   `prediction = "spikes"`, its summed monitor samples of `G.a` for `"trace"`); an output that
//!   never fired in those presentations is assigned by its traces under the spike rule, as a
//!   prediction falls back to traces when no output fired. A class's score is then the mean of its
//!   outputs' values (classes can hold different numbers of outputs; a class that holds none is
//!   never predicted). The first class wins every tie, as in numpy's `argmax`.
//!
//! Assigned labels read the network differently; they do not change it: a run's spikes and
//! weights are those of the same run with fixed labels, bit for bit. With the teacher on, the
//! teacher still drives the fixed outputs of the presented class; with `teacher = 0`, training is
//! unsupervised and the assignment alone gives the outputs their classes, as in Diehl & Cook.

use serde::{Deserialize, Serialize};

use super::{Prediction, argmax};

/// Which class each output stands for (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Labels {
    /// Outputs `c k .. (c+1) k` stand for class `c`; a class's score is their sum.
    Fixed,
    /// Each output stands for the class it responded to most in training; a class's score is the
    /// mean over its outputs.
    Assigned,
}

/// The class of every output, and how a class's score is formed from its outputs' values.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// The class index each output stands for.
    owner: Vec<usize>,
    /// Assigned labels: the number of outputs of each class (a score is their mean); `None` for
    /// fixed labels (a score is their sum, exactly as before assignment existed).
    sizes: Option<Vec<usize>>,
}

impl Readout {
    /// Fixed labels: `k` outputs per class, in class order.
    pub fn fixed(n_out: usize, k: usize) -> Readout {
        Readout { owner: (0..n_out).map(|j| j / k).collect(), sizes: None }
    }

    /// Labels assigned by `responses` (see the module's doc) for `n_classes` classes under `rule`.
    /// With no response recorded, the fixed labels of `k` outputs per class.
    pub fn assigned(responses: &Responses, rule: Prediction, n_classes: usize, k: usize) -> Readout {
        let n_out = responses.n_out;
        if responses.len == 0 {
            return Readout::fixed(n_out, k);
        }
        let mut count = vec![0usize; n_classes];
        // Per class, then output: summed spikes and summed traces over the recorded presentations.
        let mut spikes = vec![0.0; n_classes * n_out];
        let mut traces = vec![0.0; n_classes * n_out];
        // Oldest first, so that the sums are those of the presentations in the order shown.
        let oldest = (responses.next + responses.capacity - responses.len) % responses.capacity;
        for i in 0..responses.len {
            let p = (oldest + i) % responses.capacity;
            let c = responses.labels[p];
            count[c] += 1;
            let row = p * n_out..(p + 1) * n_out;
            let (s, t) = (&mut spikes[c * n_out..(c + 1) * n_out], &mut traces[c * n_out..(c + 1) * n_out]);
            for ((s, t), (&rs, &rt)) in
                s.iter_mut().zip(t).zip(responses.spikes[row.clone()].iter().zip(&responses.traces[row]))
            {
                *s += rs;
                *t += rt;
            }
        }
        let mut means = vec![0.0; n_classes];
        let mut owner = Vec::with_capacity(n_out);
        for j in 0..n_out {
            let fired = (0..n_classes).any(|c| spikes[c * n_out + j] > 0.0);
            let sums = if rule == Prediction::Spikes && fired { &spikes } else { &traces };
            for (c, m) in means.iter_mut().enumerate() {
                *m = if count[c] == 0 { f64::NEG_INFINITY } else { sums[c * n_out + j] / count[c] as f64 };
            }
            owner.push(argmax(&means));
        }
        let mut sizes = vec![0; n_classes];
        for &c in &owner {
            sizes[c] += 1;
        }
        Readout { owner, sizes: Some(sizes) }
    }

    /// The class index each output stands for.
    pub fn owners(&self) -> &[usize] {
        &self.owner
    }

    /// The class predicted at the end of a presentation from the outputs' summed monitor samples
    /// of `G.a` over the last `predict_steps` steps (`recent`) and their spikes during the
    /// presentation:
    /// - [`Prediction::Trace`] (the notebook's): the class whose outputs' traces score highest;
    ///   with one output per class and fixed labels, the notebook's argmax of mean traces exactly.
    /// - [`Prediction::Spikes`]: the class whose outputs' spikes score highest; when no output
    ///   fired, the trace rule decides.
    ///
    /// The first class wins a tie. `scores` is scratch space, one entry per class.
    pub fn predict(&self, rule: Prediction, recent: &[f64], spikes: &[u64], scores: &mut [f64]) -> usize {
        let by_class = |values: &mut dyn Iterator<Item = f64>, scores: &mut [f64]| {
            scores.fill(0.0);
            for (&c, v) in self.owner.iter().zip(values) {
                scores[c] += v;
            }
        };
        if rule == Prediction::Spikes && spikes.iter().any(|&n| n > 0) {
            by_class(&mut spikes.iter().map(|&n| n as f64), scores);
        } else {
            by_class(&mut recent.iter().copied(), scores);
        }
        if let Some(sizes) = &self.sizes {
            for (s, &n) in scores.iter_mut().zip(sizes) {
                *s = if n == 0 { f64::NEG_INFINITY } else { *s / n as f64 };
            }
        }
        argmax(scores)
    }
}

/// The responses of every output to the last `capacity` presentations of a phase (a ring): what
/// [`Readout::assigned`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Responses {
    n_out: usize,
    capacity: usize,
    /// Presentations held (at most `capacity`), the oldest at `next` once the ring is full.
    len: usize,
    next: usize,
    /// Per presentation (slot), its class index, and each output's spikes and summed traces.
    labels: Vec<usize>,
    spikes: Vec<f64>,
    traces: Vec<f64>,
}

impl Responses {
    /// A ring for the last `capacity` presentations of `n_out` outputs (`capacity >= 1`).
    pub fn new(n_out: usize, capacity: usize) -> Responses {
        let capacity = capacity.max(1);
        Responses {
            n_out,
            capacity,
            len: 0,
            next: 0,
            labels: vec![0; capacity],
            spikes: vec![0.0; capacity * n_out],
            traces: vec![0.0; capacity * n_out],
        }
    }

    /// Record one presentation of class index `label`: each output's spikes and summed traces.
    pub fn push(&mut self, label: usize, spikes: &[u64], traces: &[f64]) {
        let slot = self.next;
        self.labels[slot] = label;
        let row = slot * self.n_out..(slot + 1) * self.n_out;
        for (r, &n) in self.spikes[row.clone()].iter_mut().zip(spikes) {
            *r = n as f64;
        }
        self.traces[row].copy_from_slice(traces);
        self.next = (slot + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_rule_with_one_output_per_class_is_the_notebooks_argmax() {
        let mut scores = [0.0; 3];
        assert_eq!(Readout::fixed(3, 1).predict(Prediction::Trace, &[0.2, 0.7, 0.7], &[9, 0, 0], &mut scores), 1);
    }

    #[test]
    fn population_scores_sum_each_class_s_outputs() {
        // classes of two outputs each: class 0 = 0.5 + 0.1, class 1 = 0.3 + 0.4
        let mut scores = [0.0; 2];
        let fixed = Readout::fixed(4, 2);
        assert_eq!(fixed.predict(Prediction::Trace, &[0.5, 0.1, 0.3, 0.4], &[0; 4], &mut scores), 1);
        assert_eq!(fixed.predict(Prediction::Spikes, &[0.5, 0.1, 0.3, 0.4], &[3, 2, 4, 0], &mut scores), 0);
    }

    #[test]
    fn spike_rule_counts_spikes_and_falls_back_to_traces_when_silent() {
        let mut scores = [0.0; 2];
        let fixed = Readout::fixed(2, 1);
        assert_eq!(fixed.predict(Prediction::Spikes, &[0.9, 0.1], &[1, 2], &mut scores), 1);
        assert_eq!(fixed.predict(Prediction::Spikes, &[0.1, 0.9], &[0, 0], &mut scores), 1);
        assert_eq!(fixed.predict(Prediction::Spikes, &[0.9, 0.1], &[2, 2], &mut scores), 0, "ties: first class");
    }

    /// Each output goes to the class with its highest mean response (means, not sums: class 1 is
    /// shown three times as often), an output that never fired by its traces, and scores are
    /// means over a class's outputs, a class without outputs never predicted.
    #[test]
    fn assignment_follows_the_mean_response_and_scores_are_means() {
        let mut r = Responses::new(3, 10);
        // output 0 fires for class 1 (2 a presentation) and class 0 (3); output 1 for class 1;
        // output 2 never fires, its traces larger for class 0.
        r.push(0, &[3, 0, 0], &[0.0, 0.0, 0.9]);
        for _ in 0..3 {
            r.push(1, &[2, 1, 0], &[0.0, 0.0, 0.2]);
        }
        let a = Readout::assigned(&r, Prediction::Spikes, 3, 1);
        assert_eq!(a.owners(), [0, 1, 0]);
        assert_eq!(Readout::assigned(&r, Prediction::Trace, 3, 1).owners(), [0, 0, 0], "all traces tie but output 2's");
        let mut scores = [0.0; 3];
        // class 0 = mean(4, 0) = 2 against class 1 = 3: a sum would have picked class 0
        assert_eq!(a.predict(Prediction::Spikes, &[0.0; 3], &[4, 3, 0], &mut scores), 1);
        assert_eq!(scores, [2.0, 3.0, f64::NEG_INFINITY]);
    }

    /// The ring keeps the last `capacity` presentations only: the assignment forgets older ones.
    #[test]
    fn the_ring_keeps_the_last_presentations() {
        let mut r = Responses::new(1, 2);
        r.push(0, &[5], &[0.0]);
        r.push(1, &[1], &[0.0]);
        assert_eq!(Readout::assigned(&r, Prediction::Spikes, 2, 1).owners(), [0]);
        r.push(1, &[1], &[0.0]); // the class 0 presentation drops out
        assert_eq!(r.len, 2);
        assert_eq!(Readout::assigned(&r, Prediction::Spikes, 2, 1).owners(), [1]);
    }

    /// Assigned labels that happen to be the fixed ones predict as fixed labels do (a mean over
    /// equal-sized classes orders classes as their sums).
    #[test]
    fn an_assignment_equal_to_the_fixed_labels_predicts_alike() {
        let mut r = Responses::new(4, 4);
        r.push(0, &[3, 2, 0, 0], &[0.0; 4]);
        r.push(1, &[0, 0, 1, 4], &[0.0; 4]);
        let a = Readout::assigned(&r, Prediction::Spikes, 2, 2);
        let fixed = Readout::fixed(4, 2);
        assert_eq!(a.owners(), fixed.owners());
        let (mut s1, mut s2) = ([0.0; 2], [0.0; 2]);
        for spikes in [[3, 2, 4, 0], [0, 1, 1, 0], [0, 0, 0, 0], [5, 0, 0, 5]] {
            let recent = [0.1, 0.4, 0.3, 0.2];
            assert_eq!(
                a.predict(Prediction::Spikes, &recent, &spikes, &mut s1),
                fixed.predict(Prediction::Spikes, &recent, &spikes, &mut s2)
            );
        }
    }
}
