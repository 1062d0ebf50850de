//! Model options beyond the notebook (each off by default): several outputs per class, the
//! spike-count prediction rule, plasticity frozen in the test phase.

use std::path::Path;

use harness::config::{DataCache, Experiment, RawExperiment, resolve};
use harness::model::{Factors, Observer, State};
use harness::protocol::{Prediction, ProtocolParams, SamplingMode};
use harness::run::run_instance;
use harness::stats::mean;

fn experiment(protocol: ProtocolParams) -> Experiment {
    let raw = RawExperiment {
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
