//! The input spike trains: rate and dead-time statistics of the skipping [`Poisson`] source and
//! of the per-step [`Bernoulli`] reference (brian2's `rand() < rates*dt` with a 2 ms dead time),
//! and a two-sample comparison of the two under the protocol's switching rates.
//!
//! With spike probability `p` per step and a dead time of `d` steps, an inter-spike interval is
//! `d - 1 + G` with `G ~ Geometric(p)` on 1, 2, ...: mean `d - 1 + 1/p`, variance `(1 - p)/p^2`,
//! never below `d`, and equal to `d` with probability `p`.

use harness::model::{Bernoulli, Factors, InputSource, ModelParams, Observer, Poisson, State, step};
use harness::rng::{Stream, stream};
use ndarray::Array2;

/// Every input spike as `(step, input)`, as the step accepts them.
#[derive(Default)]
struct Spikes(Vec<(u64, u32)>);

impl Observer for Spikes {
    fn after_step(&mut self, s: &State, _: &Factors) {
        self.0.extend(s.in_spikes.iter().map(|&k| (s.step - 1, k)));
    }
}

/// Drive `n_in` inputs through the step for `windows` windows of `w` steps, with `rates(window)`.
fn simulate(
    input: &mut impl InputSource,
    n_in: usize,
    windows: u64,
    w: u64,
    rates: impl Fn(u64) -> Vec<f64>,
) -> Vec<(u64, u32)> {
    let f = ModelParams::default().factors(n_in, 1).unwrap();
    let mut s = State::from_parts(
        &f,
        vec![0.0; n_in],
        vec![0.0; n_in],
        vec![0.0],
        vec![0.0],
        Array2::zeros((n_in, 1)),
        Array2::zeros((1, 1)),
    );
    let mut obs = Spikes::default();
    for win in 0..windows {
        input.set_rates(s.step, &rates(win), f.dt_ms);
        for _ in 0..w {
            step(&mut s, &f, false, input, &mut obs);
        }
    }
    obs.0
}

fn intervals(spikes: &[(u64, u32)], n_in: usize) -> Vec<u64> {
    let mut last = vec![None; n_in];
    let mut isi = Vec::new();
    for &(n, k) in spikes {
        if let Some(m) = last[k as usize] {
            isi.push(n - m);
        }
        last[k as usize] = Some(n);
    }
    isi
}

fn check_constant_rate(name: &str, input: &mut impl InputSource) {
    let (n_in, rate, steps) = (64, 250.0, 200_000u64);
    let spikes = simulate(input, n_in, 1, steps, |_| vec![rate; n_in]);
    let isi = intervals(&spikes, n_in);
    let p = rate * 0.1 * 1e-3;
    let d = 20.0;
    let (mean_isi, var_isi) = (d - 1.0 + 1.0 / p, (1.0 - p) / (p * p));
    let n = isi.len() as f64;
    let got = isi.iter().sum::<u64>() as f64 / n;
    let se = (var_isi / n).sqrt();
    println!(
        "{name}: {n} ISIs, mean {got:.3} steps (theory {mean_isi:.3} ± {se:.3}), min {}",
        isi.iter().min().unwrap()
    );
    assert_eq!(*isi.iter().min().unwrap(), 20, "{name}: no interval below the dead time, and 20 is reached");
    assert!((got - mean_isi).abs() < 4.0 * se, "{name}: mean ISI {got} vs {mean_isi} ± {se}");
    let got_var = isi.iter().map(|&x| (x as f64 - got).powi(2)).sum::<f64>() / (n - 1.0);
    assert!((got_var / var_isi - 1.0).abs() < 0.05, "{name}: ISI variance {got_var} vs {var_isi}");
    let want_count = n_in as f64 * steps as f64 / mean_isi;
    assert!((spikes.len() as f64 / want_count - 1.0).abs() < 0.01, "{name}: {} spikes vs {want_count}", spikes.len());
    let at_d = isi.iter().filter(|&&x| x == 20).count() as f64 / n;
    assert!((at_d - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "{name}: P(ISI = 20) = {at_d} vs {p}");
}

#[test]
fn skipping_poisson_has_the_bernoulli_rate_and_dead_time() {
    check_constant_rate("poisson", &mut Poisson::new(stream(42, Stream::Input), 64, 20));
}

#[test]
fn per_step_bernoulli_reference_has_its_rate_and_dead_time() {
    check_constant_rate("bernoulli", &mut Bernoulli::new(stream(42, Stream::Input)));
}

/// Under the protocol's schedule (50 ms of image rates, 50 ms of silence, rates changing every
/// presentation) the two sources give the same distribution of spike counts per window and of
/// the time of the first spike after a window starts (where the dead time carries over).
#[test]
fn skipping_matches_the_per_step_reference_under_switching_rates() {
    let n_in = 16;
    let windows = 4000;
    let rates = |win: u64| -> Vec<f64> {
        if win % 2 == 1 {
            return vec![0.0; n_in];
        }
        // a different pattern of 0..250 Hz for each presentation, the same for both sources
        (0..n_in).map(|k| ((k as u64 * 7 + win / 2 * 3) % 17) as f64 / 16.0 * 250.0).collect()
    };
    let a = simulate(&mut Poisson::new(stream(5, Stream::Input), n_in, 20), n_in, windows, 500, rates);
    let b = simulate(&mut Bernoulli::new(stream(6, Stream::Input)), n_in, windows, 500, rates);
    // Counts per (presentation, input), grouped by rate level: compare means with a z-test.
    let counts = |spikes: &[(u64, u32)]| {
        let mut c = vec![0u32; windows as usize * n_in];
        for &(n, k) in spikes {
            c[(n / 500) as usize * n_in + k as usize] += 1;
        }
        c
    };
    let (ca, cb) = (counts(&a), counts(&b));
    for level in 1..17u64 {
        let pick = |c: &[u32]| -> Vec<f64> {
            (0..windows)
                .step_by(2)
                .flat_map(|win| (0..n_in).map(move |k| (win, k)))
                .filter(|&(win, k)| (k as u64 * 7 + win / 2 * 3) % 17 == level)
                .map(|(win, k)| c[win as usize * n_in + k] as f64)
                .collect()
        };
        let (xa, xb) = (pick(&ca), pick(&cb));
        let w = harness::stats::welch(&xa, &xb, 0.999);
        assert!(w.diff.abs() <= w.half_width, "level {level}: mean count differs by {} (± {})", w.diff, w.half_width);
        let (va, vb) = (harness::stats::sd(&xa).powi(2), harness::stats::sd(&xb).powi(2));
        assert!((va / vb - 1.0).abs() < 0.15, "level {level}: count variance {va} vs {vb}");
    }
    // Nothing fires in rests, for either.
    assert!(a.iter().chain(&b).all(|&(n, _)| (n / 500) % 2 == 0));
    // ISI histograms (within presentations) agree: chi-square over bins 20..=80 and a tail.
    let hist = |s: &[(u64, u32)]| {
        let mut h = vec![0f64; 62];
        for isi in intervals(s, n_in).into_iter().filter(|&x| x < 500) {
            h[(isi.clamp(20, 81) - 20) as usize] += 1.0;
        }
        h
    };
    let (ha, hb) = (hist(&a), hist(&b));
    let (na, nb) = (ha.iter().sum::<f64>(), hb.iter().sum::<f64>());
    let chi2: f64 = ha
        .iter()
        .zip(&hb)
        .filter(|(x, y)| *x + *y > 0.0)
        .map(|(x, y)| {
            let (ex, ey) = ((x + y) * na / (na + nb), (x + y) * nb / (na + nb));
            (x - ex).powi(2) / ex + (y - ey).powi(2) / ey
        })
        .sum();
    // 61 degrees of freedom: the 99.9% quantile is about 100.9
    println!("ISI histogram chi-square {chi2:.1} on 61 df ({na} vs {nb} intervals)");
    assert!(chi2 < 100.9, "ISI histograms differ: chi-square {chi2}");
}

#[test]
fn inputs_at_zero_rate_never_fire() {
    let spikes =
        simulate(&mut Poisson::new(stream(1, Stream::Input), 4, 20), 4, 1, 10_000, |_| vec![0.0, 250.0, 0.0, 0.0]);
    assert!(!spikes.is_empty() && spikes.iter().all(|&(_, k)| k == 1));
}
