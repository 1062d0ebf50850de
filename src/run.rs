//! One instance of the protocol: initial state, train phase, test phase, from one seed.
//!
//! A run is a pure function of its experiment and seed: the initial state, the schedule and the
//! Poisson input each come from their own stream of the seed (see [`crate::rng`]).

use crate::config::{Experiment, InputKind};
use crate::model::{InputSource, Observer, Poisson, Replay, State};
use crate::protocol::{
    Labels, PhaseMode, PhaseOutcome, Presentation, Readout, Responses, run_phase, sampling::Schedule,
};
use crate::rng::{Stream, checkpoint_stream, stream};
use crate::trace::{Snapshot, Trace};

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub seed: u64,
    pub train: PhaseOutcome,
    pub test: PhaseOutcome,
    /// Steps simulated (both phases; not the checkpoints' tests).
    pub steps: u64,
    /// The test accuracy at each of the protocol's checkpoints, in order.
    pub checkpoints: Vec<Checkpoint>,
    /// The class index each output stood for in the test phase (with fixed labels, `j / k`).
    pub owners: Vec<usize>,
}

/// The test phase run on a copy of the network after `presentations` training presentations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    pub presentations: usize,
    pub accuracy: f64,
}

impl RunOutcome {
    pub fn train_accuracy(&self) -> f64 {
        self.train.accuracy()
    }

    pub fn test_accuracy(&self) -> f64 {
        self.test.accuracy()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error(
        "{variable} is not finite at the end of the {phase} phase (step {step}): the parameters make the network diverge"
    )]
    NonFinite { variable: &'static str, phase: &'static str, step: u64 },
}

/// The initial state of a run seeded with `seed`.
pub fn initial_state(exp: &Experiment, seed: u64) -> State {
    State::initial(&exp.factors, &mut stream(seed, Stream::Init))
}

/// The presentations of a run seeded with `seed`.
pub fn schedule(exp: &Experiment, seed: u64) -> Schedule {
    exp.protocol.sampling.schedule(&exp.subset, exp.classes.len(), seed)
}

/// Run the experiment with `seed`, reporting every step to `obs`.
pub fn run_instance(exp: &Experiment, seed: u64, obs: &mut impl Observer) -> Result<RunOutcome, RunError> {
    run_seeded(exp, seed, obs, &mut |_| {})
}

/// The weights at the end of each phase of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseWeights {
    pub after_train: Snapshot,
    pub after_test: Snapshot,
}

/// [`run_instance`], also keeping the weights at the end of each phase (what the Python binding's
/// `harness.run` returns), and tracing the run into `trace` when given one. The weights are copied
/// once per phase, not observed: untraced, the run still skips quiet steps, so it takes what an
/// untraced run takes. Not generic, so that the run is compiled in this crate whoever calls it (a
/// generic instantiated in the binding's crate could not inline the model's functions).
pub fn run_with_weights(
    exp: &Experiment,
    seed: u64,
    trace: Option<&mut Trace>,
) -> Result<(RunOutcome, PhaseWeights), RunError> {
    let mut ends = Vec::with_capacity(2);
    let mut keep = |s: &State| ends.push(Snapshot { step: s.step, w: s.w().clone(), w_neg: s.w_neg().clone() });
    let outcome = match trace {
        None => run_seeded(exp, seed, &mut (), &mut keep)?,
        Some(trace) => run_seeded(exp, seed, trace, &mut keep)?,
    };
    let [after_train, after_test]: [Snapshot; 2] =
        ends.try_into().expect("a run that returns Ok has ended both phases, each once");
    Ok((outcome, PhaseWeights { after_train, after_test }))
}

/// [`run_instance`] with `phase_end` called on the state after each phase's finiteness check.
fn run_seeded(
    exp: &Experiment,
    seed: u64,
    obs: &mut impl Observer,
    phase_end: &mut impl FnMut(&State),
) -> Result<RunOutcome, RunError> {
    let state = initial_state(exp, seed);
    let schedule = schedule(exp, seed);
    match &exp.input {
        InputKind::Poisson => run_phases(
            exp,
            seed,
            state,
            &schedule,
            &mut Poisson::new(stream(seed, Stream::Input), exp.factors.n_in, exp.factors.ref_steps),
            obs,
            phase_end,
        ),
        InputKind::Replay(table) => {
            run_phases(exp, seed, state, &schedule, &mut Replay::new(table.spikes.to_vec()), obs, phase_end)
        }
    }
}

/// Run both phases from `state` with an explicit schedule and input source.
pub fn run_from(
    exp: &Experiment,
    seed: u64,
    state: State,
    schedule: &Schedule,
    input: &mut impl InputSource,
    obs: &mut impl Observer,
) -> Result<RunOutcome, RunError> {
    run_phases(exp, seed, state, schedule, input, obs, &mut |_| {})
}

/// [`run_from`] with `phase_end` called on the state after each phase's finiteness check.
fn run_phases(
    exp: &Experiment,
    seed: u64,
    mut state: State,
    schedule: &Schedule,
    input: &mut impl InputSource,
    obs: &mut impl Observer,
    phase_end: &mut impl FnMut(&State),
) -> Result<RunOutcome, RunError> {
    let shown = |positions: &[usize]| Schedule::presentations(positions, &exp.subset);
    let (f, p) = (&exp.factors, &exp.protocol);
    let check = |s: &State, phase| match s.first_non_finite() {
        Some(variable) => Err(RunError::NonFinite { variable, phase, step: s.step }),
        None => Ok(()),
    };
    // Training in parts that end at the checkpoints: a phase is its windows one after another, so
    // the parts together are the whole phase, bit for bit.
    let train_shown = shown(&schedule.train);
    // The test presentations are needed during training only by checkpoints; otherwise they are
    // allocated after training, as before checkpoints existed: where the state's arrays land on
    // the heap moved the elite's time by 13% (README, "Speed").
    let mut test_shown = if p.checkpoints.is_empty() { Vec::new() } else { shown(&schedule.test) };
    let (train_mode, test_mode) = (p.train_mode(), p.test_mode());
    let (n_classes, k) = (exp.classes.len(), p.neurons_per_class);
    let fixed = Readout::fixed(f.n_out, k);
    // Assigned labels: the outputs' responses to the last training presentations, read after
    // training (and at each checkpoint) to give the test phase its labels.
    let mut responses = (p.labels == Labels::Assigned).then(|| Responses::new(f.n_out, p.assign_presentations));
    let test_readout = |responses: &Option<Responses>| match responses {
        Some(r) => Readout::assigned(r, p.prediction, n_classes, k),
        None => fixed.clone(),
    };
    let mut train = PhaseOutcome { output_spikes: vec![0; f.n_out], ..PhaseOutcome::default() };
    let mut checkpoints = Vec::with_capacity(p.checkpoints.len());
    let mut done = 0;
    for end in p.checkpoints.iter().copied().chain([train_shown.len()]) {
        let part = &train_shown[done..end];
        let part = run_phase(&mut state, f, p, &exp.data, part, train_mode, &fixed, responses.as_mut(), input, obs);
        train.append(part);
        done = end;
        if end < train_shown.len() {
            let readout = test_readout(&responses);
            let accuracy = checkpoint(exp, seed, &state, &test_shown, test_mode, &readout, end);
            checkpoints.push(Checkpoint { presentations: end, accuracy });
        }
    }
    check(&state, "train")?;
    phase_end(&state);
    if test_shown.is_empty() {
        test_shown = shown(&schedule.test);
    }
    let readout = test_readout(&responses);
    drop(responses);
    let test = run_phase(&mut state, f, p, &exp.data, &test_shown, test_mode, &readout, None, input, obs);
    check(&state, "test")?;
    phase_end(&state);
    Ok(RunOutcome { seed, train, test, steps: state.step, checkpoints, owners: readout.owners().to_vec() })
}

/// The accuracy of the test phase run from a copy of `state` with the checkpoint's own Poisson
/// input (untraced: an observer sees the run itself only).
fn checkpoint(
    exp: &Experiment,
    seed: u64,
    state: &State,
    test: &[Presentation],
    mode: PhaseMode,
    readout: &Readout,
    presentations: usize,
) -> f64 {
    let mut copy = state.clone();
    let f = &exp.factors;
    let mut input = Poisson::new(checkpoint_stream(seed, presentations), f.n_in, f.ref_steps);
    run_phase(&mut copy, f, &exp.protocol, &exp.data, test, mode, readout, None, &mut input, &mut ()).accuracy()
}

/// The text `harness run` prints.
pub fn describe(exp: &Experiment, o: &RunOutcome, wall_s: f64) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let dt = exp.factors.dt_ms;
    let phase_s = |n: usize, window_steps: u64| n as f64 * 2.0 * window_steps as f64 * dt / 1000.0;
    let _ = writeln!(s, "experiment      {} (classes {:?}, seed {})", exp.name, exp.classes, o.seed);
    let _ = writeln!(
        s,
        "train accuracy  {:.4}  ({} presentations, {:.1} s simulated)",
        o.train_accuracy(),
        o.train.labels.len(),
        phase_s(o.train.labels.len(), exp.protocol.window_steps)
    );
    let _ = writeln!(
        s,
        "test accuracy   {:.4}  ({} presentations, {:.1} s simulated)",
        o.test_accuracy(),
        o.test.labels.len(),
        phase_s(o.test.labels.len(), exp.protocol.test_window_steps)
    );
    for c in &o.checkpoints {
        let _ = writeln!(
            s,
            "  after {:<9} {:.4}  (checkpoint: the test phase on a copy of the network)",
            c.presentations, c.accuracy
        );
    }
    let _ = writeln!(s, "input spikes    train {}  test {}", o.train.input_spikes, o.test.input_spikes);
    let k = exp.protocol.neurons_per_class;
    for j in 0..exp.factors.n_out {
        // Assigned labels: the digit the output stood for in the test, after the teacher's.
        let assigned = match exp.protocol.labels {
            Labels::Assigned => format!(", assigned {}", exp.classes[o.owners[j]]),
            Labels::Fixed => String::new(),
        };
        let _ = writeln!(
            s,
            "output {j} (digit {}{assigned})  train {}  test {}",
            exp.classes[j / k],
            o.train.output_spikes[j],
            o.test.output_spikes[j]
        );
    }
    let _ = writeln!(s, "wall time       {:.3} s ({} steps)", wall_s, o.steps);
    s
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{DataCache, parse_text, resolve};
    use crate::trace::Trace;

    fn experiment(text: &str) -> Experiment {
        let raw = parse_text("t.toml", text).unwrap();
        resolve(&raw, "t", Path::new("."), &mut DataCache::default()).unwrap()
    }

    /// Keeping the weights changes nothing of the run (accuracies, spike counts and steps are those
    /// of `run_instance`, to the bit, traced or not), the weights kept are those a trace sees at the
    /// end of each phase, and a trace taken along is the trace `run_instance` takes.
    #[test]
    fn weights_at_phase_ends_change_nothing_and_match_a_trace() {
        let cases = [
            "[protocol]\nsampling = \"notebook\"\ntest_presentations = 100\n",
            "[protocol]\nclasses = [3, 8, 5]\ntrain_presentations = 30\nneurons_per_class = 2\n",
        ];
        for text in cases {
            let exp = experiment(text);
            for seed in [1, 7] {
                let plain = run_instance(&exp, seed, &mut ()).unwrap();
                let (outcome, weights) = run_with_weights(&exp, seed, None).unwrap();
                assert_eq!(outcome, plain, "{text} seed {seed}");
                assert_eq!(outcome.train_accuracy().to_bits(), plain.train_accuracy().to_bits());
                assert_eq!(outcome.test_accuracy().to_bits(), plain.test_accuracy().to_bits());
                assert_eq!(
                    (outcome.train.input_spikes, outcome.test.input_spikes, outcome.steps),
                    (plain.train.input_spikes, plain.test.input_spikes, plain.steps)
                );
                assert_eq!(outcome.train.output_spikes, plain.train.output_spikes);
                assert_eq!(outcome.test.output_spikes, plain.test.output_spikes);

                let mut reference = Trace::new(&exp, &schedule(&exp, seed), 1000).unwrap();
                run_instance(&exp, seed, &mut reference).unwrap();
                assert_eq!(Some(&weights.after_train), reference.after_train.as_ref());
                assert_eq!(Some(&weights.after_test), reference.after_test.as_ref());
                assert_eq!(weights.after_test.step, outcome.steps);
                assert_ne!(weights.after_train.w, weights.after_test.w, "plasticity moved the weights");

                let mut traced = Trace::new(&exp, &schedule(&exp, seed), 1000).unwrap();
                let (outcome, again) = run_with_weights(&exp, seed, Some(&mut traced)).unwrap();
                assert_eq!((outcome, again), (plain, weights));
                assert_eq!((&traced.steps, &traced.g_a, &traced.w), (&reference.steps, &reference.g_a, &reference.w));
                assert_eq!((&traced.in_spikes, &traced.out_spikes), (&reference.in_spikes, &reference.out_spikes));
                assert!(!traced.out_spikes.is_empty());
            }
        }
    }

    /// Checkpoints change nothing of the run (outcome and weights to the bit, traced or not), and
    /// each one's accuracy is that of the test phase run by hand on the network after that many
    /// training presentations, with the checkpoint's own stream.
    #[test]
    fn checkpoints_change_nothing_and_are_the_test_phase_of_a_copy() {
        let base =
            "[protocol]\nclasses = [3, 8, 5]\ntrain_presentations = 30\nneurons_per_class = 2\nplasticity_test = ";
        for plastic in ["true", "false"] {
            let plain = experiment(&format!("{base}{plastic}\n"));
            let curved = experiment(&format!("{base}{plastic}\ncheckpoints = [1, 10, 29]\n"));
            for seed in [1, 7] {
                let (want, want_weights) = run_with_weights(&plain, seed, None).unwrap();
                let (got, got_weights) = run_with_weights(&curved, seed, None).unwrap();
                assert!(want.checkpoints.is_empty());
                assert_eq!(RunOutcome { checkpoints: Vec::new(), ..got.clone() }, want, "seed {seed}");
                assert_eq!(got_weights, want_weights);
                let mut traced = Trace::new(&curved, &schedule(&curved, seed), 1000).unwrap();
                let (again, _) = run_with_weights(&curved, seed, Some(&mut traced)).unwrap();
                assert_eq!(again, got, "a traced run measures the same checkpoints");

                // By hand: the training phase's first n presentations, then the test phase on a
                // copy with the checkpoint's stream.
                let f = &curved.factors;
                let shown = |positions: &[usize]| Schedule::presentations(positions, &curved.subset);
                let sched = schedule(&curved, seed);
                let (train, test) = (shown(&sched.train), shown(&sched.test));
                let p = &curved.protocol;
                let test_mode = p.test_mode();
                let accuracies: Vec<f64> = [1, 10, 29]
                    .into_iter()
                    .map(|n| {
                        let mut s = initial_state(&curved, seed);
                        let mut input = Poisson::new(stream(seed, Stream::Input), f.n_in, f.ref_steps);
                        let mode = p.train_mode();
                        let fixed = Readout::fixed(f.n_out, p.neurons_per_class);
                        run_phase(&mut s, f, p, &curved.data, &train[..n], mode, &fixed, None, &mut input, &mut ());
                        let mut input = Poisson::new(checkpoint_stream(seed, n), f.n_in, f.ref_steps);
                        run_phase(&mut s, f, p, &curved.data, &test, test_mode, &fixed, None, &mut input, &mut ())
                            .accuracy()
                    })
                    .collect();
                let measured: Vec<(usize, f64)> =
                    got.checkpoints.iter().map(|c| (c.presentations, c.accuracy)).collect();
                assert_eq!(measured, [1, 10, 29].into_iter().zip(accuracies.iter().copied()).collect::<Vec<_>>());
                assert!(accuracies.iter().any(|&a| a != accuracies[0]), "the curve moves: {accuracies:?}");
            }
        }
    }

    #[test]
    fn a_diverging_run_fails_alike_and_keeps_no_weights() {
        // c_inp = 1e307 drives the currents past a double's range for most seeds (seed 1 among them).
        let exp = experiment("[model]\nc_inp = 1e307\n[protocol]\ntrain_presentations = 20\n");
        let plain = run_instance(&exp, 1, &mut ());
        assert!(plain.is_err(), "{plain:?}");
        assert_eq!(run_with_weights(&exp, 1, None).err(), plain.err());
    }
}
