//! The notebook's protocol: presentations of one image for a window, alternating with rests of
//! the same length; a training phase with the teacher current, then a test phase without it, on
//! the same network without any reset.
//!
//! At each window boundary (a multiple of `window`, before the step at that time) a counter that
//! starts at 0 in each phase decides: even, a presentation starts (input rates `pixel/16 * f_max`,
//! teacher current into the labelled output during training, label recorded); odd, a rest starts
//! (rates and teacher 0) and the prediction for the image just shown is the argmax over outputs of
//! the mean of `G.a` over the last `predict_steps` samples of a monitor that samples `G.a` at the
//! start of every step (so the state after the boundary's preceding step is not among them; the
//! first index wins a tie).
//!
//! Options (off in the notebook): with on/off coding, input `n_pixels + k` is pixel `k`'s "off"
//! input, at rate `(16 - pixel)/16 * f_max` while the image is shown; with weight normalisation
//! (`[model] weight_sum`), each output's forward weights are rescaled at the start of every rest
//! of a plastic phase, after the prediction ([`crate::model::normalise`]); with `teacher_to =
//! "best"`, the teacher drives only the presented class's best-matching output ([`taught`]); with
//! `labels = "assigned"`, the test phase reads each output as the class it responded to most in
//! training ([`Readout`]).

mod phase;
mod readout;
pub mod sampling;
mod teacher;
mod validate;

use serde::{Deserialize, Serialize};

pub use phase::{PhaseMode, PhaseOutcome, Presentation, run_phase};
pub use readout::{Labels, Readout, Responses};
pub use sampling::Sampling;
pub use teacher::{TeacherTo, taught};
pub use validate::{Invalid, MAX_CHECKPOINTS, MAX_PRESENTATIONS, MAX_RESPONSES};

/// How presentations are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SamplingMode {
    /// The notebook's: positions `notebook_positions` of the class subset, uniform with
    /// replacement, in both phases (test images are training images).
    Notebook,
    /// A stratified split of the chosen classes into disjoint train and test sets.
    Holdout,
}

/// How a presentation's class is read off the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prediction {
    /// The notebook's: largest mean trace `G.a` over the last `predict_steps` steps.
    Trace,
    /// Most output spikes during the presentation (the trace rule when no output fired).
    Spikes,
}

/// Protocol parameters as written in the `[protocol]` table (defaults: the notebook's values,
/// except `sampling`, which defaults to `holdout`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtocolParams {
    /// Digit classes to learn, one output neuron each, in this order (1 to 10 distinct digits
    /// 0..9). Notebook: `[0, 1]`.
    pub classes: Vec<u8>,
    /// `"notebook"` or `"holdout"`. Default: `"holdout"`.
    pub sampling: SamplingMode,
    /// Notebook sampling: the inclusive range of positions in the class subset (file order) that
    /// presentations are drawn from. Notebook: `[1, 348]` (`np.random.randint(1, 349)`).
    pub notebook_positions: [usize; 2],
    /// Holdout sampling: share of each class's images held out for the test phase. Default 0.25.
    pub test_fraction: f64,
    /// Holdout sampling: seed of the split; absent, each run splits with its own seed, so that
    /// replicates also sample the split's variance.
    pub split_seed: Option<u64>,
    /// Presentations in the training phase. Notebook: 200 (20 s).
    pub train_presentations: usize,
    /// Presentations in the test phase. Notebook: 100; absent under holdout sampling, every test
    /// image once.
    pub test_presentations: Option<usize>,
    /// Length of a presentation and of a rest, in ms; a whole number of steps. Notebook: 50.
    pub window_ms: f64,
    /// Length of a test-phase presentation and of the rest after it, in ms; a whole number of
    /// steps. Absent (the notebook's): `window_ms`. A longer test presentation gives the readout
    /// more spikes to count without changing training (Diehl & Cook 2015 show each image for 350
    /// ms); checkpoints' test phases take it too.
    pub test_window_ms: Option<f64>,
    /// Monitor samples (of `G.a`, one per step) averaged for a prediction (the last ones of a
    /// presentation); at most the steps of either window. Notebook: 50.
    pub predict_steps: usize,
    /// Input rate of a white (16) pixel, in Hz. Notebook: 250.
    pub f_max_hz: f64,
    /// Teacher current into the labelled output while an image is shown in training. Notebook: 100.
    pub teacher: f64,
    /// `"class"` (the notebook's: the teacher drives all of the presented class's outputs) or
    /// `"best"` (only the class's output whose forward weights best match the image); see
    /// [`TeacherTo`]. Default `"class"`.
    pub teacher_to: TeacherTo,
    /// Plasticity during the training phase. Notebook: on.
    pub plasticity_train: bool,
    /// Plasticity during the test phase. Notebook: on (it never stops).
    pub plasticity_test: bool,
    /// Output neurons per class (population coding): `n_out = classes * neurons_per_class`, the
    /// teacher drives all of a class's neurons, predictions sum over them. Notebook: 1.
    pub neurons_per_class: usize,
    /// `"trace"` (the notebook's) or `"spikes"`: see [`Prediction`]. Default `"trace"`.
    pub prediction: Prediction,
    /// On/off input coding: each pixel drives a second, "off" input at `(16 - pixel)/16 * f_max`
    /// (inputs `n_pixels .. 2 n_pixels`, in pixel order), so that the network also sees where the
    /// image is dark. Notebook: off.
    pub on_off: bool,
    /// `"fixed"` (the notebook's: outputs `c k .. (c+1) k` stand for class `c`) or `"assigned"`
    /// (Diehl & Cook: after training, each output stands for the class it responded to most); see
    /// [`Readout`]. Default `"fixed"`.
    pub labels: Labels,
    /// Assigned labels: the last training presentations whose responses assign them. Default:
    /// the last half of the training phase (rounded up).
    pub assign_presentations: Option<usize>,
    /// Learning curve: after each of these numbers of training presentations (increasing, each
    /// below `train_presentations`), the test phase is run on a copy of the network with its own
    /// input stream, and its accuracy recorded. The training and the final result are those of a
    /// run without checkpoints, bit for bit. A measurement, not a parameter: it is not part of a
    /// configuration's id (nor of its runs' seeds) and cannot be an axis. Default: none.
    pub checkpoints: Vec<usize>,
}

impl Default for ProtocolParams {
    fn default() -> Self {
        ProtocolParams {
            classes: vec![0, 1],
            sampling: SamplingMode::Holdout,
            notebook_positions: [1, 348],
            test_fraction: 0.25,
            split_seed: None,
            train_presentations: 200,
            test_presentations: None,
            window_ms: 50.0,
            test_window_ms: None,
            predict_steps: 50,
            f_max_hz: 250.0,
            teacher: 100.0,
            teacher_to: TeacherTo::Class,
            plasticity_train: true,
            plasticity_test: true,
            neurons_per_class: 1,
            prediction: Prediction::Trace,
            on_off: false,
            labels: Labels::Fixed,
            assign_presentations: None,
            checkpoints: Vec::new(),
        }
    }
}

/// The validated protocol that a run follows.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Steps of a training presentation and of its rest.
    pub window_steps: u64,
    /// Steps of a test presentation and of its rest ([`ProtocolParams::test_window_ms`]).
    pub test_window_steps: u64,
    pub predict_steps: usize,
    pub f_max_hz: f64,
    pub teacher: f64,
    /// The outputs the teacher drives ([`ProtocolParams::teacher_to`]).
    pub teacher_to: TeacherTo,
    pub plastic_train: bool,
    pub plastic_test: bool,
    pub neurons_per_class: usize,
    pub prediction: Prediction,
    /// Off inputs after the pixels' own (see [`ProtocolParams::on_off`]).
    pub on_off: bool,
    /// Fixed or assigned labels ([`ProtocolParams::labels`]).
    pub labels: Labels,
    /// Assigned labels: training presentations whose responses assign them (the last ones).
    pub assign_presentations: usize,
    pub sampling: Sampling,
    /// Training presentations after which the test phase is measured on a copy (increasing).
    pub checkpoints: Vec<usize>,
}

/// The `[protocol]` keys that are measurements, not parameters: no axis, no parameter column,
/// not in a configuration's id.
pub const MEASUREMENTS: [&str; 1] = ["checkpoints"];

/// Index of the largest value; the first wins a tie (numpy's `argmax`).
pub fn argmax(xs: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #[test]
    fn argmax_takes_the_first_of_ties() {
        assert_eq!(super::argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(super::argmax(&[0.0, 0.0]), 0);
    }
}
