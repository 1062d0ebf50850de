//! The summary table: one row per configuration, in the order of first appearance in the runs,
//! with its parameters, how many replicates succeeded and failed, and for each summarised metric
//! the [`Describe`] of its successful runs (mean, sd, standard error, 95% CI).
//!
//! It is computed from the runs (the journal's results, or a `runs` table read back), by
//! [`crate::stats::describe()`] alone, and read back as [`SummaryRow`]s by everything that shows a
//! summary (the end of a sweep, `merge`, the report): no statistic is computed twice.

use std::collections::HashMap;

use polars::prelude::*;

use super::cells::{Cell, cells};
use super::journal::{Param, RunResult};
use super::schema::{self, CONFIG_ID, FAILED, REPLICATES, STATS, SUMMARY_METRICS, stat_column};
use crate::stats::{Describe, describe};

/// One configuration's runs, in the work's order.
struct Group<'a> {
    config_id: &'a str,
    params: &'a [(String, Option<Param>)],
    runs: Vec<&'a RunResult>,
}

fn groups(results: &[RunResult]) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for r in schema::in_order(results) {
        let i = *at.entry(r.config_id.as_str()).or_insert_with(|| {
            out.push(Group { config_id: &r.config_id, params: &r.params, runs: Vec::new() });
            out.len() - 1
        });
        out[i].runs.push(r);
    }
    out
}

/// The value of summarised metric `name` in a run.
fn metric(r: &RunResult, name: &str) -> Option<f64> {
    schema::METRICS.iter().find(|(n, _)| *n == name).and_then(|(_, f)| f(r))
}

/// The summary of `results` (any order; one per position).
pub fn frame(results: &[RunResult]) -> PolarsResult<DataFrame> {
    let groups = groups(results);
    let mut cols = vec![Column::new(CONFIG_ID.into(), groups.iter().map(|g| g.config_id).collect::<Vec<_>>())];
    let params: Vec<&[(String, Option<Param>)]> = groups.iter().map(|g| g.params).collect();
    cols.extend(schema::param_columns(&params));
    let described: Vec<Vec<Describe>> = groups
        .iter()
        .map(|g| SUMMARY_METRICS.iter().map(|m| describe(g.runs.iter().filter_map(|r| metric(r, m)))).collect())
        .collect();
    // `replicates` counts the runs with a test accuracy (the successful ones).
    cols.push(Column::new(REPLICATES.into(), described.iter().map(|d| d[0].n).collect::<Vec<u64>>()));
    cols.push(Column::new(
        FAILED.into(),
        groups.iter().map(|g| g.runs.iter().filter(|r| !r.ok()).count() as u64).collect::<Vec<u64>>(),
    ));
    for (k, m) in SUMMARY_METRICS.iter().enumerate() {
        // Standard error and interval over the successful replicates of the test metric's count
        // (the two accuracies are present together).
        cols.extend(stat_columns(m, described.iter().map(|d| &d[k])));
    }
    // Each checkpoint's test accuracy, over the runs that measured it.
    for n in schema::checkpoints(results) {
        let described: Vec<Describe> =
            groups.iter().map(|g| describe(g.runs.iter().filter_map(|r| schema::at_checkpoint(r, n)))).collect();
        cols.extend(stat_columns(&schema::checkpoint_column(n), described.iter()));
    }
    DataFrame::new_infer_height(cols)
}

/// The [`STATS`] columns of `metric`, one value per configuration.
fn stat_columns<'a>(metric: &str, described: impl Iterator<Item = &'a Describe> + Clone) -> Vec<Column> {
    let stat = |f: fn(&Describe) -> Option<f64>| described.clone().map(f).collect::<Vec<_>>();
    let values: [Vec<Option<f64>>; 5] = [
        stat(|d| d.mean),
        stat(|d| d.sd),
        stat(|d| d.se),
        stat(|d| d.ci95.map(|c| c.0)),
        stat(|d| d.ci95.map(|c| c.1)),
    ];
    STATS.iter().zip(values).map(|(s, v)| Column::new(stat_column(metric, s).into(), v)).collect()
}

/// A summary row as read back: what tables and reports show.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub config_id: String,
    /// The values of the requested columns (e.g. the swept axes), in their order.
    pub shown: Vec<Cell>,
    pub replicates: u64,
    pub failed: u64,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

/// Read a summary frame's rows, with the values of columns `show` (absent columns read `-`).
pub fn rows(summary: &DataFrame, show: &[String]) -> Vec<SummaryRow> {
    let text = |name: &str| cells(summary, name);
    let ids = text(CONFIG_ID).unwrap_or_default();
    let f64s = |name: &str| -> Vec<Option<f64>> {
        summary.column(name).ok().and_then(|c| c.f64().ok().map(|c| c.iter().collect())).unwrap_or_default()
    };
    let u64s = |name: &str| -> Vec<u64> {
        summary
            .column(name)
            .ok()
            .and_then(|c| c.u64().ok().map(|c| c.iter().map(|x| x.unwrap_or(0)).collect()))
            .unwrap_or_default()
    };
    let shown: Vec<Vec<Cell>> = show.iter().map(|c| text(c).unwrap_or_default()).collect();
    let (n, failed) = (u64s(REPLICATES), u64s(FAILED));
    let mean = f64s(&stat_column(schema::TEST_ACCURACY, "mean"));
    let lo = f64s(&stat_column(schema::TEST_ACCURACY, "ci95_low"));
    let hi = f64s(&stat_column(schema::TEST_ACCURACY, "ci95_high"));
    let dash = Cell { text: "-".into(), number: None, float: false };
    (0..summary.height())
        .map(|r| SummaryRow {
            config_id: ids.get(r).map(|c| c.text.clone()).unwrap_or_default(),
            shown: shown.iter().map(|col| col.get(r).cloned().unwrap_or_else(|| dash.clone())).collect(),
            replicates: n.get(r).copied().unwrap_or(0),
            failed: failed.get(r).copied().unwrap_or(0),
            mean: mean.get(r).copied().flatten(),
            ci95: lo.get(r).copied().flatten().zip(hi.get(r).copied().flatten()),
        })
        .collect()
}

/// Rows best first by mean test accuracy; rows without one last; ties in table order.
pub fn ranked(mut rows: Vec<SummaryRow>) -> Vec<SummaryRow> {
    rows.sort_by(|a, b| match (a.mean, b.mean) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    rows
}

/// The best `k` configurations by mean test accuracy, as a text table showing columns `axes`.
pub fn top_table(summary: &DataFrame, axes: &[String], k: usize) -> String {
    let rows = ranked(rows(summary, axes));
    let mut header = vec!["rank".to_string(), CONFIG_ID.to_string()];
    header.extend(axes.iter().cloned());
    header.extend(["test acc".into(), "95% CI".into(), "n".into()]);
    let mut table = vec![header];
    for (rank, r) in rows.iter().filter(|r| r.mean.is_some()).take(k).enumerate() {
        let mut line = vec![(rank + 1).to_string(), r.config_id.clone()];
        line.extend(r.shown.iter().map(Cell::shown));
        line.push(format!("{:.4}", r.mean.unwrap_or(f64::NAN)));
        line.push(r.ci95.map_or("-".into(), |(lo, hi)| format!("[{lo:.4}, {hi:.4}]")));
        line.push(r.replicates.to_string());
        table.push(line);
    }
    crate::text::table(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(index: usize, config: &str, acc: Option<f64>) -> RunResult {
        RunResult {
            index,
            run_id: format!("{config}-{index}"),
            config_id: config.into(),
            replicate: index as u64,
            seed: index as u64,
            params: vec![("lr".into(), Some(Param::Float(if config == "a" { 0.1 } else { 0.2 })))],
            error: acc.is_none().then(|| "diverged".to_string()),
            train_accuracy: acc,
            test_accuracy: acc,
            train_presentations: 10,
            test_presentations: 4,
            input_spikes_train: 0,
            input_spikes_test: 0,
            output_spikes_train: 0,
            output_spikes_test: 0,
            checkpoints: Vec::new(),
            wall_s: 0.0,
            race: None,
        }
    }

    /// By hand: config a has 0.5, 0.75, 1.0 (mean 0.75, sd 0.25, se 0.25/sqrt 3) and a failed
    /// run; config b, listed first by position, has one run (no sd).
    #[test]
    fn one_row_per_configuration_in_run_order_with_its_statistics() {
        let results = [
            run(3, "a", Some(0.75)),
            run(0, "b", Some(0.5)),
            run(1, "a", Some(0.5)),
            run(2, "a", None),
            run(4, "a", Some(1.0)),
        ];
        let df = frame(&results).unwrap();
        let col = |name: &str| df.column(name).unwrap().clone();
        let texts = |name: &str| cells(&df, name).unwrap().into_iter().map(|c| c.text).collect::<Vec<_>>();
        assert_eq!(texts(CONFIG_ID), ["b", "a"]);
        assert_eq!(texts(REPLICATES), ["1", "3"]);
        assert_eq!(texts(FAILED), ["0", "1"]);
        let stat = |s: &str| col(&stat_column("test_accuracy", s)).f64().unwrap().get(1).unwrap();
        assert_eq!(stat("mean"), 0.75);
        assert!((stat("sd") - 0.25).abs() < 1e-15);
        assert!((stat("se") - 0.25 / 3f64.sqrt()).abs() < 1e-15);
        // t(0.975, 2) = 4.302653: the interval is mean -/+ t se.
        let half = 4.302_652_729_911_275 * 0.25 / 3f64.sqrt();
        assert!((stat("ci95_low") - (0.75 - half)).abs() < 1e-9, "{}", stat("ci95_low"));
        assert!((stat("ci95_high") - (0.75 + half)).abs() < 1e-9);
        assert_eq!(col(&stat_column("test_accuracy", "sd")).f64().unwrap().get(0), None, "one replicate has no sd");
    }
}
