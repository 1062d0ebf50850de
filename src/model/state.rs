//! The network's state: two populations and two synapse groups, in flat arrays.
//!
//! Input population `P` (`n_in` neurons): traces `a`, `theta`, the rate it is driven at, and the
//! first step at which it may spike again. The input traces are decayed when a spike reads them,
//! not every step (see [`super::decay`]): the stored `p_a[k]`, `p_theta[k]` are the values at the
//! start of step `p_since[k]`, before its decay, so they are private to the model; outside it,
//! [`State::input_traces`] gives them at the current step.
//! Output population `G` (`n_out` neurons): `v`, `I_inp`, `I_neg`, `I_teacher`, traces `a`,
//! `theta`, adaptive threshold `hold`, refractory end. Forward weights `w[[k, j]]` (input `k` to
//! output `j`; brian2's synapse `k * n_out + j`; stored column-major, an output's weights
//! contiguous) and lateral weights `w_neg[[i, j]]` (output `i` to output `j`, diagonal unused and
//! kept at 0; stored column-major too).
//!
//! Initial state (notebook): `P.a, P.theta, G.a, G.theta ~ U(0, 0.5)`, `hold = hold0`, `v = I = 0`,
//! `w ~ U(0, 1)`, `w_neg = -1` off the diagonal, nobody refractory.

use ndarray::{Array2, ShapeBuilder};
use rand::{Rng, RngExt};

use super::block;
use super::params::Factors;

/// Outputs from which the forward weights are also kept row-major ([`State`]'s `w_rows`): below,
/// an input spike's few strided reads cost less than keeping the copy.
pub(super) const ROWS_FROM: usize = 8;

/// Output `j`'s forward weights `column` (of `n_out` outputs) into the row-major copy `w_rows`
/// (kept from [`ROWS_FROM`] outputs on): a strided store per input.
#[inline(always)]
pub(super) fn store_column(w_rows: &mut [f64], column: &[f64], j: usize, n_out: usize) {
    // Without a bounds check per weight: inlined into `advance`'s large loop, the checked form
    // kept its index on the stack, a second store per weight.
    let n_in = column.len();
    if n_in == 0 {
        return;
    }
    let slots = &mut w_rows[j..j + (n_in - 1) * n_out + 1];
    for (k, &w) in column.iter().enumerate() {
        // SAFETY: k < n_in, so k n_out <= (n_in - 1) n_out < slots.len().
        unsafe { *slots.get_unchecked_mut(k * n_out) = w };
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Index of the next step to execute (its time is `step * dt`).
    pub step: u64,
    /// Input rates in Hz, set by the protocol at window boundaries.
    pub rates_hz: Vec<f64>,
    /// Input trace `a` at the start of step `p_since[k]` (not decayed since).
    pub(super) p_a: Vec<f64>,
    /// Input trace `theta` at the start of step `p_since[k]`.
    pub(super) p_theta: Vec<f64>,
    /// The first step whose decay `p_a[k]` and `p_theta[k]` have not received.
    pub(super) p_since: Vec<u64>,
    /// `p_since` of every input not in `p_touched`: the step an output spike last brought them all
    /// up to date (so that the next one decays them by one common factor).
    pub(super) p_common_since: u64,
    /// Inputs whose traces a spike brought up to date since then, each once.
    pub(super) p_touched: Vec<u32>,
    /// First step at which each input may spike again.
    pub p_ready: Vec<u64>,
    pub v: Vec<f64>,
    pub i_inp: Vec<f64>,
    pub i_neg: Vec<f64>,
    pub i_teacher: Vec<f64>,
    /// `i_teacher * gain_teacher`, refreshed by the step from `i_teacher` (scratch space).
    pub(super) drive: Vec<f64>,
    pub g_a: Vec<f64>,
    pub g_theta: Vec<f64>,
    pub hold: Vec<f64>,
    /// First step at which each output may spike again (and integrate `v` again).
    pub g_ready: Vec<u64>,
    /// Forward weights, shape `(n_in, n_out)`, in `[0, wmax]`, column-major (an output's spike
    /// updates its column). Read with [`State::w`], set with [`State::set_w`].
    pub(super) w: Array2<f64>,
    /// The same weights row-major, `w_rows[k * n_out + j] = w[[k, j]]` (an input's spike reads its
    /// row: a contiguous vector loop instead of a strided one), from [`ROWS_FROM`] outputs on
    /// (empty below). The step writes both.
    pub(super) w_rows: Vec<f64>,
    /// Lateral weights, shape `(n_out, n_out)`, in `[-wmax, 0]`, diagonal 0; column-major (an
    /// output's spike updates its column, as postsynaptic neuron, with vector operations). Read
    /// with [`State::w_neg`].
    pub(super) w_neg: Array2<f64>,
    /// Inputs that spiked in the last executed step (ascending).
    pub in_spikes: Vec<u32>,
    /// Outputs that spiked in the last executed step (ascending).
    pub out_spikes: Vec<u32>,
    /// Working memory of the blocked quiet loop ([`super::block`]), no part of the network.
    pub(super) backup: Scratch,
}

/// Working memory that belongs to no state: what it holds is left over from a computation and
/// never read before being written, so two states are equal whatever their scratch holds (a state
/// stepped one step at a time, which never writes it, equals one advanced in blocks).
#[derive(Debug, Clone)]
pub(super) struct Scratch(pub(super) Vec<f64>);

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl State {
    /// The notebook's initial state, drawn from `rng`.
    pub fn initial(f: &Factors, rng: &mut impl Rng) -> State {
        let (n_in, n_out) = (f.n_in, f.n_out);
        let mut half = |n: usize| (0..n).map(|_| rng.random::<f64>() * 0.5).collect::<Vec<_>>();
        let p_a = half(n_in);
        let p_theta = half(n_in);
        let g_a = half(n_out);
        let g_theta = half(n_out);
        let w = Array2::from_shape_fn((n_in, n_out), |_| rng.random::<f64>());
        let w_neg = Array2::from_shape_fn((n_out, n_out), |(i, j)| if i == j { 0.0 } else { -1.0 });
        State::from_parts(f, p_a, p_theta, g_a, g_theta, w, w_neg)
    }

    /// A state at step 0 with the given traces and weights, everything else as in the notebook.
    pub fn from_parts(
        f: &Factors,
        p_a: Vec<f64>,
        p_theta: Vec<f64>,
        g_a: Vec<f64>,
        g_theta: Vec<f64>,
        w: Array2<f64>,
        w_neg: Array2<f64>,
    ) -> State {
        let (n_in, n_out) = (f.n_in, f.n_out);
        assert_eq!((p_a.len(), p_theta.len()), (n_in, n_in));
        assert_eq!((g_a.len(), g_theta.len()), (n_out, n_out));
        assert_eq!((w.dim(), w_neg.dim()), ((n_in, n_out), (n_out, n_out)));
        State {
            step: 0,
            rates_hz: vec![0.0; n_in],
            p_a,
            p_theta,
            p_since: vec![0; n_in],
            p_common_since: 0,
            p_touched: Vec::with_capacity(n_in),
            p_ready: vec![0; n_in],
            v: vec![0.0; n_out],
            i_inp: vec![0.0; n_out],
            i_neg: vec![0.0; n_out],
            i_teacher: vec![0.0; n_out],
            drive: vec![0.0; n_out],
            g_a,
            g_theta,
            hold: vec![f.hold0; n_out],
            g_ready: vec![0; n_out],
            w: {
                // Column-major: an output's weights are contiguous, as its spike updates them all.
                let mut col = Array2::zeros((n_in, n_out).f());
                col.assign(&w);
                col
            },
            w_rows: if n_out >= ROWS_FROM { w.iter().copied().collect() } else { Vec::new() },
            w_neg: {
                let mut col = Array2::zeros((n_out, n_out).f());
                col.assign(&w_neg);
                col
            },
            in_spikes: Vec::with_capacity(n_in),
            out_spikes: Vec::with_capacity(n_out),
            backup: Scratch(vec![0.0; block::backup_len(n_out)]),
        }
    }

    /// The forward weights, `w[[k, j]]` from input `k` to output `j`.
    pub fn w(&self) -> &Array2<f64> {
        &self.w
    }

    /// The lateral weights, `w_neg[[i, j]]` from output `i` to output `j`.
    pub fn w_neg(&self) -> &Array2<f64> {
        &self.w_neg
    }

    /// Replace the forward weights (shape `(n_in, n_out)`), keeping both stored layouts in step.
    pub fn set_w(&mut self, w: &Array2<f64>) {
        assert_eq!(w.dim(), self.w.dim(), "forward weights of another shape");
        self.w.assign(w);
        if !self.w_rows.is_empty() {
            self.w_rows.clear();
            self.w_rows.extend(w.iter());
        }
    }

    /// Input `k`'s traces `(a, theta)` now (at the start of step `self.step`).
    #[inline]
    pub fn input_traces(&self, f: &Factors, k: usize) -> (f64, f64) {
        let m = self.step - self.p_since[k];
        (f.pow_a.decay(self.p_a[k], m), f.pow_theta.decay(self.p_theta[k], m))
    }

    pub fn n_in(&self) -> usize {
        self.p_a.len()
    }

    pub fn n_out(&self) -> usize {
        self.v.len()
    }

    /// The first state variable that is not a finite number, if any (by name).
    pub fn first_non_finite(&self) -> Option<&'static str> {
        let groups: [(&'static str, &[f64]); 9] = [
            ("P.a", &self.p_a),
            ("P.theta", &self.p_theta),
            ("G.v", &self.v),
            ("G.I_inp", &self.i_inp),
            ("G.I_neg", &self.i_neg),
            ("G.a", &self.g_a),
            ("G.theta", &self.g_theta),
            ("G.hold", &self.hold),
            ("G.I_teacher", &self.i_teacher),
        ];
        groups
            .into_iter()
            .find(|(_, xs)| xs.iter().any(|x| !x.is_finite()))
            .map(|(name, _)| name)
            .or_else(|| self.w.iter().any(|x| !x.is_finite()).then_some("S.w"))
            .or_else(|| self.w_neg.iter().any(|x| !x.is_finite()).then_some("S_neg.w"))
    }
}
