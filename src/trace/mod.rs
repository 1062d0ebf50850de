//! A run's trace: an [`Observer`] that keeps what the notebook's monitors kept, written as Parquet
//! tables by `harness run ... --trace DIR` ([`tables`]) and drawn by `--plots` ([`crate::plot`]).
//!
//! The model knows nothing of this module: it only calls [`Observer::after_step`] after every step,
//! and [`Trace`] copies what it wants out of the [`State`].
//!
//! **What is recorded, and when.** State variables are sampled every `every` steps (the recording
//! interval, `--record-every K`): a sample labelled `step = n` holds the values after `n` steps have
//! completed (resets included), at time `t_ms = n * dt`; samples are taken at `n = K, 2K, ...` up to
//! the last step, so a run of `N` steps has `floor(N / K)` samples. Memory for state variables is
//! therefore `N / K` times one sample (`n_in + n_out + n_in * n_out + n_out^2` numbers). Spikes are
//! recorded at every step whatever the interval (they are sparse): a spike emitted during step `n`
//! has `step = n` and `t_ms = n * dt`, brian2's spike time. The forward and lateral weights are also
//! kept in full at the end of the training phase and at the end of the run, whatever the interval
//! (for the weight images). A trace that would need more than [`MAX_BYTES`] is refused before the
//! run starts (choose a larger interval).
//!
//! **Tables: one per group of variables, not one long table.** Each table is "tidy" in the sense
//! that one row is one neuron (or one synapse) at one sample, and each variable is a column:
//!
//! | file | one row per | columns |
//! | --- | --- | --- |
//! | `inputs.parquet` | input neuron and sample | `step`, `t_ms`, `neuron`, `rate_hz`, `a`, `theta`, `diff` (`a - theta`) |
//! | `outputs.parquet` | output neuron and sample | `step`, `t_ms`, `neuron`, `a`, `theta`, `v`, `I` (`I_inp + I_neg + I_teacher`), `I_inp`, `I_neg`, `I_teacher`, `hold` |
//! | `weights.parquet` | forward synapse and sample | `step`, `t_ms`, `pre` (input), `post` (output), `w` |
//! | `lateral.parquet` | lateral synapse (`pre != post`) and sample | `step`, `t_ms`, `pre`, `post`, `w` |
//! | `spikes.parquet` | spike | `step`, `t_ms`, `population` (`"input"`/`"output"`), `neuron` |
//! | `schedule.parquet` | presentation | `index`, `phase` (`"train"`/`"test"`), `step` (first step of the presentation), `t_ms`, `end_step` (first step of the rest after it), `label` (the digit), `class_index`, `row` (data row) |
//! | `phases.parquet` | phase | `phase`, `start_step`, `end_step` (exclusive), `start_ms`, `end_ms` |
//!
//! Why not one long table (`step, variable, index, value`)? The groups have different shapes
//! (64 inputs, a handful of outputs, `64 x n_out` synapses, sparse spikes), and the variables of a
//! group are read together: with one table per group, `pl.read_parquet("outputs.parquet")
//! .filter(pl.col("neuron") == 0)` gives every variable of output 0 as columns ready to plot, and
//! pandas' `pivot(index="t_ms", columns="neuron", values="a")` gives one trace per column, without
//! first filtering a long table by variable name and casting indices. Each column keeps its own
//! type (ids unsigned, values `f64`), and Parquet's column compression does well on the repeated
//! `step`/`neuron` columns. Row order: by sample, then neuron (or `pre`, then `post`).

pub mod tables;

use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::config::Experiment;
use crate::fsio::{self, PathError};
use crate::model::{Factors, Observer, State};
use crate::protocol::{Presentation, sampling::Schedule};

/// Why a trace could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("building the {table} table: {source}")]
    Table { table: &'static str, source: polars::error::PolarsError },
    #[error(
        "a sample every {every} step(s) of this {steps}-step run would keep {} MB of state (at most {} MB): \
         sample less often, e.g. --record-every {suggest}",
        bytes / 1_000_000,
        MAX_BYTES / 1_000_000
    )]
    TooLarge { every: u64, steps: u64, bytes: u64, suggest: u64 },
}

/// Recording interval used when `--plots` is given without `--trace`/`--record-every`: every
/// 10 steps (1 ms at the notebook's `dt`).
pub const DEFAULT_EVERY: u64 = 10;

/// The most memory the sampled state of one trace may take.
pub const MAX_BYTES: u64 = 2_000_000_000;

/// Weights at one moment, in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub step: u64,
    /// Forward weights, `(n_in, n_out)`.
    pub w: Array2<f64>,
    /// Lateral weights, `(n_out, n_out)`.
    pub w_neg: Array2<f64>,
}

/// The tracing observer; after the run, its fields are the trace.
///
/// Per-sample arrays are flat, sample-major: sample `s`, neuron `k` of a population of `n` is at
/// `s * n + k`; forward weight `(k, j)` of sample `s` at `s * n_in * n_out + k * n_out + j`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub every: u64,
    pub dt_ms: f64,
    pub n_in: usize,
    pub n_out: usize,
    /// Steps of the training phase (the train/test boundary: the test phase starts at this step).
    pub train_end: u64,
    /// Steps of the whole run.
    pub total_steps: u64,
    /// Steps of the training phase's presentations and rests (each presentation is followed by a
    /// rest as long).
    pub window_steps: u64,
    /// Steps of the test phase's presentations and rests.
    pub test_window_steps: u64,
    /// Presentations of the training phase.
    pub train_presentations: usize,
    /// The classes (digits), in output order (`neurons_per_class` outputs each).
    pub classes: Vec<u8>,
    pub neurons_per_class: usize,
    /// With assigned labels, the class index each output stood for in the test phase
    /// ([`crate::run::RunOutcome::owners`], known once the run is over); `None`: the fixed ones.
    pub owners: Option<Vec<usize>>,
    /// Every presentation of the run, in order (training first; presentation `i` starts at
    /// [`Trace::presentation_step`]).
    pub presentations: Vec<Presentation>,
    /// The sample steps.
    pub steps: Vec<u64>,
    pub rates_hz: Vec<f64>,
    pub p_a: Vec<f64>,
    pub p_theta: Vec<f64>,
    pub g_a: Vec<f64>,
    pub g_theta: Vec<f64>,
    pub v: Vec<f64>,
    pub i_inp: Vec<f64>,
    pub i_neg: Vec<f64>,
    pub i_teacher: Vec<f64>,
    pub hold: Vec<f64>,
    pub w: Vec<f64>,
    pub w_neg: Vec<f64>,
    /// Input spikes `(step, neuron)`, every step.
    pub in_spikes: Vec<(u64, u32)>,
    /// Output spikes `(step, neuron)`, every step.
    pub out_spikes: Vec<(u64, u32)>,
    /// Weights at the end of training.
    pub after_train: Option<Snapshot>,
    /// Weights at the end of the run.
    pub after_test: Option<Snapshot>,
}

/// The steps of a run of `exp` with `schedule`, and the bytes one sample of its state takes.
fn footprint(exp: &Experiment, schedule: &Schedule) -> (u64, u64) {
    let (n_in, n_out) = (exp.factors.n_in, exp.factors.n_out);
    let p = &exp.protocol;
    let total_steps =
        2 * (schedule.train.len() as u64 * p.window_steps + schedule.test.len() as u64 * p.test_window_steps);
    (total_steps, (2 * n_in + 8 * n_out + n_in * n_out + n_out * n_out + 1) as u64 * 8)
}

impl Trace {
    /// The least sampling interval from `every` on at which a trace of this run keeps at most
    /// [`MAX_BYTES`]: `every` itself when it fits.
    pub fn fitting_every(exp: &Experiment, schedule: &Schedule, every: u64) -> u64 {
        let every = every.max(1);
        let (total_steps, per_sample) = footprint(exp, schedule);
        if (total_steps / every).saturating_mul(per_sample) <= MAX_BYTES {
            return every;
        }
        // total / k * per <= total * per / k < MAX when k > total * per / MAX.
        (total_steps.saturating_mul(per_sample) / MAX_BYTES + 1).max(every + 1)
    }

    /// A trace of a run of `exp` with `schedule` (the run's, see [`crate::run::schedule`]),
    /// sampling every `every` steps (at least 1); refused when it would take more than
    /// [`MAX_BYTES`].
    pub fn new(exp: &Experiment, schedule: &Schedule, every: u64) -> Result<Trace, TraceError> {
        let every = every.max(1);
        let (n_in, n_out) = (exp.factors.n_in, exp.factors.n_out);
        let (window_steps, test_window_steps) = (exp.protocol.window_steps, exp.protocol.test_window_steps);
        let train_end = schedule.train.len() as u64 * 2 * window_steps;
        let (total_steps, per_sample) = footprint(exp, schedule);
        let samples = total_steps / every;
        let suggest = Trace::fitting_every(exp, schedule, every);
        if suggest != every {
            let bytes = samples.saturating_mul(per_sample);
            return Err(TraceError::TooLarge { every, steps: total_steps, bytes, suggest });
        }
        let mut presentations = Schedule::presentations(&schedule.train, &exp.subset);
        presentations.extend(Schedule::presentations(&schedule.test, &exp.subset));
        let samples = samples as usize;
        let cap = |n: usize| Vec::with_capacity(samples * n);
        Ok(Trace {
            every,
            dt_ms: exp.factors.dt_ms,
            n_in,
            n_out,
            train_end,
            total_steps,
            window_steps,
            test_window_steps,
            train_presentations: schedule.train.len(),
            classes: exp.classes.clone(),
            neurons_per_class: exp.protocol.neurons_per_class,
            owners: None,
            presentations,
            steps: Vec::with_capacity(samples),
            rates_hz: cap(n_in),
            p_a: cap(n_in),
            p_theta: cap(n_in),
            g_a: cap(n_out),
            g_theta: cap(n_out),
            v: cap(n_out),
            i_inp: cap(n_out),
            i_neg: cap(n_out),
            i_teacher: cap(n_out),
            hold: cap(n_out),
            w: cap(n_in * n_out),
            w_neg: cap(n_out * n_out),
            in_spikes: Vec::new(),
            out_spikes: Vec::new(),
            after_train: None,
            after_test: None,
        })
    }

    /// Number of samples taken.
    pub fn samples(&self) -> usize {
        self.steps.len()
    }

    /// Time of step `n`, ms.
    pub fn t_ms(&self, step: u64) -> f64 {
        step as f64 * self.dt_ms
    }

    /// The digit output `j` stands for: the one assigned to it when labels were assigned, else
    /// its teacher's.
    pub fn digit_of_output(&self, j: usize) -> u8 {
        match &self.owners {
            Some(owners) => self.classes[owners[j]],
            None => self.classes[j / self.neurons_per_class.max(1)],
        }
    }

    /// The digit of a presentation.
    pub fn digit(&self, p: &Presentation) -> u8 {
        self.classes[p.class_index]
    }

    /// First step of presentation `index`.
    pub fn presentation_step(&self, index: usize) -> u64 {
        match index.checked_sub(self.train_presentations) {
            None => index as u64 * 2 * self.window_steps,
            Some(i) => self.train_end + i as u64 * 2 * self.test_window_steps,
        }
    }

    /// Steps of presentation `index` (and of the rest after it): its phase's window.
    pub fn presentation_steps(&self, index: usize) -> u64 {
        if index < self.train_presentations { self.window_steps } else { self.test_window_steps }
    }

    fn snapshot(s: &State) -> Snapshot {
        Snapshot { step: s.step, w: s.w().clone(), w_neg: s.w_neg().clone() }
    }

    /// Write every table into `dir` (created if missing); returns the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, TraceError> {
        fsio::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (table, build) in tables::TABLES {
            let path = dir.join(format!("{table}.parquet"));
            let bytes = build(self)
                .and_then(|df| crate::results::tables::encode(&df, crate::results::tables::Format::Parquet))
                .map_err(|source| TraceError::Table { table, source })?;
            fsio::write_atomic(&path, &bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Check, before a run, that tables or figures can be written into `dir`: create it and a file
/// in it (removed again), so that an unwritable place is reported before the run, not after.
pub fn check_writable(dir: &Path) -> Result<(), PathError> {
    fsio::create_dir_all(dir)?;
    let probe = dir.join(".harness-write-check");
    std::fs::write(&probe, b"").map_err(fsio::at("writing", &probe))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

impl Observer for Trace {
    fn after_step(&mut self, s: &State, f: &Factors) {
        let n = s.step;
        let spiked = n - 1;
        self.in_spikes.extend(s.in_spikes.iter().map(|&k| (spiked, k)));
        self.out_spikes.extend(s.out_spikes.iter().map(|&j| (spiked, j)));
        if n.is_multiple_of(self.every) {
            self.steps.push(n);
            self.rates_hz.extend_from_slice(&s.rates_hz);
            for k in 0..s.n_in() {
                let (a, th) = s.input_traces(f, k);
                self.p_a.push(a);
                self.p_theta.push(th);
            }
            self.g_a.extend_from_slice(&s.g_a);
            self.g_theta.extend_from_slice(&s.g_theta);
            self.v.extend_from_slice(&s.v);
            self.i_inp.extend_from_slice(&s.i_inp);
            self.i_neg.extend_from_slice(&s.i_neg);
            self.i_teacher.extend_from_slice(&s.i_teacher);
            self.hold.extend_from_slice(&s.hold);
            self.w.extend(s.w().iter());
            self.w_neg.extend(s.w_neg().iter());
        }
        if n == self.train_end {
            self.after_train = Some(Self::snapshot(s));
        }
        if n == self.total_steps {
            self.after_test = Some(Self::snapshot(s));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{DataCache, parse_text, resolve};

    fn experiment(text: &str) -> Experiment {
        let raw = parse_text("t.toml", text).expect("parses");
        resolve(&raw, "t", Path::new("."), &mut DataCache::default()).expect("valid")
    }

    /// A small run keeps its interval; a long run of a large network gets one that fits (and half
    /// of it would not), without allocating anything to find out.
    #[test]
    fn the_fitting_interval_fits_and_is_kept_when_it_can_be() {
        let small = experiment("[protocol]\ntrain_presentations = 20\n");
        assert_eq!(Trace::fitting_every(&small, &crate::run::schedule(&small, 1), 10), 10);
        let large = experiment(
            "[protocol]\nclasses = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\nneurons_per_class = 8\non_off = true\n\
             train_presentations = 3000\n",
        );
        let schedule = crate::run::schedule(&large, 1);
        let every = Trace::fitting_every(&large, &schedule, 10);
        let (steps, per_sample) = footprint(&large, &schedule);
        assert!(every > 10 && (steps / every) * per_sample <= MAX_BYTES, "{every}");
        assert!(matches!(Trace::new(&large, &schedule, every / 2), Err(TraceError::TooLarge { .. })));
    }

    /// Outputs are named by their teacher's digit, or by the class assigned to them.
    #[test]
    fn an_output_stands_for_its_teacher_s_digit_or_its_assigned_one() {
        let exp = experiment(
            "[protocol]
classes = [3, 8, 5]
neurons_per_class = 2
train_presentations = 5
",
        );
        let mut trace = Trace::new(&exp, &crate::run::schedule(&exp, 1), 10).unwrap();
        assert_eq!((0..6).map(|j| trace.digit_of_output(j)).collect::<Vec<_>>(), [3, 3, 8, 8, 5, 5]);
        trace.owners = Some(vec![2, 0, 1, 2, 2, 2]);
        assert_eq!((0..6).map(|j| trace.digit_of_output(j)).collect::<Vec<_>>(), [5, 3, 8, 5, 5, 5]);
    }
}
