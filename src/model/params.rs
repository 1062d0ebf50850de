//! Model parameters and the per-step factors derived from them.
//!
//! [`ModelParams`] is what a user writes (the `[model]` table of an experiment file); every field
//! carries its unit and the notebook's default. [`Factors`] is what the step loop reads: every
//! exponential and every step count precomputed once, after validation, so that the hot loop never
//! checks or recomputes anything.
//!
//! Exact integration (brian2 `method='linear'`) over one step `dt`:
//! - `x *= exp(-dt/tau_x)` for every trace, `hold` and the synaptic currents;
//! - `v' = v e^{-dt/tau} + I_teacher (1 - e^{-dt/tau}) + (I_inp + I_neg) k`, with
//!   `k = tau_I/(tau_I - tau) (e^{-dt/tau_I} - e^{-dt/tau})`, or `k = (dt/tau) e^{-dt/tau}` when
//!   `tau == tau_I` (the limit). `k` is evaluated as `tau_I/(tau_I - tau) e^{-dt/tau}
//!   expm1(dt (tau_I - tau)/(tau tau_I))`, which is the same number without the cancellation that
//!   the difference of two exponentials suffers when `tau` is close to `tau_I`.

use super::decay::Powers;
use super::repeat::Repeated;
use serde::{Deserialize, Serialize};

/// Parameters of the neurons and synapses (the notebook's values are the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelParams {
    /// Integration time step, in ms. Notebook: 0.1.
    pub dt_ms: f64,
    /// Time constant of the fast trace `a` (both populations), in ms. Notebook: 10.
    pub alpha_ms: f64,
    /// Time constant of the slow trace `theta` (both populations), in ms. Notebook: 100.
    pub beta_ms: f64,
    /// Membrane time constant of the output neurons, in ms. Notebook: 10.
    pub tau_ms: f64,
    /// Time constant of the synaptic currents `I_inp` and `I_neg`, in ms. Notebook: 15.
    pub tau_i_ms: f64,
    /// Time constant of the adaptive threshold's decay towards 0, in ms. Notebook: 50.
    pub tau_h_ms: f64,
    /// Refractory period of both populations, in ms; a whole number of steps. Notebook: 2.
    pub t_ref_ms: f64,
    /// Initial adaptive threshold `hold` of every output (dimensionless). Notebook: 3.0.
    pub hold0: f64,
    /// Threshold increase per output spike. Notebook: `0.1 * n_out` (0.2 for two classes), which
    /// is what an absent value means.
    pub hold_inc: Option<f64>,
    /// Upper bound of forward weights; lateral weights live in `[-wmax, 0]`. Notebook: 1.0.
    pub wmax: f64,
    /// Gain of the forward weights: an input spike adds `w * c_inp` to `I_inp`. Notebook: 0.2.
    pub c_inp: f64,
    /// Gain of the lateral weights: an output spike adds `w_neg * c_neg` to the others' `I_neg`.
    /// Notebook: 1.7.
    pub c_neg: f64,
    /// Forward learning rate (per postsynaptic spike, times the input's `a - theta`). Notebook: 0.05.
    pub lr: f64,
    /// Lateral learning rate (per postsynaptic spike, times the presynaptic output's
    /// `a - theta`). Notebook: 0.01.
    pub lr_n: f64,
    /// Forward weight decay per postsynaptic spike. Notebook: 0.001.
    pub decay: f64,
    /// Weight normalisation (Diehl & Cook 2015): after every presentation of a plastic phase, each
    /// output's forward weights are rescaled to sum to this. Absent (the notebook): off.
    pub weight_sum: Option<f64>,
    /// Soft (multiplicative) bounds in the forward rule: a potentiation is scaled by
    /// `(wmax - w)/wmax`, a depression by `w/wmax`. Notebook: off (hard bounds, the clip alone).
    pub soft_bounds: bool,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            dt_ms: 0.1,
            alpha_ms: 10.0,
            beta_ms: 100.0,
            tau_ms: 10.0,
            tau_i_ms: 15.0,
            tau_h_ms: 50.0,
            t_ref_ms: 2.0,
            hold0: 3.0,
            hold_inc: None,
            wmax: 1.0,
            c_inp: 0.2,
            c_neg: 1.7,
            lr: 0.05,
            lr_n: 0.01,
            decay: 0.001,
            weight_sum: None,
            soft_bounds: false,
        }
    }
}

/// A parameter that failed validation: the key (as written in the `[model]` table) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub key: &'static str,
    pub message: String,
}

/// Everything the step loop needs, derived once from validated [`ModelParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub n_in: usize,
    pub n_out: usize,
    pub dt_ms: f64,
    /// `exp(-dt/alpha)`
    pub decay_a: f64,
    /// `exp(-dt/beta)`
    pub decay_theta: f64,
    /// Powers of `decay_a` and `decay_theta`, for the input traces (decayed when read).
    pub pow_a: Powers,
    pub pow_theta: Powers,
    /// `exp(-dt/tau_h)`
    pub decay_hold: f64,
    /// `exp(-dt/tau_I)`
    pub decay_i: f64,
    /// `exp(-dt/tau)`
    pub decay_v: f64,
    /// `1 - exp(-dt/tau)`: weight of the (constant over a step) teacher current.
    pub gain_teacher: f64,
    /// `k`: weight of the start-of-step synaptic current in the `v` update (see the module doc).
    pub gain_syn: f64,
    /// Refractory period in steps.
    pub ref_steps: u64,
    /// Per-synapse trace increments, applied once per synapse as brian2 does:
    /// `1/n_out * 1 ms/alpha` (input `a`, per output), `1/n_out * 1 ms/beta`, and
    /// `1/n_in * 1 ms/alpha`, `1/n_in * 1 ms/beta` (output traces, per input).
    pub p_a_inc: f64,
    pub p_theta_inc: f64,
    pub g_a_inc: f64,
    pub g_theta_inc: f64,
    /// The increments above, each repeated as a spike repeats it (`n_out` times for an input's
    /// traces, `n_in` times for an output's), in one addition where they can be.
    pub p_a_rep: Repeated,
    pub p_theta_rep: Repeated,
    pub g_a_rep: Repeated,
    pub g_theta_rep: Repeated,
    pub hold0: f64,
    pub hold_inc: f64,
    pub wmax: f64,
    pub c_inp: f64,
    pub c_neg: f64,
    pub lr: f64,
    pub lr_n: f64,
    pub decay: f64,
    /// The sum each output's forward weights are rescaled to after a plastic presentation (none:
    /// no normalisation; see [`super::normalise`]).
    pub weight_sum: Option<f64>,
    /// Soft bounds in the forward rule (see [`super::step`], 3.4).
    pub soft_bounds: bool,
}

/// Steps in `span_ms` if it is a whole number of steps of `dt_ms` (to 1e-9 of a step).
pub fn whole_steps(span_ms: f64, dt_ms: f64) -> Option<u64> {
    let r = span_ms / dt_ms;
    let n = r.round();
    ((r - n).abs() < 1e-9 && (0.0..1e15).contains(&n)).then_some(n as u64)
}

impl ModelParams {
    /// The threshold increment in force for `n_out` outputs.
    pub fn hold_inc_for(&self, n_out: usize) -> f64 {
        self.hold_inc.unwrap_or(0.1 * n_out as f64)
    }

    /// Check every value and derive the step factors for `n_in` inputs and `n_out` outputs.
    pub fn factors(&self, n_in: usize, n_out: usize) -> Result<Factors, Vec<Invalid>> {
        let mut bad = Vec::new();
        let mut check = |key: &'static str, ok: bool, why: &str, value: f64| {
            if !ok {
                bad.push(Invalid { key, message: format!("{why} (got {})", crate::text::value(value)) });
            }
        };
        let p = self;
        check("dt_ms", p.dt_ms.is_finite() && p.dt_ms > 0.0, "must be a positive number of ms", p.dt_ms);
        for (key, v) in [
            ("alpha_ms", p.alpha_ms),
            ("beta_ms", p.beta_ms),
            ("tau_ms", p.tau_ms),
            ("tau_i_ms", p.tau_i_ms),
            ("tau_h_ms", p.tau_h_ms),
        ] {
            check(key, v.is_finite() && v > 0.0, "a time constant must be > 0 ms", v);
        }
        check("t_ref_ms", p.t_ref_ms.is_finite() && p.t_ref_ms >= 0.0, "must be >= 0 ms", p.t_ref_ms);
        if p.dt_ms > 0.0 && p.t_ref_ms >= 0.0 && whole_steps(p.t_ref_ms, p.dt_ms).is_none() {
            check("t_ref_ms", false, &format!("must be a whole number of steps of dt_ms = {}", p.dt_ms), p.t_ref_ms);
        }
        check("wmax", p.wmax.is_finite() && p.wmax > 0.0, "must be > 0", p.wmax);
        // A threshold below 0 fires on a membrane at rest, and a negative increment makes every
        // spike lower the threshold (more spikes, lower still): neither is the notebook's network.
        check("hold0", p.hold0.is_finite() && p.hold0 >= 0.0, "must be a finite threshold >= 0", p.hold0);
        let hold_inc = p.hold_inc_for(n_out);
        check("hold_inc", hold_inc.is_finite() && hold_inc >= 0.0, "must be a finite increment >= 0", hold_inc);
        for (key, v) in [("c_inp", p.c_inp), ("c_neg", p.c_neg), ("lr", p.lr), ("lr_n", p.lr_n), ("decay", p.decay)] {
            check(key, v.is_finite() && v >= 0.0, "must be a finite number >= 0", v);
        }
        if let Some(sum) = p.weight_sum {
            let why = "must be a finite sum > 0 of an output's forward weights (leave it out for no normalisation)";
            check("weight_sum", sum.is_finite() && sum > 0.0, why, sum);
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        let dt = p.dt_ms;
        let decay_v = (-dt / p.tau_ms).exp();
        let gain_syn = if p.tau_ms == p.tau_i_ms {
            dt / p.tau_ms * decay_v
        } else {
            p.tau_i_ms / (p.tau_i_ms - p.tau_ms)
                * decay_v
                * (dt * (p.tau_i_ms - p.tau_ms) / (p.tau_ms * p.tau_i_ms)).exp_m1()
        };
        let (decay_a, decay_theta) = ((-dt / p.alpha_ms).exp(), (-dt / p.beta_ms).exp());
        let (p_a_inc, p_theta_inc) = (1.0 / n_out as f64 / p.alpha_ms, 1.0 / n_out as f64 / p.beta_ms);
        let (g_a_inc, g_theta_inc) = (1.0 / n_in as f64 / p.alpha_ms, 1.0 / n_in as f64 / p.beta_ms);
        Ok(Factors {
            n_in,
            n_out,
            dt_ms: dt,
            decay_a,
            decay_theta,
            pow_a: Powers::new(decay_a),
            pow_theta: Powers::new(decay_theta),
            decay_hold: (-dt / p.tau_h_ms).exp(),
            decay_i: (-dt / p.tau_i_ms).exp(),
            decay_v,
            gain_teacher: 1.0 - decay_v,
            gain_syn,
            ref_steps: whole_steps(p.t_ref_ms, dt).unwrap_or(0),
            p_a_inc,
            p_theta_inc,
            g_a_inc,
            g_theta_inc,
            p_a_rep: Repeated::new(p_a_inc, n_out as u32),
            p_theta_rep: Repeated::new(p_theta_inc, n_out as u32),
            g_a_rep: Repeated::new(g_a_inc, n_in as u32),
            g_theta_rep: Repeated::new(g_theta_inc, n_in as u32),
            hold0: p.hold0,
            hold_inc,
            wmax: p.wmax,
            c_inp: p.c_inp,
            c_neg: p.c_neg,
            lr: p.lr,
            lr_n: p.lr_n,
            decay: p.decay,
            weight_sum: p.weight_sum,
            soft_bounds: p.soft_bounds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_gain_is_continuous_at_tau_equal_tau_i() {
        let at = ModelParams { tau_ms: 15.0, ..Default::default() }.factors(64, 2).unwrap();
        let near = ModelParams { tau_ms: 15.0 * (1.0 + 1e-12), ..Default::default() }.factors(64, 2).unwrap();
        assert!((at.gain_syn - near.gain_syn).abs() < 1e-14, "{} vs {}", at.gain_syn, near.gain_syn);
        // the limit (dt/tau) e^{-dt/tau}
        let want = 0.1 / 15.0 * (-0.1f64 / 15.0).exp();
        assert_eq!(at.gain_syn, want);
    }

    #[test]
    fn syn_gain_matches_difference_of_exponentials() {
        let f = ModelParams::default().factors(64, 2).unwrap();
        let naive = 15.0 / (15.0 - 10.0) * ((-0.1f64 / 15.0).exp() - (-0.1f64 / 10.0).exp());
        assert!((f.gain_syn - naive).abs() < 1e-15);
    }

    #[test]
    fn notebook_step_counts_and_increments() {
        let f = ModelParams::default().factors(64, 2).unwrap();
        assert_eq!(f.ref_steps, 20);
        assert_eq!(f.hold_inc, 0.2);
        assert!((f.p_a_inc * 2.0 - 0.1).abs() < 1e-16);
        assert!((f.g_theta_inc * 64.0 - 0.01).abs() < 1e-16);
    }

    #[test]
    fn invalid_values_name_their_key() {
        let p = ModelParams { tau_ms: 0.0, t_ref_ms: 2.05, lr: f64::NAN, weight_sum: Some(0.0), ..Default::default() };
        let keys: Vec<_> = p.factors(64, 2).unwrap_err().into_iter().map(|i| i.key).collect();
        assert_eq!(keys, ["tau_ms", "t_ref_ms", "lr", "weight_sum"]);
        for sum in [-1.0, f64::INFINITY, f64::NAN] {
            assert!(ModelParams { weight_sum: Some(sum), ..Default::default() }.factors(64, 2).is_err(), "{sum}");
        }
        assert!(ModelParams { weight_sum: Some(32.0), ..Default::default() }.factors(64, 2).is_ok());
    }
}
