//! Phase 2's list of the outputs that fire on a step (the test of [`super::step`], phase 2, for
//! outputs), shared by the step and both quiet loops of [`super::advance`].

/// Phase 2's list of the outputs that fire at step `n`: those not refractory (`n >= g_ready`) with
/// `v > hold`, ascending, each made refractory until `n + ref_steps`. The test is computed for 64
/// outputs at a time into a bit mask without a branch (vector compares; a scalar loop with a
/// branch per output cost 8% of a run of 80 outputs), then the set bits are listed.
#[inline(always)]
pub(super) fn list_crossings(n: u64, v: &[f64], hold: &[f64], g_ready: &mut [u64], ref_steps: u64, out: &mut Vec<u32>) {
    let m = v.len();
    let (hold, g_ready) = (&hold[..m], &mut g_ready[..m]);
    let mut base = 0;
    while base < m {
        let len = (m - base).min(64);
        let (v, hold, ready) = (&v[base..base + len], &hold[base..base + len], &g_ready[base..base + len]);
        let mut bits = 0u64;
        for l in 0..len {
            bits |= (((n >= ready[l]) & (v[l] > hold[l])) as u64) << l;
        }
        while bits != 0 {
            let j = base + bits.trailing_zeros() as usize;
            out.push(j as u32);
            g_ready[j] = n + ref_steps;
            bits &= bits - 1;
        }
        base += len;
    }
}
