//! Hand-worked checks of the step against closed forms and the spec's order of operations.

use ndarray::{Array2, array};

use super::advance::Tally;
use super::*;

fn factors(n_in: usize, n_out: usize, p: ModelParams) -> Factors {
    p.factors(n_in, n_out).expect("valid parameters")
}

/// A state with all traces 0, given weights, and a threshold too high to reach.
fn quiet_state(f: &Factors, hold: f64) -> State {
    let mut s = State::from_parts(
        f,
        vec![0.0; f.n_in],
        vec![0.0; f.n_in],
        vec![0.0; f.n_out],
        vec![0.0; f.n_out],
        Array2::zeros((f.n_in, f.n_out)),
        Array2::from_shape_fn((f.n_out, f.n_out), |(i, j)| if i == j { 0.0 } else { -1.0 }),
    );
    s.hold.fill(hold);
    s
}

fn run(s: &mut State, f: &Factors, steps: u64, input: &mut impl InputSource) -> Vec<(u64, u32)> {
    let mut spikes = Vec::new();
    for _ in 0..steps {
        step(s, f, true, input, &mut ());
        spikes.extend(s.out_spikes.iter().map(|&j| (s.step - 1, j)));
    }
    spikes
}

#[test]
fn lif_under_constant_current_follows_closed_form() {
    let f = factors(1, 1, ModelParams { tau_h_ms: 1e12, ..Default::default() });
    let mut s = quiet_state(&f, 1e9);
    s.i_teacher[0] = 2.5;
    run(&mut s, &f, 1234, &mut Replay::new(vec![]));
    let t = 1234.0 * 0.1;
    let want = 2.5 * (1.0 - (-t / 10.0f64).exp());
    assert!((s.v[0] - want).abs() < 1e-12, "v = {} but closed form gives {want}", s.v[0]);
}

#[test]
fn lif_driven_by_decaying_synaptic_current_follows_closed_form() {
    for (tau, tau_i) in [(10.0, 15.0), (15.0, 15.0), (20.0, 5.0)] {
        let f = factors(1, 1, ModelParams { tau_ms: tau, tau_i_ms: tau_i, tau_h_ms: 1e12, ..Default::default() });
        let mut s = quiet_state(&f, 1e9);
        s.i_inp[0] = 3.0;
        s.i_neg[0] = -1.0;
        run(&mut s, &f, 500, &mut Replay::new(vec![]));
        let t: f64 = 50.0;
        let want = if tau == tau_i {
            2.0 * t / tau * (-t / tau).exp()
        } else {
            2.0 * tau_i / (tau_i - tau) * ((-t / tau_i).exp() - (-t / tau).exp())
        };
        assert!((s.v[0] - want).abs() < 1e-12, "tau={tau} tau_I={tau_i}: v = {} want {want}", s.v[0]);
        assert!((s.i_inp[0] - 3.0 * (-t / tau_i).exp()).abs() < 1e-12);
    }
}

#[test]
fn output_refractory_period_is_twenty_steps_with_v_frozen() {
    // Teacher strong enough to cross the threshold within a step of leaving refractoriness.
    let f = factors(1, 1, ModelParams { hold_inc: Some(0.0), tau_h_ms: 1e12, ..Default::default() });
    let mut s = quiet_state(&f, 0.5);
    s.i_teacher[0] = 1000.0;
    let mut spikes = Vec::new();
    for _ in 0..200 {
        step(&mut s, &f, true, &mut Replay::new(vec![]), &mut ());
        if s.out_spikes.is_empty() {
            let last: u64 = spikes.last().copied().unwrap_or(0);
            if !spikes.is_empty() && s.step - 1 < last + 20 {
                assert_eq!(s.v[0], 0.0, "v must stay frozen at its reset value while refractory");
            }
        } else {
            spikes.push(s.step - 1);
        }
    }
    // 1000 * (1 - e^{-0.01}) = 9.95 > 0.5: it fires at step 0 and as soon as it may again.
    let want: Vec<u64> = (0..10).map(|m| m * 20).collect();
    assert_eq!(spikes, want);
}

#[test]
fn input_refractoriness_drops_spikes_within_twenty_steps() {
    let f = factors(2, 1, ModelParams::default());
    let mut s = quiet_state(&f, 1e9);
    let table = vec![(0, 0), (5, 0), (19, 0), (20, 0), (21, 0), (39, 0), (40, 0), (3, 1), (4, 1)];
    let mut input = Replay::new(table);
    let mut fired = Vec::new();
    for _ in 0..50 {
        step(&mut s, &f, true, &mut input, &mut ());
        fired.extend(s.in_spikes.iter().map(|&k| (s.step - 1, k)));
    }
    assert_eq!(fired, vec![(0, 0), (3, 1), (20, 0), (40, 0)]);
}

/// Two outputs and one input fire in the same step: the result depends on the pathway order.
#[test]
fn same_step_spikes_follow_brian2_pathway_order() {
    let p = ModelParams::default();
    let f = factors(1, 2, p.clone());
    let mut s = State::from_parts(
        &f,
        vec![0.2],
        vec![0.4],
        vec![0.1, 0.15],
        vec![0.3, 0.32],
        array![[0.5, 0.6]],
        array![[0.0, -0.9], [-0.8, 0.0]],
    );
    s.v = vec![10.0, 11.0];
    let mut input = Replay::new(vec![(0, 0)]);
    step(&mut s, &f, true, &mut input, &mut ());
    assert_eq!((s.in_spikes.as_slice(), s.out_spikes.as_slice()), (&[0u32][..], &[0u32, 1][..]));

    let (ea, eth) = ((-0.1f64 / 10.0).exp(), (-0.1f64 / 100.0).exp());
    // groups
    let p_a = 0.2 * ea + 0.05 + 0.05; // then forward on_pre: two per-synapse increments
    let p_th = 0.4 * eth + 0.005 + 0.005;
    let g_a = [0.1 * ea, 0.15 * ea];
    let g_th = [0.3 * eth, 0.32 * eth];
    // lateral on_pre (both fire): each receives the other's weight times c_neg
    assert!((s.i_neg[0] - (-0.8 * 1.7)).abs() < 1e-15);
    assert!((s.i_neg[1] - (-0.9 * 1.7)).abs() < 1e-15);
    // forward on_pre
    assert!((s.i_inp[0] - 0.5 * 0.2).abs() < 1e-15 && (s.i_inp[1] - 0.6 * 0.2).abs() < 1e-15);
    // lateral on_post uses G.a before the forward on_post increments
    let w_neg_10 = -0.8 + -0.01 * (g_a[1] - g_th[1]);
    let w_neg_01 = -0.9 + -0.01 * (g_a[0] - g_th[0]);
    assert!((s.w_neg()[[1, 0]] - w_neg_10).abs() < 1e-15, "{} vs {w_neg_10}", s.w_neg()[[1, 0]]);
    assert!((s.w_neg()[[0, 1]] - w_neg_01).abs() < 1e-15, "{} vs {w_neg_01}", s.w_neg()[[0, 1]]);
    // forward on_post uses P.a after the forward on_pre increments
    let w0 = 0.5 + (-0.001 + 0.05 * (p_a - p_th));
    let w1 = 0.6 + (-0.001 + 0.05 * (p_a - p_th));
    assert!((s.w()[[0, 0]] - w0).abs() < 1e-15 && (s.w()[[0, 1]] - w1).abs() < 1e-15);
    assert!((s.g_a[0] - (g_a[0] + 0.1)).abs() < 1e-15 && (s.g_theta[1] - (g_th[1] + 0.01)).abs() < 1e-15);
    // resets
    assert_eq!(s.v, vec![0.0, 0.0]);
    let hold = 3.0 * (-0.1f64 / 50.0).exp() + 0.2;
    assert!((s.hold[0] - hold).abs() < 1e-15);
}

#[test]
fn frozen_plasticity_keeps_weights_but_not_traces() {
    let f = factors(1, 2, ModelParams::default());
    let mut s = quiet_state(&f, 3.0);
    s.set_w(&Array2::from_elem((1, 2), 0.5));
    s.v = vec![10.0, 10.0];
    let before = (s.w().clone(), s.w_neg().clone());
    step(&mut s, &f, false, &mut Replay::new(vec![(0, 0)]), &mut ());
    assert_eq!(s.out_spikes, vec![0, 1]);
    assert_eq!((s.w().clone(), s.w_neg().clone()), before);
    assert!(s.g_a[0] > 0.09 && s.p_a[0] > 0.09, "traces still increment");
}

#[test]
fn weights_are_clipped_to_their_bounds() {
    let f = factors(1, 2, ModelParams { lr: 100.0, lr_n: 100.0, ..Default::default() });
    let mut s = quiet_state(&f, 3.0);
    s.set_w(&Array2::from_elem((1, 2), 0.9));
    s.g_a = vec![5.0, 5.0]; // large positive a - theta drives w_neg below -wmax
    s.v = vec![10.0, 10.0];
    step(&mut s, &f, true, &mut Replay::new(vec![(0, 0)]), &mut ());
    assert_eq!(s.w(), array![[1.0, 1.0]]);
    assert_eq!(s.w_neg(), array![[0.0, -1.0], [-1.0, 0.0]]);
}

/// Soft bounds: the forward rule's change scaled by the room left, `(wmax - w)/wmax` for a
/// potentiation, `w/wmax` for a depression, bit for bit the expression of docs/model.md; the
/// lateral rule is untouched.
#[test]
fn soft_bounds_scale_the_forward_change_by_the_room_left() {
    // One step in which output 0 fires; input 0's traces favour potentiation (a > theta), input
    // 1's depression.
    let one_step = |soft_bounds: bool| {
        let p = ModelParams { soft_bounds, wmax: 0.8, lr: 0.5, decay: 0.01, ..Default::default() };
        let f = factors(2, 2, p);
        let mut s = State::from_parts(
            &f,
            vec![0.3, 0.0],
            vec![0.1, 0.2],
            vec![0.0, 0.3],
            vec![0.0, 0.0],
            array![[0.6, 0.2], [0.5, 0.1]],
            array![[0.0, -0.5], [-0.5, 0.0]],
        );
        s.v = vec![10.0, 0.0];
        s.hold = vec![3.0, 1e9];
        step(&mut s, &f, true, &mut Replay::new(vec![]), &mut ());
        assert_eq!(s.out_spikes, vec![0]);
        s
    };
    let (soft, hard) = (one_step(true), one_step(false));
    let (ea, eth) = ((-0.1f64 / 10.0).exp(), (-0.1f64 / 100.0).exp());
    let d = |a: f64, th: f64| -0.01 + 0.5 * (a * ea - th * eth);
    let (d0, d1) = (d(0.3, 0.1), d(0.0, 0.2));
    assert!(d0 > 0.0 && d1 < 0.0);
    let w00 = (0.6 + d0 * (0.8 - 0.6) / 0.8).clamp(0.0, 0.8);
    let w10 = (0.5 + d1 * 0.5 / 0.8).clamp(0.0, 0.8);
    assert_eq!((soft.w()[[0, 0]].to_bits(), soft.w()[[1, 0]].to_bits()), (w00.to_bits(), w10.to_bits()));
    assert_eq!((soft.w()[[0, 1]], soft.w()[[1, 1]]), (0.2, 0.1), "the silent output's column is untouched");
    // Hard bounds on the same state move further (the room left only slows a change); the
    // lateral rule is the same.
    assert_eq!(hard.w()[[0, 0]].to_bits(), (0.6 + d0).min(0.8).to_bits());
    assert!(hard.w()[[0, 0]] > soft.w()[[0, 0]] && hard.w()[[1, 0]] < soft.w()[[1, 0]]);
    let w_neg_10 = -0.5 + -0.01 * (0.3 * ea - 0.0);
    assert_eq!(
        (soft.w_neg()[[1, 0]].to_bits(), hard.w_neg()[[1, 0]].to_bits()),
        (w_neg_10.to_bits(), w_neg_10.to_bits())
    );
}

/// An observer that wants every step, so that [`advance`] steps one by one.
#[derive(Default)]
struct EveryStep {
    steps: u64,
}

impl Observer for EveryStep {
    fn after_step(&mut self, _: &State, _: &Factors) {
        self.steps += 1;
    }
}

/// A window's tally: input spikes, spikes per output, sums of `G.a`.
type WindowTally = (u64, Vec<u64>, Vec<f64>);

/// Windows of `input` (image-like rates, then rest) with the teacher on one output in the
/// presentations, run through `advance` with `obs`; returns the final state and every window's tally.
fn windows(
    input: impl InputSource,
    n_out: usize,
    plastic: bool,
    seed: u64,
    obs: &mut impl Observer,
) -> (State, Vec<WindowTally>) {
    windows_on(Isa::detected(), input, n_out, plastic, seed, obs)
}

/// [`windows`] through the build of `advance` for `isa`.
fn windows_on(
    isa: Isa,
    mut input: impl InputSource,
    n_out: usize,
    plastic: bool,
    seed: u64,
    obs: &mut impl Observer,
) -> (State, Vec<WindowTally>) {
    use rand::{RngExt, SeedableRng};
    let f = factors(64, n_out, ModelParams::default());
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut s = State::initial(&f, &mut rng);
    let mut tallies = Vec::new();
    for window in 0..60u64 {
        let shown = window % 2 == 0;
        let rates: Vec<f64> =
            (0..64).map(|_| if shown { rng.random_range(0..17) as f64 / 16.0 * 250.0 } else { 0.0 }).collect();
        s.i_teacher.fill(0.0);
        if shown && window < 40 {
            s.i_teacher[(window as usize / 2) % n_out] = 100.0;
        }
        input.set_rates(s.step, &rates, f.dt_ms);
        let (mut spikes, mut sums) = (vec![0; n_out], vec![0.0; n_out]);
        let mut tally =
            Tally { input_spikes: 0, output_spikes: &mut spikes, g_a_sum: &mut sums, sum_from: s.step + 450 };
        let until = s.step + 500;
        advance_on(isa, &mut s, &f, plastic, &mut input, obs, until, &mut tally);
        tallies.push((tally.input_spikes, spikes, sums));
    }
    (s, tallies)
}

fn poisson(seed: u64) -> Poisson {
    use rand::SeedableRng;
    Poisson::new(rand_pcg::Pcg64Mcg::seed_from_u64(seed + 1), 64, 20)
}

/// Every build of `advance` (baseline, AVX2, AVX-512, as far as this CPU has them) against one
/// step at a time, for output counts that fill vectors exactly, leave a remainder, and take the
/// fixed-size quiet loops.
#[test]
fn every_instruction_set_computes_the_same_bits() {
    let isas = Isa::supported();
    for (n_out, seed) in [(2, 21), (4, 22), (10, 23), (37, 24), (80, 25)] {
        let (reference, t_reference) =
            windows_on(Isa::Baseline, poisson(seed), n_out, true, seed, &mut EveryStep::default());
        for &isa in &isas {
            let (quick, t_quick) = windows_on(isa, poisson(seed), n_out, true, seed, &mut ());
            assert_eq!(t_quick, t_reference, "{isa:?}, {n_out} outputs: tallies differ");
            assert!(quick == reference, "{isa:?}, {n_out} outputs: states differ");
            let (every, _) = windows_on(isa, poisson(seed), n_out, true, seed, &mut EveryStep::default());
            assert!(every == reference, "{isa:?}, {n_out} outputs, every step: states differ");
        }
    }
    eprintln!("compared: {isas:?}");
}

#[test]
fn advance_is_stepping_bit_for_bit() {
    for (n_out, plastic, seed) in [(2, true, 1), (2, false, 2), (3, true, 3), (10, true, 4), (80, true, 5)] {
        let mut every = EveryStep::default();
        let (stepped, t_stepped) = windows(poisson(seed), n_out, plastic, seed, &mut every);
        let (quick, t_quick) = windows(poisson(seed), n_out, plastic, seed, &mut ());
        assert_eq!(every.steps, 30_000, "the reference path saw every step");
        let outputs: u64 = t_quick.iter().map(|(_, s, _)| s.iter().sum::<u64>()).sum();
        let inputs: u64 = t_quick.iter().map(|(i, _, _)| i).sum();
        assert!(outputs > 100 && inputs > 3000, "the windows did work: {outputs} output, {inputs} input spikes");
        assert_eq!(t_quick, t_stepped, "{n_out} outputs: tallies differ");
        assert!(quick == stepped, "{n_out} outputs, plastic {plastic}: states differ");
    }
}

#[test]
fn advance_is_stepping_bit_for_bit_with_replayed_and_bernoulli_input() {
    use rand::{RngExt, SeedableRng};
    // A table with spikes inside dead times and duplicates, as a user's might have.
    let table = |seed: u64| {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        (0..8000).map(|_| (rng.random_range(0..30_000u64), rng.random_range(0..64u32))).collect::<Vec<_>>()
    };
    for (n_out, seed) in [(2, 11), (5, 12)] {
        let mut every = EveryStep::default();
        let (stepped, t_stepped) = windows(Replay::new(table(seed)), n_out, true, seed, &mut every);
        let (quick, t_quick) = windows(Replay::new(table(seed)), n_out, true, seed, &mut ());
        assert!(t_quick.iter().map(|t| t.0).sum::<u64>() > 3000, "replayed spikes arrive");
        assert_eq!(t_quick, t_stepped, "replay, {n_out} outputs: tallies differ");
        assert!(quick == stepped, "replay, {n_out} outputs: states differ");

        let bernoulli = || Bernoulli::new(rand_pcg::Pcg64Mcg::seed_from_u64(seed));
        let (stepped, t_stepped) = windows(bernoulli(), n_out, true, seed, &mut EveryStep::default());
        let (quick, t_quick) = windows(bernoulli(), n_out, true, seed, &mut ());
        assert_eq!(t_quick, t_stepped, "bernoulli, {n_out} outputs: tallies differ");
        assert!(quick == stepped, "bernoulli, {n_out} outputs: states differ");
    }
}

/// The branch-free listing of a step's crossings (bit masks of 64 outputs) lists what the plain
/// test per output lists, in the same order, and makes the same outputs refractory: across the
/// 64-output boundary, with refractory outputs whose `v` is over the threshold, and ties.
#[test]
fn crossings_listed_by_bit_masks_are_the_plain_loops() {
    use super::crossings::list_crossings;
    let n = 1_000u64;
    for m in [7usize, 63, 64, 65, 130] {
        let v: Vec<f64> = (0..m).map(|j| ((j * 37) % 11) as f64 / 10.0).collect();
        let hold: Vec<f64> = (0..m).map(|j| ((j * 13) % 7) as f64 / 7.0).collect();
        let ready: Vec<u64> = (0..m)
            .map(|j| {
                if j % 5 == 0 {
                    n + 1
                } else if j % 3 == 0 {
                    n
                } else {
                    0
                }
            })
            .collect();
        let (mut plain_ready, mut plain) = (ready.clone(), Vec::new());
        for j in 0..m {
            if n >= plain_ready[j] && v[j] > hold[j] {
                plain.push(j as u32);
                plain_ready[j] = n + 20;
            }
        }
        let (mut listed_ready, mut listed) = (ready.clone(), Vec::new());
        list_crossings(n, &v, &hold, &mut listed_ready, 20, &mut listed);
        assert!(!plain.is_empty() && plain.len() < m, "{m} outputs: the case tests nothing");
        assert_eq!((listed, listed_ready), (plain, plain_ready), "{m} outputs");
    }
}

/// The blocked quiet loop against the per-step pass from the same states, stretch after stretch
/// (each ended by `end` or a spike, whose outputs are then reset as phase 4 does), for one partial
/// block, one whole block, whole blocks with a remainder and whole blocks only: the same stop, the
/// same spikes, the same bits of every value and tally. With more than one block, stretches where
/// a later block fires first (the earlier ones rerun from their copy) must be among them.
#[test]
fn blocks_are_stepping_bit_for_bit() {
    use super::block::{LANES, LONG, outputs_blocked};
    use super::step::Parts;
    use rand::{RngExt, SeedableRng};
    for (n_out, seed) in [(5, 31), (16, 32), (37, 33), (80, 34)] {
        let f = factors(64, n_out, ModelParams::default());
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let mut blocked = State::initial(&f, &mut rng);
        for j in 0..n_out {
            blocked.v[j] = rng.random::<f64>() * f.hold0;
            blocked.i_inp[j] = rng.random::<f64>() * 2.0;
            blocked.i_teacher[j] = if rng.random::<f64>() < 0.3 { rng.random::<f64>() * 40.0 } else { 0.0 };
            blocked.g_ready[j] = rng.random_range(0..40);
        }
        let mut stepped = blocked.clone();
        let (mut sums_blocked, mut sums_stepped) = (vec![0.0; n_out], vec![0.0; n_out]);
        let (mut n, mut fires, mut reruns) = (0, 0, 0);
        while n < 20_000 {
            let end = n + rng.random_range(LONG..300);
            let sum_from = n + rng.random_range(0..300);
            let at = outputs_blocked(&mut Parts::of(&mut blocked, &f), &f, n, end, &mut sums_blocked, sum_from);
            let at_stepped = Parts::of(&mut stepped, &f).outputs_until(&f, n, end, &mut sums_stepped, sum_from);
            assert_eq!(at, at_stepped, "{n_out} outputs, stretch from {n}: stops differ");
            assert!(blocked == stepped, "{n_out} outputs, stretch from {n}: states differ");
            let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&sums_blocked), bits(&sums_stepped), "{n_out} outputs: sums differ");
            if at < end {
                fires += 1;
                // A first spike past the first block before the stretch's last step: the blocks
                // before it had run further and went again.
                reruns += usize::from(at + 1 < end && blocked.out_spikes[0] as usize >= LANES);
                for s in [&mut blocked, &mut stepped] {
                    for &j in &s.out_spikes {
                        s.v[j as usize] = 0.0;
                        s.hold[j as usize] += f.hold_inc;
                    }
                }
            }
            n = at + 1;
        }
        assert!(fires > 50, "{n_out} outputs: only {fires} stretches ended by a spike");
        assert!(n_out <= LANES || reruns > 10, "{n_out} outputs: only {reruns} reruns");
    }
}
