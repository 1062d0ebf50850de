//! A race's tables: `runs` (every run, racing and validating, with its iteration and seed index),
//! `race` (one row per candidate: its parameters, parent, iteration born, seeds raced, mean test
//! accuracy over them, and what dropped it, with the p-value and where, or whether it is a final
//! elite), `summary` (the final elites over their validation seeds only: the race's own means are
//! biased upward by selection, the validation's are not), `timings`.

use polars::prelude::*;

use super::iterate::History;
use crate::config::params::{self, Param};
use crate::results::journal::RunResult;
use crate::results::schema::{self, *};
use crate::results::summary;
use crate::results::tables::TableError;
use crate::work::Config;

/// The tables of a race.
#[derive(Debug, Clone)]
pub struct RaceTables {
    pub runs: DataFrame,
    pub race: DataFrame,
    pub summary: DataFrame,
    pub timings: DataFrame,
}

impl RaceTables {
    pub fn build(
        results: &[RunResult],
        h: &History,
        configs: &[Config],
        validation: &[(usize, Vec<RunResult>)],
    ) -> Result<RaceTables, TableError> {
        let validated: Vec<RunResult> = validation.iter().flat_map(|(_, rs)| rs.iter().cloned()).collect();
        Ok(RaceTables {
            runs: schema::built(table::RUNS, schema::runs(results))?,
            race: schema::built(table::RACE, race_frame(h, configs))?,
            summary: schema::built(table::SUMMARY, summary::frame(&validated))?,
            timings: schema::built(table::TIMINGS, schema::timings(results))?,
        })
    }

    pub fn named(&self) -> [(&'static str, &DataFrame); 4] {
        [
            (table::RUNS, &self.runs),
            (table::RACE, &self.race),
            (table::SUMMARY, &self.summary),
            (table::TIMINGS, &self.timings),
        ]
    }
}

/// One row per candidate, in the order the race drew them.
pub fn race_frame(h: &History, configs: &[Config]) -> PolarsResult<DataFrame> {
    let config = |id: u64| configs.iter().find(|c| c.id == id).expect("every candidate has a configuration");
    let params: Vec<Vec<(String, Option<Param>)>> = h
        .candidates
        .iter()
        .map(|c| {
            let cfg = config(c.id);
            params::values(&cfg.exp.raw, cfg.exp.factors.n_out)
        })
        .collect();
    let param_refs: Vec<&[(String, Option<Param>)]> = params.iter().map(Vec::as_slice).collect();
    let seeds = |i: usize| h.costs.keys().filter(|(c, _)| *c == i).count() as u64;
    let rank = |i: usize| h.elites.iter().position(|&e| e == i).map(|r| r as u64 + 1);
    let n = h.candidates.len();
    let left = |i: usize| h.candidates[i].left.as_ref();
    let mut cols =
        vec![Column::new(CONFIG_ID.into(), h.candidates.iter().map(|c| format!("{:016x}", c.id)).collect::<Vec<_>>())];
    cols.extend(schema::param_columns(&param_refs));
    cols.extend([
        Column::new(
            PARENT.into(),
            h.candidates.iter().map(|c| c.parent.map(|p| format!("{p:016x}"))).collect::<Vec<_>>(),
        ),
        Column::new(BORN.into(), h.candidates.iter().map(|c| c.born as u64).collect::<Vec<_>>()),
        Column::new(SEEDS.into(), (0..n).map(seeds).collect::<Vec<_>>()),
        Column::new(RACE_MEAN.into(), (0..n).map(|i| h.race_mean(i)).collect::<Vec<_>>()),
        Column::new(ELIMINATED_BY.into(), (0..n).map(|i| left(i).map(|(_, e)| e.by.word())).collect::<Vec<_>>()),
        Column::new(P_VALUE.into(), (0..n).map(|i| left(i).and_then(|(_, e)| e.p_value)).collect::<Vec<_>>()),
        Column::new(
            ELIMINATED_AT_SEED.into(),
            (0..n).map(|i| left(i).map(|(_, e)| u64::from(e.seed_index))).collect::<Vec<_>>(),
        ),
        Column::new(ELIMINATED_IN.into(), (0..n).map(|i| left(i).map(|(it, _)| *it as u64)).collect::<Vec<_>>()),
        Column::new(FINAL_ELITE.into(), (0..n).map(|i| rank(i).is_some()).collect::<Vec<_>>()),
        Column::new(ELITE_RANK.into(), (0..n).map(rank).collect::<Vec<_>>()),
    ]);
    DataFrame::new_infer_height(cols)
}
