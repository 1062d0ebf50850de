//! Weight normalisation (Diehl & Cook 2015, "Unsupervised learning of digit recognition using
//! spike-timing-dependent plasticity", Front. Comput. Neurosci. 9:99), an option that the notebook
//! does not have.
//!
//! For each output `j`, with `S` the target sum (`[model] weight_sum`):
//!
//! ```text
//! s_j = w[0][j] + w[1][j] + ... + w[n_in-1][j]      (summed in input order, from w[0][j])
//! w[k][j] = w[k][j] * (S / s_j)                     for every input k, when s_j > 0
//! ```
//!
//! The protocol applies it after every presentation of a plastic phase, at the start of the rest
//! (after the prediction; [`crate::protocol::run_phase`]). There is no clip afterwards (as in
//! Diehl & Cook): a weight may exceed `wmax` until the rule's clip next touches it. An output whose
//! weights are all 0 keeps them. The sum is sequential so that brian2's reference (which sums the
//! same way) gives the same bits.

use super::params::Factors;
use super::state::{State, store_column};

/// Rescale every output's forward weights to sum to `target` (see the module doc).
pub fn normalise(s: &mut State, f: &Factors, target: f64) {
    let (n_in, n_out) = (f.n_in, f.n_out);
    let columns = s.w.as_slice_memory_order_mut().expect("State::w is contiguous");
    for (j, column) in columns.chunks_exact_mut(n_in).take(n_out).enumerate() {
        let sum = column.iter().fold(0.0, |sum, w| sum + w);
        if sum > 0.0 {
            let factor = target / sum;
            for w in column.iter_mut() {
                *w *= factor;
            }
        }
        if !s.w_rows.is_empty() {
            store_column(&mut s.w_rows, column, j, n_out);
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::model::ModelParams;

    fn state(f: &Factors, w: Array2<f64>) -> State {
        let (n_in, n_out) = (f.n_in, f.n_out);
        State::from_parts(
            f,
            vec![0.0; n_in],
            vec![0.0; n_in],
            vec![0.0; n_out],
            vec![0.0; n_out],
            w,
            Array2::zeros((n_out, n_out)),
        )
    }

    /// Bit for bit the plain loop of the module doc, for few outputs and for many (where the
    /// row-major copy must follow), and an all-zero column left alone.
    #[test]
    fn equals_the_plain_loop_and_keeps_the_row_copy() {
        for n_out in [3, 12] {
            let f = ModelParams::default().factors(64, n_out).unwrap();
            let w = Array2::from_shape_fn((64, n_out), |(k, j)| {
                if j == 1 { 0.0 } else { ((k * 7 + j * 13) % 17) as f64 / 17.0 + 1e-3 * j as f64 }
            });
            let mut s = state(&f, w.clone());
            normalise(&mut s, &f, 24.0);
            let mut want = w.clone();
            for j in 0..n_out {
                let mut sum = 0.0;
                for k in 0..64 {
                    sum += w[[k, j]];
                }
                if sum > 0.0 {
                    let factor = 24.0 / sum;
                    for k in 0..64 {
                        want[[k, j]] = w[[k, j]] * factor;
                    }
                }
            }
            let bits = |a: &Array2<f64>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(s.w()), bits(&want), "{n_out} outputs");
            assert!(s.w().column(1).iter().all(|&x| x == 0.0), "an all-zero output stays so");
            let sum0: f64 = s.w().column(0).iter().sum();
            assert!((sum0 - 24.0).abs() < 1e-12, "{sum0}");
            // The row-major copy is what a fresh state built from these weights would hold.
            assert_eq!(s, state(&f, s.w().clone()), "{n_out} outputs: the row-major copy differs");
        }
    }
}
