//! One instance of the protocol: initial state, train phase, test phase, from one seed.
//!
//! A run is a pure function of its experiment and seed: the initial state, the schedule and the
//! Poisson input each come from their own stream of the seed (see [`crate::rng`]).

use crate::config::{Experiment, InputKind};
use crate::model::{InputSource, Observer, Poisson, Replay, State};
use crate::protocol::{PhaseMode, PhaseOutcome, run_phase, sampling::Schedule};
use crate::rng::{Stream, stream};

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub seed: u64,
    pub train: PhaseOutcome,
    pub test: PhaseOutcome,
    /// Steps simulated (both phases).
    pub steps: u64,
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
    let state = initial_state(exp, seed);
    let schedule = schedule(exp, seed);
    match &exp.input {
        InputKind::Poisson => run_from(
            exp,
            seed,
            state,
            &schedule,
            &mut Poisson::new(stream(seed, Stream::Input), exp.factors.n_in, exp.factors.ref_steps),
            obs,
        ),
        InputKind::Replay(table) => run_from(exp, seed, state, &schedule, &mut Replay::new(table.spikes.to_vec()), obs),
    }
}

/// Run both phases from `state` with an explicit schedule and input source.
pub fn run_from(
    exp: &Experiment,
    seed: u64,
    mut state: State,
    schedule: &Schedule,
    input: &mut impl InputSource,
    obs: &mut impl Observer,
) -> Result<RunOutcome, RunError> {
    let shown = |positions: &[usize]| Schedule::presentations(positions, &exp.subset);
    let (f, p) = (&exp.factors, &exp.protocol);
    let check = |s: &State, phase| match s.first_non_finite() {
        Some(variable) => Err(RunError::NonFinite { variable, phase, step: s.step }),
        None => Ok(()),
    };
    let train = run_phase(
        &mut state,
        f,
        p,
        &exp.data,
        &shown(&schedule.train),
        PhaseMode { teacher: true, plastic: p.plastic_train },
        input,
        obs,
    );
    check(&state, "train")?;
    let test = run_phase(
        &mut state,
        f,
        p,
        &exp.data,
        &shown(&schedule.test),
        PhaseMode { teacher: false, plastic: p.plastic_test },
        input,
        obs,
    );
    check(&state, "test")?;
    Ok(RunOutcome { seed, train, test, steps: state.step })
}
