//! What one run may allocate and compute, checked when an experiment is resolved so that no value
//! of an experiment file makes a run abort (a failed allocation kills the whole process, and a
//! sweep would die on it again at every resume). The limits are far above any experiment of the
//! notebook's kind and far below what would exhaust a machine:
//!
//! | quantity | limit | why |
//! | --- | --- | --- |
//! | outputs (`classes x neurons_per_class`) | [`MAX_OUTPUTS`] | the lateral weights take `8 n_out^2` bytes (8 MB at the limit) |
//! | synapses (`inputs x outputs`) | [`MAX_SYNAPSES`] | the forward weights take 8 bytes each (80 MB at the limit) |
//! | presentations per phase | [`crate::protocol::MAX_PRESENTATIONS`] | about 24 bytes each per run |
//! | steps per run | [`MAX_STEPS`] | hours of computing per run at the limit, and step counts stay exact |

use super::Problem;

/// The most output neurons a network may have.
pub const MAX_OUTPUTS: usize = 1_000;
/// The most forward synapses (`inputs x outputs`) a network may have.
pub const MAX_SYNAPSES: usize = 10_000_000;
/// The most steps one run may simulate (both phases, presentations and rests).
pub const MAX_STEPS: u64 = 10_000_000_000;

/// Problems with the network's size, for `n_in` inputs and `n_out` outputs.
pub fn check_network(n_in: usize, n_out: usize) -> Vec<Problem> {
    let mut bad = Vec::new();
    if n_out > MAX_OUTPUTS {
        bad.push(Problem::new(
            "protocol.neurons_per_class",
            format!("{n_out} output neurons (classes x neurons_per_class): at most {MAX_OUTPUTS}"),
        ));
    } else if n_in.saturating_mul(n_out) > MAX_SYNAPSES {
        bad.push(Problem::new(
            "data",
            format!("{n_in} inputs x {n_out} outputs = {} synapses: at most {MAX_SYNAPSES}", n_in * n_out),
        ));
    }
    bad
}

/// The steps of a run of `train` presentations of `window_steps` and `test` presentations of
/// `test_window_steps`, each followed by a rest as long; a problem when above [`MAX_STEPS`].
pub fn steps_per_run(window_steps: u64, test_window_steps: u64, train: usize, test: usize) -> Result<u64, Problem> {
    let phase = |n: usize, w: u64| (n as u64).checked_mul(2).and_then(|n| n.checked_mul(w));
    let steps = phase(train, window_steps)
        .zip(phase(test, test_window_steps))
        .and_then(|(a, b)| a.checked_add(b))
        .filter(|&s| s <= MAX_STEPS);
    steps.ok_or_else(|| {
        let key = if test_window_steps > window_steps { "protocol.test_window_ms" } else { "protocol.window_ms" };
        Problem::new(
            key,
            format!(
                "{train} presentations of {window_steps} steps and {test} of {test_window_steps}, each with a rest \
                 as long, are more than {MAX_STEPS} steps in one run"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_at_and_beyond_the_limits() {
        assert!(check_network(64, MAX_OUTPUTS).is_empty());
        assert_eq!(check_network(64, MAX_OUTPUTS + 1)[0].key, "protocol.neurons_per_class");
        assert_eq!(check_network(MAX_SYNAPSES, 2)[0].key, "data");
        assert_eq!(steps_per_run(500, 500, 200, 100), Ok(300_000));
        assert_eq!(steps_per_run(500, 1500, 200, 100), Ok(500_000));
        assert!(steps_per_run(u64::MAX / 2, 500, 2, 2).is_err(), "overflow is a problem, not a wrap");
        assert!(steps_per_run(500, 500, 10_000_000, 1).is_err());
        assert_eq!(steps_per_run(500, u64::MAX / 4, 1, 4).unwrap_err().key, "protocol.test_window_ms");
    }
}
