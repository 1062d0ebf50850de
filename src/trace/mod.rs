//! Recording a run: an [`Observer`] that keeps what the notebook's monitors kept, and writes it as
//! Parquet tables (`harness run ... --trace DIR`).
//!
//! The model knows nothing of this module: it only calls [`Observer::after_step`] after every step,
//! and [`Recorder`] copies what it wants out of the [`State`].
//!
//! **What is recorded, and when.** State variables are sampled every `every` steps (the recording
//! interval, `--record-every K`): a sample labelled `step = n` holds the values after `n` steps have
//! completed (resets included), at time `t_ms = n * dt`; samples are taken at `n = K, 2K, ...` up to
//! the last step, so a run of `N` steps has `floor(N / K)` samples. Memory for state variables is
//! therefore `N / K` times one sample (`n_in + n_out + n_in * n_out + n_out^2` numbers). Spikes are
//! recorded at every step whatever the interval (they are sparse): a spike emitted during step `n`
//! has `step = n` and `t_ms = n * dt`, brian2's spike time. The forward and lateral weights are also
//! kept in full at the end of the training phase and at the end of the run, whatever the interval
//! (for the weight images).
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

use std::path::{Path, PathBuf};

use ndarray::Array2;
use polars::prelude::*;

use crate::config::Experiment;
use crate::model::{Factors, Observer, State};
use crate::protocol::sampling::Schedule;
use crate::sweep::tables::{Format, encode, write_atomic};

/// Builds one of a recording's tables.
type TableFn = fn(&Recorder) -> PolarsResult<DataFrame>;

/// Why a recording could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{action} {}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("building the {table} table")]
    Table { table: &'static str, source: polars::error::PolarsError },
}

/// Recording interval used when `--plots` is given without `--trace`/`--record-every`: every
/// 10 steps (1 ms at the notebook's `dt`).
pub const DEFAULT_EVERY: u64 = 10;

/// One presentation of the schedule, as the run showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub index: usize,
    pub train: bool,
    /// First step of the presentation window.
    pub step: u64,
    /// The digit shown.
    pub label: u8,
    /// Index of its class (and of its output, with one output per class).
    pub class_index: usize,
    /// Row of the image in the data set.
    pub row: usize,
}

/// Weights at one moment, in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub step: u64,
    /// Forward weights, `(n_in, n_out)`.
    pub w: Array2<f64>,
    /// Lateral weights, `(n_out, n_out)`.
    pub w_neg: Array2<f64>,
}

/// The recording observer; after the run, its fields are the recording.
///
/// Per-sample arrays are flat, sample-major: sample `s`, neuron `k` of a population of `n` is at
/// `s * n + k`; forward weight `(k, j)` of sample `s` at `s * n_in * n_out + k * n_out + j`.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub every: u64,
    pub dt_ms: f64,
    pub n_in: usize,
    pub n_out: usize,
    /// Steps of the training phase (the train/test boundary: the test phase starts at this step).
    pub train_end: u64,
    /// Steps of the whole run.
    pub total_steps: u64,
    /// Steps of the presentations and rests (each presentation is followed by a rest as long).
    pub window_steps: u64,
    /// The classes (digits), in output order (`neurons_per_class` outputs each).
    pub classes: Vec<u8>,
    pub neurons_per_class: usize,
    /// Every presentation of the run, in order.
    pub schedule: Vec<Shown>,
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

impl Recorder {
    /// A recorder for a run of `exp` with `schedule` (the run's, see [`crate::run::schedule`]),
    /// sampling every `every` steps (at least 1).
    pub fn new(exp: &Experiment, schedule: &Schedule, every: u64) -> Recorder {
        let every = every.max(1);
        let (n_in, n_out) = (exp.factors.n_in, exp.factors.n_out);
        let window_steps = exp.protocol.window_steps;
        let per_presentation = 2 * window_steps;
        let train_end = schedule.train.len() as u64 * per_presentation;
        let total_steps = train_end + schedule.test.len() as u64 * per_presentation;
        let shown = schedule
            .train
            .iter()
            .map(|&p| (true, p))
            .chain(schedule.test.iter().map(|&p| (false, p)))
            .enumerate()
            .map(|(index, (train, p))| {
                let row = exp.subset.rows[p];
                Shown {
                    index,
                    train,
                    step: index as u64 * per_presentation,
                    label: exp.data.label(row),
                    class_index: exp.subset.class_index[p],
                    row,
                }
            })
            .collect();
        let samples = (total_steps / every) as usize;
        let cap = |n: usize| Vec::with_capacity(samples * n);
        Recorder {
            every,
            dt_ms: exp.factors.dt_ms,
            n_in,
            n_out,
            train_end,
            total_steps,
            window_steps,
            classes: exp.classes.clone(),
            neurons_per_class: exp.protocol.neurons_per_class,
            schedule: shown,
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
        }
    }

    /// Number of samples recorded.
    pub fn samples(&self) -> usize {
        self.steps.len()
    }

    /// Time of step `n`, ms.
    pub fn t_ms(&self, step: u64) -> f64 {
        step as f64 * self.dt_ms
    }

    /// The digit output `j` stands for.
    pub fn digit_of_output(&self, j: usize) -> u8 {
        self.classes[j / self.neurons_per_class.max(1)]
    }

    fn snapshot(s: &State) -> Snapshot {
        Snapshot { step: s.step, w: s.w.clone(), w_neg: s.w_neg.clone() }
    }

    /// Write every table into `dir` (created if missing); returns the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, TraceError> {
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| TraceError::Io { action, path, source }
        };
        std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
        let tables: [(&'static str, TableFn); 7] = [
            ("inputs", Recorder::inputs_table),
            ("outputs", Recorder::outputs_table),
            ("weights", Recorder::weights_table),
            ("lateral", Recorder::lateral_table),
            ("spikes", Recorder::spikes_table),
            ("schedule", Recorder::schedule_table),
            ("phases", Recorder::phases_table),
        ];
        let mut written = Vec::new();
        for (table, build) in tables {
            let path = dir.join(format!("{table}.parquet"));
            let bytes = build(self)
                .and_then(|df| encode(&df, Format::Parquet))
                .map_err(|source| TraceError::Table { table, source })?;
            write_atomic(&path, &bytes).map_err(io("writing", &path))?;
            written.push(path);
        }
        Ok(written)
    }

    /// `step` and `t_ms` columns for `per_sample` rows per sample.
    fn time_columns(&self, per_sample: usize) -> (Column, Column) {
        let steps: Vec<u64> = self.steps.iter().flat_map(|&s| std::iter::repeat_n(s, per_sample)).collect();
        let t: Vec<f64> = steps.iter().map(|&s| self.t_ms(s)).collect();
        (Column::new("step".into(), steps), Column::new("t_ms".into(), t))
    }

    /// Neuron index column `0..n` repeated for each sample.
    fn index_column(&self, name: &str, n: usize) -> Column {
        let v: Vec<u32> = (0..self.samples()).flat_map(|_| 0..n as u32).collect();
        Column::new(name.into(), v)
    }

    pub fn inputs_table(&self) -> PolarsResult<DataFrame> {
        let (step, t) = self.time_columns(self.n_in);
        let diff: Vec<f64> = self.p_a.iter().zip(&self.p_theta).map(|(a, th)| a - th).collect();
        DataFrame::new_infer_height(vec![
            step,
            t,
            self.index_column("neuron", self.n_in),
            Column::new("rate_hz".into(), self.rates_hz.as_slice()),
            Column::new("a".into(), self.p_a.as_slice()),
            Column::new("theta".into(), self.p_theta.as_slice()),
            Column::new("diff".into(), diff),
        ])
    }

    pub fn outputs_table(&self) -> PolarsResult<DataFrame> {
        let (step, t) = self.time_columns(self.n_out);
        let i: Vec<f64> = (0..self.i_inp.len()).map(|x| self.i_inp[x] + self.i_neg[x] + self.i_teacher[x]).collect();
        DataFrame::new_infer_height(vec![
            step,
            t,
            self.index_column("neuron", self.n_out),
            Column::new("a".into(), self.g_a.as_slice()),
            Column::new("theta".into(), self.g_theta.as_slice()),
            Column::new("v".into(), self.v.as_slice()),
            Column::new("I".into(), i),
            Column::new("I_inp".into(), self.i_inp.as_slice()),
            Column::new("I_neg".into(), self.i_neg.as_slice()),
            Column::new("I_teacher".into(), self.i_teacher.as_slice()),
            Column::new("hold".into(), self.hold.as_slice()),
        ])
    }

    pub fn weights_table(&self) -> PolarsResult<DataFrame> {
        let (n_in, n_out) = (self.n_in, self.n_out);
        let (step, t) = self.time_columns(n_in * n_out);
        let pre: Vec<u32> =
            (0..self.samples()).flat_map(|_| (0..n_in as u32).flat_map(|k| std::iter::repeat_n(k, n_out))).collect();
        let post: Vec<u32> = (0..self.samples() * n_in).flat_map(|_| 0..n_out as u32).collect();
        DataFrame::new_infer_height(vec![
            step,
            t,
            Column::new("pre".into(), pre),
            Column::new("post".into(), post),
            Column::new("w".into(), self.w.as_slice()),
        ])
    }

    pub fn lateral_table(&self) -> PolarsResult<DataFrame> {
        let n = self.n_out;
        let pairs: Vec<(u32, u32)> =
            (0..n as u32).flat_map(|i| (0..n as u32).map(move |j| (i, j))).filter(|(i, j)| i != j).collect();
        let (step, t) = self.time_columns(pairs.len());
        let mut pre = Vec::with_capacity(self.samples() * pairs.len());
        let mut post = Vec::with_capacity(self.samples() * pairs.len());
        let mut w = Vec::with_capacity(self.samples() * pairs.len());
        for s in 0..self.samples() {
            for &(i, j) in &pairs {
                pre.push(i);
                post.push(j);
                w.push(self.w_neg[s * n * n + i as usize * n + j as usize]);
            }
        }
        DataFrame::new_infer_height(vec![
            step,
            t,
            Column::new("pre".into(), pre),
            Column::new("post".into(), post),
            Column::new("w".into(), w),
        ])
    }

    pub fn spikes_table(&self) -> PolarsResult<DataFrame> {
        let all = self
            .in_spikes
            .iter()
            .map(|&(s, k)| (s, "input", k))
            .chain(self.out_spikes.iter().map(|&(s, j)| (s, "output", j)));
        let (mut step, mut pop, mut neuron) = (Vec::new(), Vec::new(), Vec::new());
        for (s, p, k) in all {
            step.push(s);
            pop.push(p);
            neuron.push(k);
        }
        let t: Vec<f64> = step.iter().map(|&s| self.t_ms(s)).collect();
        DataFrame::new_infer_height(vec![
            Column::new("step".into(), step),
            Column::new("t_ms".into(), t),
            Column::new("population".into(), pop),
            Column::new("neuron".into(), neuron),
        ])
    }

    pub fn schedule_table(&self) -> PolarsResult<DataFrame> {
        let sc = &self.schedule;
        let steps: Vec<u64> = sc.iter().map(|p| p.step).collect();
        DataFrame::new_infer_height(vec![
            Column::new("index".into(), sc.iter().map(|p| p.index as u64).collect::<Vec<_>>()),
            Column::new("phase".into(), sc.iter().map(|p| if p.train { "train" } else { "test" }).collect::<Vec<_>>()),
            Column::new("t_ms".into(), steps.iter().map(|&s| self.t_ms(s)).collect::<Vec<_>>()),
            Column::new("end_step".into(), steps.iter().map(|&s| s + self.window_steps).collect::<Vec<_>>()),
            Column::new("step".into(), steps),
            Column::new("label".into(), sc.iter().map(|p| p.label as u32).collect::<Vec<_>>()),
            Column::new("class_index".into(), sc.iter().map(|p| p.class_index as u32).collect::<Vec<_>>()),
            Column::new("row".into(), sc.iter().map(|p| p.row as u64).collect::<Vec<_>>()),
        ])?
        .select(["index", "phase", "step", "t_ms", "end_step", "label", "class_index", "row"])
    }

    pub fn phases_table(&self) -> PolarsResult<DataFrame> {
        let (start, end) = (vec![0, self.train_end], vec![self.train_end, self.total_steps]);
        DataFrame::new_infer_height(vec![
            Column::new("phase".into(), ["train", "test"]),
            Column::new("start_ms".into(), start.iter().map(|&s| self.t_ms(s)).collect::<Vec<_>>()),
            Column::new("end_ms".into(), end.iter().map(|&s| self.t_ms(s)).collect::<Vec<_>>()),
            Column::new("start_step".into(), start),
            Column::new("end_step".into(), end),
        ])?
        .select(["phase", "start_step", "end_step", "start_ms", "end_ms"])
    }
}

impl Observer for Recorder {
    fn after_step(&mut self, s: &State, f: &Factors) {
        let n = s.step;
        let spiked = n - 1;
        self.in_spikes.extend(s.in_spikes.iter().map(|&k| (spiked, k)));
        self.out_spikes.extend(s.out_spikes.iter().map(|&j| (spiked, j)));
        if n % self.every == 0 {
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
            self.w.extend(s.w.iter());
            self.w_neg.extend(s.w_neg.iter());
        }
        if n == self.train_end {
            self.after_train = Some(Self::snapshot(s));
        }
        if n == self.total_steps {
            self.after_test = Some(Self::snapshot(s));
        }
    }
}
