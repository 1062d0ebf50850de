//! Golden equivalence with brian2: the notebook's equations run by brian2 2.9 with input spikes
//! replayed from a table (`tools/brian2_reference/golden.py` wrote the fixtures). harness replays
//! the same table from the same initial state and must reproduce every recorded value to 1e-9 and
//! every spike at exactly the same step.

use std::io::Read;

use harness::data::Dataset;
use harness::model::{Factors, ModelParams, Observer, Replay, State};
use harness::protocol::{Labels, Presentation, Protocol, Readout, Responses, Sampling, TeacherTo, run_phase};
use ndarray::Array2;
use serde::Deserialize;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

#[derive(Deserialize)]
struct Fixture {
    n_in: usize,
    n_out: usize,
    params: Params,
    train_presentations: usize,
    n_steps: u64,
    presentations: Vec<PresentedImage>,
    initial: Initial,
    input_spikes: Spikes,
    output_spikes: Spikes,
    g_trajectory: GTrajectory,
    p_trajectory: PTrajectory,
    w_trajectory: WTrajectory,
    predictions: Split,
    labels: Split,
    /// The class index each output stood for in the test (the readout fixture only).
    #[serde(default)]
    assigned_owner: Option<Vec<usize>>,
}

#[derive(Deserialize)]
struct Params {
    dt_ms: f64,
    f_max_hz: f64,
    alpha_ms: f64,
    beta_ms: f64,
    tau_ms: f64,
    tau_i_ms: f64,
    tau_h_ms: f64,
    t_ref_ms: f64,
    hold0: f64,
    hold_inc: f64,
    wmax: f64,
    c_inp: f64,
    c_neg: f64,
    lr: f64,
    lr_n: f64,
    decay: f64,
    teacher: f64,
    window_ms: f64,
    /// The test phase's window; absent: `window_ms`.
    #[serde(default)]
    test_window_ms: Option<f64>,
    /// The model options (docs/model.md, "Options"); absent in the notebook's fixtures: off.
    #[serde(default)]
    on_off: bool,
    #[serde(default)]
    weight_sum: Option<f64>,
    #[serde(default)]
    soft_bounds: bool,
    /// The protocol's readout options; absent: the notebook's (one output per class, the teacher
    /// on it, fixed labels).
    #[serde(default = "one")]
    neurons_per_class: usize,
    #[serde(default = "class")]
    teacher_to: TeacherTo,
    #[serde(default = "fixed")]
    labels: Labels,
    #[serde(default)]
    assign_presentations: Option<usize>,
}

fn one() -> usize {
    1
}

fn class() -> TeacherTo {
    TeacherTo::Class
}

fn fixed() -> Labels {
    Labels::Fixed
}

#[derive(Deserialize)]
struct PresentedImage {
    label: usize,
    pixels: Vec<u8>,
}

#[derive(Deserialize)]
struct Initial {
    p_a: Vec<f64>,
    p_theta: Vec<f64>,
    g_a: Vec<f64>,
    g_theta: Vec<f64>,
    w: Vec<f64>,
    w_neg: Vec<f64>,
}

#[derive(Deserialize)]
struct Spikes {
    step: Vec<u64>,
    neuron: Vec<u32>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct GTrajectory {
    step: Vec<u64>,
    v: Vec<Vec<f64>>,
    I_inp: Vec<Vec<f64>>,
    I_neg: Vec<Vec<f64>>,
    hold: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    theta: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct PTrajectory {
    step: Vec<u64>,
    a: Vec<Vec<f64>>,
    theta: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct WTrajectory {
    step: Vec<u64>,
    w: Vec<Vec<f64>>,
    w_neg: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Split {
    train: Vec<usize>,
    test: Vec<usize>,
}

fn load(name: &str) -> Fixture {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).expect("gzip");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every state snapshot the fixture has a record for, keyed by the record's step.
/// A state at a wanted step, with its input traces as of that step.
struct Snapshot {
    state: State,
    p_a: Vec<f64>,
    p_theta: Vec<f64>,
}

#[derive(Default)]
struct Snapshots {
    states: Vec<Snapshot>,
    wanted: Vec<u64>,
    input_spikes: Vec<(u64, u32)>,
    output_spikes: Vec<(u64, u32)>,
}

impl Observer for Snapshots {
    fn after_step(&mut self, s: &State, f: &Factors) {
        let n = s.step - 1;
        self.input_spikes.extend(s.in_spikes.iter().map(|&k| (n, k)));
        self.output_spikes.extend(s.out_spikes.iter().map(|&j| (n, j)));
        if self.wanted.binary_search(&s.step).is_ok() {
            let traces = (0..s.n_in()).map(|k| s.input_traces(f, k));
            let (p_a, p_theta) = traces.unzip();
            self.states.push(Snapshot { state: s.clone(), p_a, p_theta });
        }
    }
}

struct Compare {
    worst: f64,
    worst_at: String,
}

impl Compare {
    fn check(&mut self, what: &str, step: u64, got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{what} at step {step}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let err = (g - w).abs();
            if err > self.worst || err.is_nan() {
                self.worst = err;
                self.worst_at = format!("{what}[{i}] at step {step}: harness {g} brian2 {w}");
            }
        }
    }
}

fn replay(name: &str) {
    let fx = load(name);
    let p = &fx.params;
    let model = ModelParams {
        dt_ms: p.dt_ms,
        alpha_ms: p.alpha_ms,
        beta_ms: p.beta_ms,
        tau_ms: p.tau_ms,
        tau_i_ms: p.tau_i_ms,
        tau_h_ms: p.tau_h_ms,
        t_ref_ms: p.t_ref_ms,
        hold0: p.hold0,
        hold_inc: Some(p.hold_inc),
        wmax: p.wmax,
        c_inp: p.c_inp,
        c_neg: p.c_neg,
        lr: p.lr,
        lr_n: p.lr_n,
        decay: p.decay,
        weight_sum: p.weight_sum,
        soft_bounds: p.soft_bounds,
    };
    let f = model.factors(fx.n_in, fx.n_out).expect("fixture parameters are valid");
    let protocol = Protocol {
        window_steps: (p.window_ms / p.dt_ms).round() as u64,
        test_window_steps: (p.test_window_ms.unwrap_or(p.window_ms) / p.dt_ms).round() as u64,
        predict_steps: 50,
        f_max_hz: p.f_max_hz,
        teacher: p.teacher,
        plastic_train: true,
        plastic_test: true,
        neurons_per_class: p.neurons_per_class,
        teacher_to: p.teacher_to,
        prediction: harness::protocol::Prediction::Trace,
        on_off: p.on_off,
        labels: p.labels,
        assign_presentations: p.assign_presentations.unwrap_or(fx.train_presentations),
        sampling: Sampling::Notebook { lo: 0, hi: 0, train: 0, test: 0 },
        checkpoints: Vec::new(),
    };
    let init = &fx.initial;
    let state = State::from_parts(
        &f,
        init.p_a.clone(),
        init.p_theta.clone(),
        init.g_a.clone(),
        init.g_theta.clone(),
        Array2::from_shape_vec((fx.n_in, fx.n_out), init.w.clone()).unwrap(),
        Array2::from_shape_vec((fx.n_out, fx.n_out), init.w_neg.clone()).unwrap(),
    );
    let mut wanted: Vec<u64> =
        fx.g_trajectory.step.iter().chain(&fx.p_trajectory.step).chain(&fx.w_trajectory.step).copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut snaps = Snapshots { wanted, ..Default::default() };
    if snaps.wanted.first() == Some(&0) {
        let (p_a, p_theta) = (0..state.n_in()).map(|k| state.input_traces(&f, k)).unzip();
        snaps.states.push(Snapshot { state: state.clone(), p_a, p_theta });
    }
    let mut state = state;
    let table: Vec<(u64, u32)> =
        fx.input_spikes.step.iter().copied().zip(fx.input_spikes.neuron.iter().copied()).collect();
    let mut input = Replay::new(table.clone());
    // The presented images as a data set of their own, one row each (the label column is the
    // class index: only the phase's teacher and tallies read it, through the presentation).
    let csv: String = fx
        .presentations
        .iter()
        .map(|s| {
            s.pixels.iter().map(|p| p.to_string()).chain([s.label.to_string()]).collect::<Vec<_>>().join(",") + "\n"
        })
        .collect();
    let images = Dataset::parse(csv.as_bytes(), "fixture presentations").unwrap();
    let shown: Vec<Presentation> =
        fx.presentations.iter().enumerate().map(|(row, s)| Presentation { row, class_index: s.label }).collect();
    let (train, test) = shown.split_at(fx.train_presentations);
    let (teach, free) = (protocol.train_mode(), protocol.test_mode());
    let k = p.neurons_per_class;
    let fixed = Readout::fixed(fx.n_out, k);
    let mut responses = Responses::new(fx.n_out, protocol.assign_presentations);
    let tr = run_phase(
        &mut state,
        &f,
        &protocol,
        &images,
        train,
        teach,
        &fixed,
        Some(&mut responses),
        &mut input,
        &mut snaps,
    );
    let readout = match p.labels {
        Labels::Fixed => fixed,
        Labels::Assigned => Readout::assigned(&responses, protocol.prediction, fx.n_out / k, k),
    };
    if let Some(owner) = &fx.assigned_owner {
        assert_eq!(readout.owners(), owner, "{name}: the labels assigned");
    }
    let te = run_phase(&mut state, &f, &protocol, &images, test, free, &readout, None, &mut input, &mut snaps);
    assert_eq!(state.step, fx.n_steps);

    // Spikes: exactly the same steps.
    assert_eq!(snaps.input_spikes, table, "{name}: replayed input spikes differ (refractoriness?)");
    let want_out: Vec<(u64, u32)> =
        fx.output_spikes.step.iter().copied().zip(fx.output_spikes.neuron.iter().copied()).collect();
    let first_diff = snaps.output_spikes.iter().zip(&want_out).position(|(a, b)| a != b);
    assert!(
        snaps.output_spikes == want_out,
        "{name}: output spikes differ: harness {} brian2 {}; first difference at index {first_diff:?}: harness {:?} brian2 {:?}",
        snaps.output_spikes.len(),
        want_out.len(),
        first_diff.map(|i| snaps.output_spikes[i]),
        first_diff.map(|i| want_out[i]),
    );
    for j in 0..fx.n_out as u32 {
        assert!(want_out.iter().any(|&(_, n)| n == j), "{name}: the fixture must have spikes in every output");
    }

    // Trajectories: every recorded value to 1e-9.
    let at = |step: u64| &snaps.states[snaps.wanted.binary_search(&step).unwrap()];
    let mut cmp = Compare { worst: 0.0, worst_at: String::new() };
    let g = &fx.g_trajectory;
    for (r, &step) in g.step.iter().enumerate() {
        let s = &at(step).state;
        cmp.check("G.v", step, &s.v, &g.v[r]);
        cmp.check("G.I_inp", step, &s.i_inp, &g.I_inp[r]);
        cmp.check("G.I_neg", step, &s.i_neg, &g.I_neg[r]);
        cmp.check("G.hold", step, &s.hold, &g.hold[r]);
        cmp.check("G.a", step, &s.g_a, &g.a[r]);
        cmp.check("G.theta", step, &s.g_theta, &g.theta[r]);
    }
    let pt = &fx.p_trajectory;
    for (r, &step) in pt.step.iter().enumerate() {
        cmp.check("P.a", step, &at(step).p_a, &pt.a[r]);
        cmp.check("P.theta", step, &at(step).p_theta, &pt.theta[r]);
    }
    let wt = &fx.w_trajectory;
    for (r, &step) in wt.step.iter().enumerate() {
        let s = &at(step).state;
        cmp.check("S.w", step, &s.w().iter().copied().collect::<Vec<_>>(), &wt.w[r]);
        cmp.check("S_neg.w", step, &s.w_neg().iter().copied().collect::<Vec<_>>(), &wt.w_neg[r]);
    }
    println!("{name}: {} output spikes, worst deviation {:e} ({})", want_out.len(), cmp.worst, cmp.worst_at);
    assert!(cmp.worst <= 1e-9, "{name}: deviation {:e} > 1e-9 at {}", cmp.worst, cmp.worst_at);

    assert_eq!((&tr.labels, &te.labels), (&fx.labels.train, &fx.labels.test));
    assert_eq!((&tr.predictions, &te.predictions), (&fx.predictions.train, &fx.predictions.test));
}

#[test]
fn golden_two_outputs_match_brian2() {
    replay("golden_2out.json.gz");
}

#[test]
fn golden_three_outputs_match_brian2() {
    replay("golden_3out.json.gz");
}

/// On/off input coding: 128 inputs, the off ones at `16 - pixel`.
#[test]
fn golden_on_off_coding_matches_brian2() {
    replay("golden_onoff_3out.json.gz");
}

/// Weight normalisation after every presentation (Diehl & Cook 2015).
#[test]
fn golden_weight_normalisation_matches_brian2() {
    replay("golden_norm_3out.json.gz");
}

/// Soft bounds in the forward rule.
#[test]
fn golden_soft_bounds_match_brian2() {
    replay("golden_soft_3out.json.gz");
}

/// The three options together, four outputs of classes 3, 8, 5, 9.
#[test]
fn golden_options_together_match_brian2() {
    replay("golden_options_4out.json.gz");
}

/// The protocol's readout options: two outputs per class (classes 3, 8, 5), the teacher on each
/// class's best-matching output, labels assigned by the last six training presentations, with
/// on/off coding and normalisation.
#[test]
fn golden_best_match_teacher_and_assigned_labels_match_brian2() {
    replay("golden_best_6out.json.gz");
}

/// The test phase's own window: test presentations and rests of 100 ms after training's 50 ms
/// (three outputs, plasticity on in both phases).
#[test]
fn golden_test_window_matches_brian2() {
    replay("golden_testwindow_3out.json.gz");
}
