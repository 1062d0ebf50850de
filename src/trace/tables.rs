//! The trace's tables (see the module doc of [`super`] for their columns), one function each.

use polars::prelude::*;

use super::Trace;

/// Builds one of a trace's tables.
pub type TableFn = fn(&Trace) -> PolarsResult<DataFrame>;

/// Every table of a trace, by file stem, in the order they are written.
pub const TABLES: [(&str, TableFn); 7] = [
    ("inputs", Trace::inputs_table),
    ("outputs", Trace::outputs_table),
    ("weights", Trace::weights_table),
    ("lateral", Trace::lateral_table),
    ("spikes", Trace::spikes_table),
    ("schedule", Trace::schedule_table),
    ("phases", Trace::phases_table),
];

impl Trace {
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
        let sc = &self.presentations;
        let steps: Vec<u64> = (0..sc.len()).map(|i| self.presentation_step(i)).collect();
        let phase = |i: usize| if self.presentation_step(i) < self.train_end { "train" } else { "test" };
        DataFrame::new_infer_height(vec![
            Column::new("index".into(), (0..sc.len() as u64).collect::<Vec<_>>()),
            Column::new("phase".into(), (0..sc.len()).map(phase).collect::<Vec<_>>()),
            Column::new("step".into(), steps.clone()),
            Column::new("t_ms".into(), steps.iter().map(|&s| self.t_ms(s)).collect::<Vec<_>>()),
            Column::new(
                "end_step".into(),
                steps.iter().enumerate().map(|(i, &s)| s + self.presentation_steps(i)).collect::<Vec<_>>(),
            ),
            Column::new("label".into(), sc.iter().map(|p| u32::from(self.digit(p))).collect::<Vec<_>>()),
            Column::new("class_index".into(), sc.iter().map(|p| p.class_index as u32).collect::<Vec<_>>()),
            Column::new("row".into(), sc.iter().map(|p| p.row as u64).collect::<Vec<_>>()),
        ])
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
