//! A race's answer: the order of its final elites, the first being the answer (`[race] pick`):
//! `"mean"`, by the mean test accuracy over every seed the race gave each (failed runs last);
//! `"rank"`, irace's order as the last race's test left it.

use super::iterate::History;
use super::settings::Pick;

impl History {
    /// Candidate `c`'s mean test accuracy over the seeds it was raced on (failed runs left out;
    /// `None`: none succeeded), summed in a fixed order so that it does not depend on the map's.
    pub fn race_mean(&self, c: usize) -> Option<f64> {
        let mut xs: Vec<f64> =
            self.costs.iter().filter(|((d, _), v)| *d == c && v.is_finite()).map(|(_, v)| -v).collect();
        xs.sort_by(f64::total_cmp);
        (!xs.is_empty()).then(|| crate::stats::describe(xs).mean).flatten()
    }

    /// Candidate `c`'s failed runs.
    fn failures(&self, c: usize) -> usize {
        self.costs.iter().filter(|((d, _), v)| *d == c && !v.is_finite()).count()
    }

    /// The final elites in the order `pick` says (stable: ties keep the test's order).
    pub(super) fn order_elites(&mut self, pick: Pick) {
        if pick == Pick::Mean {
            let mut keyed: Vec<(usize, usize, f64)> = self
                .elites
                .iter()
                .map(|&c| (c, self.failures(c), self.race_mean(c).unwrap_or(f64::NEG_INFINITY)))
                .collect();
            keyed.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)));
            self.elites = keyed.into_iter().map(|(c, ..)| c).collect();
        }
    }
}
