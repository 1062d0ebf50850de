//! The tables of a results directory, and the one home of their column names.
//!
//! | table | one row per | columns |
//! | --- | --- | --- |
//! | `runs` | run, in the work's order | `run_id`, `config_id`, `replicate`, `seed`, (races: `iteration`, `seed_index`, `phase`), every parameter, `status`, `error`, the [`METRICS`], the [`COUNTS`], (with checkpoints: `test_accuracy_at_<n>` for each, [`checkpoint_column`]) |
//! | `summary` | configuration | `config_id`, every parameter, `replicates`, `failed`, and `<m>_<s>` for `m` in [`SUMMARY_METRICS`] (then each checkpoint's column) and `s` in [`STATS`] |
//! | `timings` | run | `run_id`, `wall_s` |
//! | `race` (races) | candidate | `config_id`, every parameter, `parent`, `born`, `seeds`, `race_test_accuracy_mean`, `eliminated_by`, `p_value`, `eliminated_at_seed_index`, `eliminated_in_iteration`, `final_elite`, `elite_rank` |
//!
//! The runs table holds only what a run determines (no wall time: that goes to the timings
//! table), so the same work gives the same bytes whatever the thread count, the order runs
//! finished in, interruptions or sharding.

use polars::prelude::*;

use super::journal::{Param, RunResult};
use crate::config::params;

/// The tables of a results directory, by name (their files: `<name>.parquet`, `<name>.csv`).
pub mod table {
    pub const RUNS: &str = "runs";
    pub const SUMMARY: &str = "summary";
    pub const RACE: &str = "race";
    pub const TIMINGS: &str = "timings";
}

/// A table as built, or the error that names it: the one path of table-building errors.
pub fn built(table: &'static str, r: PolarsResult<DataFrame>) -> Result<DataFrame, super::tables::TableError> {
    r.map_err(|source| super::tables::TableError::Build { table, source })
}

pub const RUN_ID: &str = "run_id";
pub const CONFIG_ID: &str = "config_id";
pub const REPLICATE: &str = "replicate";
pub const SEED: &str = "seed";
pub const ITERATION: &str = "iteration";
pub const SEED_INDEX: &str = "seed_index";
pub const PHASE: &str = "phase";
pub const STATUS: &str = "status";
pub const ERROR: &str = "error";
pub const TRAIN_ACCURACY: &str = "train_accuracy";
pub const TEST_ACCURACY: &str = "test_accuracy";
pub const REPLICATES: &str = "replicates";
pub const FAILED: &str = "failed";
pub const WALL_S: &str = "wall_s";
pub const PRESENTATIONS_TRAIN: &str = "presentations_train";

/// The `race` table's columns (one row per candidate a race drew; see [`crate::race::tables`]).
pub const PARENT: &str = "parent";
pub const BORN: &str = "born";
pub const SEEDS: &str = "seeds";
pub const RACE_MEAN: &str = "race_test_accuracy_mean";
pub const ELIMINATED_BY: &str = "eliminated_by";
pub const P_VALUE: &str = "p_value";
pub const ELIMINATED_AT_SEED: &str = "eliminated_at_seed_index";
pub const ELIMINATED_IN: &str = "eliminated_in_iteration";
pub const FINAL_ELITE: &str = "final_elite";
pub const ELITE_RANK: &str = "elite_rank";

/// `status` of a run that finished with results, and of one that failed.
pub const OK: &str = "ok";
pub const FAILED_STATUS: &str = "failed";
/// `phase` of a race run: racing, or validating the final elites on fresh seeds.
pub const RACING: &str = "race";
pub const VALIDATION: &str = "validation";
/// A race's cheap runs before its candidates race (`[race] screen`).
pub const SCREENING: &str = "screening";

/// A count column: its name and how to read it off a run.
pub type Count = (&'static str, fn(&RunResult) -> u64);
/// A metric column: its name and how to read it off a run (absent for a failed run).
pub type Metric = (&'static str, fn(&RunResult) -> Option<f64>);

/// The counts a run reports, after its two accuracies, in table order.
pub const COUNTS: [Count; 6] = [
    (PRESENTATIONS_TRAIN, |r| r.train_presentations),
    ("presentations_test", |r| r.test_presentations),
    ("input_spikes_train", |r| r.input_spikes_train),
    ("input_spikes_test", |r| r.input_spikes_test),
    ("output_spikes_train", |r| r.output_spikes_train),
    ("output_spikes_test", |r| r.output_spikes_test),
];

/// The accuracies a run reports, in table order.
pub const METRICS: [Metric; 2] = [(TRAIN_ACCURACY, |r| r.train_accuracy), (TEST_ACCURACY, |r| r.test_accuracy)];

/// The metrics the summary describes, in its column order.
pub const SUMMARY_METRICS: [&str; 2] = [TEST_ACCURACY, TRAIN_ACCURACY];

/// The runs-table column of the test accuracy at the checkpoint after `presentations` training
/// presentations, e.g. `test_accuracy_at_250` (a learning curve's point).
pub fn checkpoint_column(presentations: u64) -> String {
    format!("{TEST_ACCURACY}_at_{presentations}")
}

/// The training presentations of a checkpoint column (`None`: not one).
pub fn checkpoint_of(column: &str) -> Option<u64> {
    let n: u64 = column.strip_prefix(TEST_ACCURACY)?.strip_prefix("_at_")?.parse().ok()?;
    (checkpoint_column(n) == column).then_some(n)
}

/// Every checkpoint that any of `runs` measured, increasing: the checkpoint columns.
pub fn checkpoints<'a>(runs: impl IntoIterator<Item = &'a RunResult>) -> Vec<u64> {
    let all: std::collections::BTreeSet<u64> =
        runs.into_iter().flat_map(|r| r.checkpoints.iter().map(|c| c.0)).collect();
    all.into_iter().collect()
}

/// Run `r`'s test accuracy at the checkpoint after `presentations` (`None`: not measured).
pub fn at_checkpoint(r: &RunResult, presentations: u64) -> Option<f64> {
    r.checkpoints.iter().find(|c| c.0 == presentations).map(|c| c.1)
}

/// The statistics of each summarised metric, in column order.
pub const STATS: [&str; 5] = ["mean", "sd", "se", "ci95_low", "ci95_high"];

/// The summary column of statistic `stat` of `metric`, e.g. `test_accuracy_mean`.
pub fn stat_column(metric: &str, stat: &str) -> String {
    format!("{metric}_{stat}")
}

/// The parameter columns, in table order.
pub fn param_names() -> Vec<&'static str> {
    params::all().into_iter().map(|(_, n)| n).collect()
}

/// Results in the work's order, one per position (the first of any duplicates).
pub fn in_order(results: &[RunResult]) -> Vec<&RunResult> {
    let mut v: Vec<&RunResult> = results.iter().collect();
    v.sort_by_key(|r| r.index);
    v.dedup_by_key(|r| r.index);
    v
}

/// A parameter column: typed by its values (text if any is text, else float if any is a float,
/// else boolean, else whole number), or by its default when no run gives it a value.
pub fn param_column(name: &str, values: &[Option<&Param>]) -> Column {
    let default = params::default_kind(name);
    let kind = |f: fn(&Param) -> bool| {
        values.iter().flatten().any(|p| f(p)) || (values.iter().all(Option::is_none) && f(&default))
    };
    if kind(|p| matches!(p, Param::Text(_))) {
        let v: Vec<Option<String>> = values
            .iter()
            .map(|p| {
                p.map(|p| match p {
                    Param::Text(s) => s.clone(),
                    Param::Bool(b) => b.to_string(),
                    Param::Int(i) => i.to_string(),
                    Param::Float(x) => x.to_string(),
                })
            })
            .collect();
        Column::new(name.into(), v)
    } else if kind(|p| matches!(p, Param::Float(_))) {
        let v: Vec<Option<f64>> = values
            .iter()
            .map(|p| match p {
                Some(Param::Float(x)) => Some(*x),
                Some(Param::Int(i)) => Some(*i as f64),
                _ => None,
            })
            .collect();
        Column::new(name.into(), v)
    } else if kind(|p| matches!(p, Param::Bool(_))) {
        let v: Vec<Option<bool>> =
            values.iter().map(|p| if let Some(Param::Bool(b)) = p { Some(*b) } else { None }).collect();
        Column::new(name.into(), v)
    } else {
        let v: Vec<Option<i64>> =
            values.iter().map(|p| if let Some(Param::Int(i)) = p { Some(*i) } else { None }).collect();
        Column::new(name.into(), v)
    }
}

/// The parameter columns of some results (`rows[i]` gives row `i`'s parameters).
pub fn param_columns(rows: &[&[(String, Option<Param>)]]) -> Vec<Column> {
    param_names()
        .iter()
        .map(|name| {
            let values: Vec<Option<&Param>> =
                rows.iter().map(|ps| ps.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_ref())).collect();
            param_column(name, &values)
        })
        .collect()
}

/// One row per run, in the work's order.
pub fn runs(results: &[RunResult]) -> PolarsResult<DataFrame> {
    let rs = in_order(results);
    let u64s =
        |name: &str, f: fn(&RunResult) -> u64| Column::new(name.into(), rs.iter().map(|r| f(r)).collect::<Vec<u64>>());
    let mut cols = vec![
        Column::new(RUN_ID.into(), rs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>()),
        Column::new(CONFIG_ID.into(), rs.iter().map(|r| r.config_id.as_str()).collect::<Vec<_>>()),
        u64s(REPLICATE, |r| r.replicate),
        u64s(SEED, |r| r.seed),
    ];
    if rs.iter().any(|r| r.race.is_some()) {
        let tag = |r: &RunResult| {
            r.race.unwrap_or(crate::results::journal::RaceTag {
                iteration: 0,
                seed_index: 0,
                validation: false,
                screen: None,
            })
        };
        cols.push(Column::new(ITERATION.into(), rs.iter().map(|r| u64::from(tag(r).iteration)).collect::<Vec<_>>()));
        cols.push(Column::new(SEED_INDEX.into(), rs.iter().map(|r| u64::from(tag(r).seed_index)).collect::<Vec<_>>()));
        cols.push(Column::new(
            PHASE.into(),
            rs.iter()
                .map(|r| match tag(r) {
                    t if t.validation => VALIDATION,
                    t if t.screen.is_some() => SCREENING,
                    _ => RACING,
                })
                .collect::<Vec<_>>(),
        ));
    }
    let params: Vec<&[(String, Option<Param>)]> = rs.iter().map(|r| r.params.as_slice()).collect();
    cols.extend(param_columns(&params));
    cols.push(Column::new(
        STATUS.into(),
        rs.iter().map(|r| if r.ok() { OK } else { FAILED_STATUS }).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(ERROR.into(), rs.iter().map(|r| r.error.as_deref()).collect::<Vec<_>>()));
    for (name, f) in METRICS {
        cols.push(Column::new(name.into(), rs.iter().map(|r| f(r)).collect::<Vec<_>>()));
    }
    for (name, f) in COUNTS {
        cols.push(u64s(name, f));
    }
    for n in checkpoints(rs.iter().copied()) {
        cols.push(Column::new(checkpoint_column(n).into(), rs.iter().map(|r| at_checkpoint(r, n)).collect::<Vec<_>>()));
    }
    DataFrame::new_infer_height(cols)
}

/// Wall time per run, in the work's order.
pub fn timings(results: &[RunResult]) -> PolarsResult<DataFrame> {
    let rs = in_order(results);
    DataFrame::new_infer_height(vec![
        Column::new(RUN_ID.into(), rs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>()),
        Column::new(WALL_S.into(), rs.iter().map(|r| r.wall_s).collect::<Vec<_>>()),
    ])
}
