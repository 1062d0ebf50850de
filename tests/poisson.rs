//! The Poisson input: rate and refractoriness statistics of the per-step Bernoulli source, as the
//! step applies it (brian2's `rand() < rates*dt` with a 2 ms dead time).
//!
//! With spike probability `p` per step and a dead time of `d` steps, an inter-spike interval is
//! `d - 1 + G` with `G ~ Geometric(p)` on 1, 2, ...: mean `d - 1 + 1/p`, variance `(1 - p)/p^2`,
//! never below `d`.

use harness::model::InputSource;
use harness::model::{ModelParams, Observer, Poisson, State, step};
use harness::rng::{Stream, stream};
use ndarray::Array2;

struct Intervals {
    last: Vec<Option<u64>>,
    isi: Vec<u64>,
    count: u64,
}

impl Observer for Intervals {
    fn after_step(&mut self, s: &State) {
        for &k in &s.in_spikes {
            let n = s.step - 1;
            if let Some(m) = self.last[k as usize] {
                self.isi.push(n - m);
            }
            self.last[k as usize] = Some(n);
            self.count += 1;
        }
    }
}

#[test]
fn poisson_inputs_have_the_bernoulli_rate_and_a_twenty_step_dead_time() {
    let n_in = 64;
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
    let rate = 250.0;
    let mut input = Poisson::new(stream(42, Stream::Input));
    input.set_rates(0, &vec![rate; n_in], f.dt_ms);
    let steps = 200_000u64;
    let mut obs = Intervals { last: vec![None; n_in], isi: Vec::new(), count: 0 };
    for _ in 0..steps {
        step(&mut s, &f, false, &mut input, &mut obs);
    }
    let p = rate * f.dt_ms * 1e-3;
    let d = f.ref_steps as f64;
    let (mean_isi, var_isi) = (d - 1.0 + 1.0 / p, (1.0 - p) / (p * p));
    let n = obs.isi.len() as f64;
    let got = obs.isi.iter().sum::<u64>() as f64 / n;
    let se = (var_isi / n).sqrt();
    println!(
        "ISIs: {n} with mean {got:.3} steps (theory {mean_isi:.3} ± {se:.3}); min {}",
        obs.isi.iter().min().unwrap()
    );
    assert_eq!(*obs.isi.iter().min().unwrap(), 20, "no interval below the dead time, and 20 is reached");
    assert!((got - mean_isi).abs() < 4.0 * se, "mean ISI {got} vs {mean_isi} ± {se}");
    let got_var = obs.isi.iter().map(|&x| (x as f64 - got).powi(2)).sum::<f64>() / (n - 1.0);
    assert!((got_var / var_isi - 1.0).abs() < 0.05, "ISI variance {got_var} vs {var_isi}");
    // Count: renewal process with mean interval mean_isi steps.
    let want_count = n_in as f64 * steps as f64 / mean_isi;
    assert!(((obs.count as f64) / want_count - 1.0).abs() < 0.01, "{} spikes vs {want_count}", obs.count);
    // Share of intervals of exactly the dead time is p.
    let at_d = obs.isi.iter().filter(|&&x| x == 20).count() as f64 / n;
    assert!((at_d - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "P(ISI = 20) = {at_d} vs {p}");
}

#[test]
fn inputs_at_zero_rate_never_fire() {
    let f = ModelParams::default().factors(4, 1).unwrap();
    let mut s = State::initial(&f, &mut stream(1, Stream::Init));
    let mut input = Poisson::new(stream(1, Stream::Input));
    input.set_rates(0, &[0.0, 250.0, 0.0, 0.0], f.dt_ms);
    for _ in 0..10_000 {
        step(&mut s, &f, true, &mut input, &mut ());
        assert!(s.in_spikes.iter().all(|&k| k == 1));
    }
}
