//! One phase of the protocol: alternating presentations and rests, with predictions.

use crate::data::{Dataset, MAX_PIXEL};
use crate::model::{Factors, InputSource, Observer, State, Tally, advance, normalise};

use super::Protocol;
use super::readout::{Readout, Responses};
use super::teacher::taught;

/// One presentation: the image on data row `row`, of the class at `class_index` in the
/// experiment's class list (whose outputs the teacher drives in training).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    pub row: usize,
    pub class_index: usize,
}

/// What a phase produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhaseOutcome {
    pub labels: Vec<usize>,
    pub predictions: Vec<usize>,
    /// Input spikes during the phase.
    pub input_spikes: u64,
    /// Spikes of each output during the phase.
    pub output_spikes: Vec<u64>,
}

impl PhaseOutcome {
    /// Add `later`, the outcome of the phase's windows that followed this one's.
    pub fn append(&mut self, later: PhaseOutcome) {
        self.labels.extend(later.labels);
        self.predictions.extend(later.predictions);
        self.input_spikes += later.input_spikes;
        for (total, n) in self.output_spikes.iter_mut().zip(&later.output_spikes) {
            *total += n;
        }
    }

    /// Share of predictions equal to their labels (NaN for an empty phase).
    pub fn accuracy(&self) -> f64 {
        let hits = self.labels.iter().zip(&self.predictions).filter(|(l, p)| l == p).count();
        hits as f64 / self.labels.len() as f64
    }
}

/// How a phase treats the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseMode {
    /// Teacher current into the labelled output while an image is shown.
    pub teacher: bool,
    /// Weight updates on.
    pub plastic: bool,
    /// Steps of a presentation and of its rest.
    pub window_steps: u64,
}

impl Protocol {
    /// The training phase: the teacher on, `plasticity_train`, the training window.
    pub fn train_mode(&self) -> PhaseMode {
        PhaseMode { teacher: true, plastic: self.plastic_train, window_steps: self.window_steps }
    }

    /// The test phase (and a checkpoint's): no teacher, `plasticity_test`, the test window.
    pub fn test_mode(&self) -> PhaseMode {
        PhaseMode { teacher: false, plastic: self.plastic_test, window_steps: self.test_window_steps }
    }
}

/// Run one phase from the current state: `2 * shown.len()` windows, a presentation then a rest for
/// each image (read from `data`), each presentation's class read off the outputs by `readout`
/// and, with `record`, each output's response to it recorded there.
#[allow(clippy::too_many_arguments)]
pub fn run_phase(
    s: &mut State,
    f: &Factors,
    p: &Protocol,
    data: &Dataset,
    shown: &[Presentation],
    mode: PhaseMode,
    readout: &Readout,
    mut record: Option<&mut Responses>,
    input: &mut impl InputSource,
    obs: &mut impl Observer,
) -> PhaseOutcome {
    let n_out = f.n_out;
    let mut out = PhaseOutcome {
        labels: Vec::with_capacity(shown.len()),
        predictions: Vec::with_capacity(shown.len()),
        input_spikes: 0,
        output_spikes: vec![0; n_out],
    };
    let w = mode.window_steps;
    let k = p.neurons_per_class;
    let sample_from = w - p.predict_steps as u64;
    // Sum of the monitor's samples of G.a over the last `predict_steps` steps of the window.
    let mut recent = vec![0.0; n_out];
    // Spikes of each output during the window.
    let mut window_spikes = vec![0u64; n_out];
    let mut scores = vec![0.0; n_out / k];
    for window in 0..2 * shown.len() {
        if window % 2 == 0 {
            let shown = shown[window / 2];
            let image = data.image(shown.row);
            let (on, off) = s.rates_hz.split_at_mut(image.len());
            for (r, &px) in on.iter_mut().zip(image) {
                *r = px as f64 / MAX_PIXEL as f64 * p.f_max_hz;
            }
            if p.on_off {
                for (r, &px) in off.iter_mut().zip(image) {
                    *r = (MAX_PIXEL - px) as f64 / MAX_PIXEL as f64 * p.f_max_hz;
                }
            }
            let label = shown.class_index;
            if mode.teacher {
                s.i_teacher.fill(0.0);
                let outputs = taught(p.teacher_to, s, label, k);
                s.i_teacher[outputs].fill(p.teacher);
            }
            out.labels.push(label);
        } else {
            s.rates_hz.fill(0.0);
            s.i_teacher.fill(0.0);
            out.predictions.push(readout.predict(p.prediction, &recent, &window_spikes, &mut scores));
            if let Some(record) = record.as_deref_mut() {
                record.push(shown[window / 2].class_index, &window_spikes, &recent);
            }
            if let (true, Some(target)) = (mode.plastic, f.weight_sum) {
                normalise(s, f, target);
            }
        }
        input.set_rates(s.step, &s.rates_hz, f.dt_ms);
        recent.fill(0.0);
        window_spikes.fill(0);
        let mut tally = Tally {
            input_spikes: 0,
            output_spikes: &mut window_spikes,
            g_a_sum: &mut recent,
            sum_from: s.step + sample_from,
        };
        advance(s, f, mode.plastic, input, obs, s.step + w, &mut tally);
        out.input_spikes += tally.input_spikes;
        for (total, n) in out.output_spikes.iter_mut().zip(&window_spikes) {
            *total += n;
        }
    }
    out
}
