//! Step 2 of [`super::iterate`]: the candidates of an iteration.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::{Candidate, Evaluator, History, MAX_DRAWS, SAMPLE_TAG, elite};
use crate::race::density::{Ratio, best_of};
use crate::race::model::{Elite, Model};
use crate::race::settings::Sampler;
use crate::race::space::{Space, Value};
use crate::rng::stream_seed;

/// The candidates of iteration `it` (of `planned`): the elites, then new ones (grid, uniform, or
/// around the elites, filtered by the density ratio with the TPE sampler), each valid and new, so
/// that `n` race; with screening, `widen` times as many as race of those not from the grid. Also
/// how many came from the grid (the first new ones; never screened).
pub(super) fn draw<V: Evaluator>(
    space: &Space,
    seed: u64,
    (it, planned, sampler): (usize, usize, Sampler),
    (n, widen): (usize, usize),
    h: &mut History,
    model: &mut Model,
    v: &mut V,
) -> (Vec<usize>, usize) {
    let mut rng = Pcg64Mcg::seed_from_u64(stream_seed(stream_seed(seed, SAMPLE_TAG), it as u64));
    let mut raced: Vec<usize> = h.elites.clone();
    let new = n - raced.len();
    let from_grid = if it == 1 { space.initial.len().min(new) } else { 0 };
    let drawn = from_grid + (new - from_grid) * widen;
    let es: Vec<Elite> = h.elites.iter().map(|&c| elite(&h.candidates[c])).collect();
    if it > 1 {
        *model = model.update(space, &es, it, planned, new);
    }
    let mut grid = if it == 1 { space.initial.clone().into_iter() } else { Vec::new().into_iter() };
    let mut fresh: Vec<Candidate> = Vec::new();
    let mut unscreened = 0; // the grid's, first
    let known = |id: u64, h: &History, fresh: &[Candidate]| h.candidates.iter().chain(fresh).any(|c| c.id == id);
    let ratio = match sampler {
        Sampler::Tpe if it > 1 => {
            let values: Vec<&[Value]> = h.candidates.iter().map(|c| c.values.as_slice()).collect();
            Ratio::fit(&space.params, &values, &h.costs)
        }
        _ => None,
    };
    'next: while fresh.len() < drawn {
        for _ in 0..MAX_DRAWS {
            let (parent, values, gridded) = match grid.next() {
                Some(partial) => (
                    None,
                    partial.iter().zip(&space.params).map(|(v, p)| v.unwrap_or_else(|| p.uniform(&mut rng))).collect(),
                    true,
                ),
                None if it == 1 => (None, space.params.iter().map(|p| p.uniform(&mut rng)).collect::<Vec<_>>(), false),
                None => {
                    let (p, v) = best_of(ratio.as_ref(), &space.params, || model.sample(space, &es, &mut rng));
                    (Some(p), v, false)
                }
            };
            if let Some(id) = v.identify(&values)
                && !known(id, h, &fresh)
            {
                fresh.push(Candidate { id, values, parent, born: it, left: None });
                unscreened += usize::from(gridded);
                continue 'next;
            }
        }
        break; // the space is exhausted (or nothing valid is drawn): race fewer candidates
    }
    for c in fresh {
        h.candidates.push(c);
        raced.push(h.candidates.len() - 1);
    }
    (raced, unscreened)
}
