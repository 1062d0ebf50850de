//! Model options beyond the notebook (each off by default): several outputs per class, the
//! spike-count prediction rule, plasticity frozen in the test phase, on/off input coding, weight
//! normalisation and soft bounds (the last three also replayed against brian2 in tests/golden.rs).

use std::path::Path;

use harness::config::{DataCache, Experiment, RawExperiment, resolve};
use harness::model::ModelParams;
use harness::model::{Factors, Observer, State};
use harness::protocol::{Prediction, ProtocolParams, SamplingMode};
use harness::run::run_instance;
use harness::stats::mean;

fn experiment(protocol: ProtocolParams) -> Experiment {
    experiment_with(ModelParams::default(), protocol)
}

fn experiment_with(model: ModelParams, protocol: ProtocolParams) -> Experiment {
    let raw = RawExperiment {
        model,
        protocol: ProtocolParams { sampling: SamplingMode::Holdout, ..protocol },
        ..Default::default()
    };
    resolve(&raw, "options", Path::new("."), &mut DataCache::default()).unwrap()
}

fn test_accuracy(e: &Experiment) -> f64 {
    mean(&(1..=8).map(|s| run_instance(e, s, &mut ()).unwrap().test_accuracy()).collect::<Vec<_>>())
}

#[test]
fn several_outputs_per_class_learn_and_all_receive_the_teacher() {
    let e = experiment(ProtocolParams { neurons_per_class: 3, ..Default::default() });
    assert_eq!(e.factors.n_out, 6);
    assert!((e.factors.hold_inc - 0.6).abs() < 1e-15, "hold_inc follows the number of outputs");
    let o = run_instance(&e, 1, &mut ()).unwrap();
    assert!(
        o.train.output_spikes.iter().all(|&n| n > 0),
        "every output fires in training: {:?}",
        o.train.output_spikes
    );
    assert!(o.train_accuracy() > 0.95, "train {}", o.train_accuracy());
    let acc = test_accuracy(&e);
    assert!(acc > 0.85, "mean test accuracy {acc}");
}

#[test]
fn spike_count_prediction_is_an_alternative_rule() {
    let trace = experiment(ProtocolParams::default());
    let spikes = experiment(ProtocolParams { prediction: Prediction::Spikes, ..Default::default() });
    let (a, b) = (run_instance(&trace, 3, &mut ()).unwrap(), run_instance(&spikes, 3, &mut ()).unwrap());
    assert_eq!(a.test.output_spikes, b.test.output_spikes, "the rule reads the network, it does not change it");
    assert!(test_accuracy(&spikes) > 0.85);
}

/// Weights at the end of training and at the end of the run.
#[derive(Default)]
struct Weights {
    train_steps: u64,
    at_train_end: Option<ndarray::Array2<f64>>,
    last: Option<ndarray::Array2<f64>>,
}

impl Observer for Weights {
    fn after_step(&mut self, s: &State, _: &Factors) {
        if s.step == self.train_steps {
            self.at_train_end = Some(s.w().clone());
        }
        self.last = Some(s.w().clone());
    }
}

#[test]
fn frozen_test_plasticity_keeps_the_trained_weights() {
    for frozen in [false, true] {
        let e = experiment(ProtocolParams { plasticity_test: !frozen, train_presentations: 50, ..Default::default() });
        let mut w = Weights { train_steps: 50 * 2 * e.protocol.window_steps, ..Default::default() };
        run_instance(&e, 1, &mut w).unwrap();
        assert_eq!(w.at_train_end == w.last, frozen, "test-phase plasticity frozen: {frozen}");
    }
}

/// The rates of every step's inputs: on/off pairs sum to `f_max` while an image is shown.
struct Rates {
    window_steps: u64,
    shown: usize,
    rests: usize,
}

impl Observer for Rates {
    fn after_step(&mut self, s: &State, _: &Factors) {
        let (on, off) = s.rates_hz.split_at(64);
        if ((s.step - 1) / self.window_steps).is_multiple_of(2) {
            assert!(on.iter().zip(off).all(|(a, b)| (a + b - 250.0).abs() < 1e-12), "step {}", s.step - 1);
            assert!(on.contains(&0.0) && off.contains(&250.0), "dark pixels drive off inputs");
            self.shown += 1;
        } else {
            assert!(s.rates_hz.iter().all(|&r| r == 0.0), "rests are silent");
            self.rests += 1;
        }
    }
}

#[test]
fn on_off_coding_doubles_the_inputs_and_still_learns() {
    let e = experiment(ProtocolParams { on_off: true, ..Default::default() });
    assert_eq!((e.factors.n_in, e.data.n_pixels), (128, 64));
    let mut rates = Rates { window_steps: e.protocol.window_steps, shown: 0, rests: 0 };
    let o = run_instance(&e, 1, &mut rates).unwrap();
    assert_eq!((rates.shown, rates.rests), (o.steps as usize / 2, o.steps as usize / 2));
    let plain = run_instance(&experiment(ProtocolParams::default()), 1, &mut ()).unwrap();
    assert!(o.train.input_spikes > plain.train.input_spikes, "off inputs add spikes");
    assert!(test_accuracy(&e) > 0.85);
}

/// The column sums of the weights after the step that starts each rest (when no output fired in
/// it, nothing else moved a weight).
struct Sums {
    window_steps: u64,
    plastic_until: u64,
    sums: Vec<f64>,
}

impl Observer for Sums {
    fn after_step(&mut self, s: &State, _: &Factors) {
        let n = s.step - 1;
        let rest_starts = n.is_multiple_of(self.window_steps) && !(n / self.window_steps).is_multiple_of(2);
        if rest_starts && s.out_spikes.is_empty() && n < self.plastic_until {
            self.sums.extend(s.w().columns().into_iter().map(|c| c.sum()));
        }
    }
}

#[test]
fn weight_normalisation_rescales_each_output_after_every_presentation() {
    let model = ModelParams { weight_sum: Some(20.0), ..Default::default() };
    let e = experiment_with(model, ProtocolParams::default());
    let train_steps = 200 * 2 * e.protocol.window_steps;
    let mut sums = Sums { window_steps: e.protocol.window_steps, plastic_until: train_steps, sums: Vec::new() };
    run_instance(&e, 2, &mut sums).unwrap();
    assert!(sums.sums.len() > 100, "{} rests seen", sums.sums.len());
    assert!(sums.sums.iter().all(|&x| (x - 20.0).abs() < 1e-9), "{:?}", &sums.sums[..4]);
    // Off, the sums wander.
    let e = experiment(ProtocolParams::default());
    let mut free = Sums { window_steps: e.protocol.window_steps, plastic_until: train_steps, sums: Vec::new() };
    run_instance(&e, 2, &mut free).unwrap();
    assert!(free.sums.iter().any(|&x| (x - 20.0).abs() > 1.0));
    // A frozen test phase is not normalised either: its weights are training's.
    let model = ModelParams { weight_sum: Some(20.0), ..Default::default() };
    let frozen = experiment_with(
        model,
        ProtocolParams { plasticity_test: false, train_presentations: 50, ..Default::default() },
    );
    let mut w = Weights { train_steps: 50 * 2 * frozen.protocol.window_steps, ..Default::default() };
    run_instance(&frozen, 1, &mut w).unwrap();
    assert_eq!(w.at_train_end, w.last);
    assert!(
        test_accuracy(&experiment_with(
            ModelParams { weight_sum: Some(24.0), ..Default::default() },
            ProtocolParams::default()
        )) > 0.85
    );
}

/// Every weight, every step, within `[0, wmax]` (after the first update of each: the initial
/// weights are drawn from U(0, 1) whatever `wmax`).
struct Bounds {
    wmax: f64,
    outside: usize,
}

impl Observer for Bounds {
    fn after_step(&mut self, s: &State, _: &Factors) {
        if s.step > 20_000 {
            self.outside += s.w().iter().filter(|&&w| !(0.0..=self.wmax).contains(&w)).count();
        }
    }
}

#[test]
fn soft_bounds_keep_weights_inside_and_still_learn() {
    let model = ModelParams { soft_bounds: true, ..Default::default() };
    let e = experiment_with(model.clone(), ProtocolParams::default());
    let mut b = Bounds { wmax: 1.0, outside: 0 };
    let soft = run_instance(&e, 4, &mut b).unwrap();
    assert_eq!(b.outside, 0);
    let hard = run_instance(&experiment(ProtocolParams::default()), 4, &mut ()).unwrap();
    assert_ne!(soft.test.output_spikes, hard.test.output_spikes, "the option changes the run");
    assert!(test_accuracy(&e) > 0.85);
}

/// Assigned labels read the network differently and change nothing of it: the same spikes and
/// weights as fixed labels, bit for bit; the owners are the classes each output responded to
/// most, which differ from the fixed ones when the teacher is off (training is then
/// unsupervised), and every test prediction is a class that owns an output.
#[test]
fn assigned_labels_change_only_the_readout() {
    use harness::protocol::Labels;
    use harness::run::run_with_weights;
    let base = ProtocolParams {
        classes: vec![3, 8, 5],
        neurons_per_class: 3,
        train_presentations: 60,
        prediction: Prediction::Spikes,
        ..Default::default()
    };
    for teacher in [100.0, 0.0] {
        let fixed = experiment(ProtocolParams { teacher, ..base.clone() });
        let assigned = experiment(ProtocolParams { teacher, labels: Labels::Assigned, ..base.clone() });
        let (a, wa) = run_with_weights(&fixed, 5, None).unwrap();
        let (b, wb) = run_with_weights(&assigned, 5, None).unwrap();
        assert_eq!(wa, wb, "teacher {teacher}: the weights");
        assert_eq!((&a.train, &a.test.output_spikes), (&b.train, &b.test.output_spikes), "teacher {teacher}");
        assert_eq!(a.owners, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
        assert!(b.test.predictions.iter().all(|c| b.owners.contains(c)), "teacher {teacher}");
        if teacher == 0.0 {
            assert_ne!(b.owners, a.owners, "unsupervised, the outputs find classes of their own");
        }
    }
}

/// The teacher on the best-matching output: with one output per class it is the class's only
/// output, so the run is the notebook's bit for bit; with several, only one of them is taught
/// per presentation, and the run differs.
#[test]
fn the_best_match_teacher_is_the_class_teacher_for_one_output_per_class() {
    use harness::protocol::TeacherTo;
    use harness::run::run_with_weights;
    for (k, same) in [(1, true), (3, false)] {
        let p = ProtocolParams {
            classes: vec![3, 8, 5],
            neurons_per_class: k,
            train_presentations: 60,
            ..Default::default()
        };
        let class = experiment(p.clone());
        let best = experiment(ProtocolParams { teacher_to: TeacherTo::Best, ..p });
        let (a, wa) = run_with_weights(&class, 2, None).unwrap();
        let (b, wb) = run_with_weights(&best, 2, None).unwrap();
        assert_eq!((a == b && wa == wb), same, "{k} outputs per class");
    }
}

/// A test window changes the test phase only: training (its spikes, predictions and weights) is
/// that of the run without it, the test phase has as many presentations, each (with its rest)
/// of the test window's steps, and they see more spikes; a test window equal to `window_ms` is
/// the run without one, bit for bit. A trace's schedule places the test presentations alike.
#[test]
fn a_test_window_lengthens_the_test_phase_only() {
    use harness::run::{run_with_weights, schedule};
    use harness::trace::Trace;
    let base = ProtocolParams {
        classes: vec![3, 8, 5],
        train_presentations: 40,
        neurons_per_class: 2,
        prediction: Prediction::Spikes,
        plasticity_test: false,
        ..Default::default()
    };
    let plain = experiment(base.clone());
    let same = experiment(ProtocolParams { test_window_ms: Some(50.0), ..base.clone() });
    let long = experiment(ProtocolParams { test_window_ms: Some(120.0), ..base });
    assert_eq!(long.protocol.test_window_steps, 1200);
    for seed in [2, 5] {
        let (a, wa) = run_with_weights(&plain, seed, None).unwrap();
        assert_eq!(run_with_weights(&same, seed, None).unwrap(), (a.clone(), wa.clone()), "seed {seed}");
        let (b, wb) = run_with_weights(&long, seed, None).unwrap();
        assert_eq!(b.train, a.train, "seed {seed}: training is untouched");
        assert_eq!(wb.after_train, wa.after_train);
        let (n_train, n_test) = (a.train.labels.len() as u64, a.test.labels.len() as u64);
        assert_eq!((a.steps, b.steps), (2 * 500 * (n_train + n_test), 2 * (500 * n_train + 1200 * n_test)));
        assert_eq!(b.test.labels, a.test.labels, "the same test images in the same order");
        let (sa, sb): (u64, u64) = (a.test.output_spikes.iter().sum(), b.test.output_spikes.iter().sum());
        assert!(sb > 2 * sa, "seed {seed}: {sb} test spikes in windows of 120 ms against {sa} in 50 ms");

        let trace = Trace::new(&long, &schedule(&long, seed), 1000).unwrap();
        let first_test = n_train as usize;
        assert_eq!(trace.presentation_step(first_test), 2 * 500 * n_train);
        assert_eq!(trace.presentation_step(first_test + 1), 2 * 500 * n_train + 2 * 1200);
        assert_eq!((trace.presentation_steps(first_test - 1), trace.presentation_steps(first_test)), (500, 1200));
        assert_eq!(trace.total_steps, b.steps);
    }
}
