//! Writing a results directory's tables, and the end-of-sweep report.

use std::path::Path;

use polars::prelude::*;

use super::journal::Record;
use super::tables::{self, Format};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("building the tables: {0}")]
    Polars(#[from] PolarsError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// The tables of a set of records.
pub struct Tables {
    pub runs: DataFrame,
    pub summary: DataFrame,
    pub timings: DataFrame,
}

impl Tables {
    pub fn build(records: &[Record]) -> Result<Tables, OutputError> {
        let ordered = tables::in_order(records);
        let runs = tables::runs(&ordered)?;
        let summary = tables::summary(&runs, &tables::param_names(&ordered))?;
        let timings = tables::timings(&ordered)?;
        Ok(Tables { runs, summary, timings })
    }

    /// Write `runs`, `summary` and `timings` as Parquet and CSV into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        for (name, df) in [("runs", &self.runs), ("summary", &self.summary), ("timings", &self.timings)] {
            for format in [Format::Parquet, Format::Csv] {
                let bytes = tables::encode(df, format)?;
                let path = dir.join(format!("{name}.{}", format.extension()));
                tables::write_atomic(&path, &bytes)
                    .map_err(|source| OutputError::Io { path: path.display().to_string(), source })?;
            }
        }
        Ok(())
    }
}

fn cell(df: &DataFrame, col: &str, row: usize) -> String {
    match df.column(col).and_then(|c| c.get(row)) {
        Ok(AnyValue::Float64(x)) if x != 0.0 && x.abs() < 0.01 => format!("{x:.3e}"),
        Ok(AnyValue::Float64(x)) => format!("{:.4}", x).trim_end_matches('0').trim_end_matches('.').to_string(),
        Ok(AnyValue::Null) => "-".into(),
        Ok(AnyValue::String(s)) => s.to_string(),
        Ok(AnyValue::StringOwned(s)) => s.to_string(),
        Ok(v) => v.to_string(),
        Err(_) => "?".into(),
    }
}

fn float(df: &DataFrame, col: &str, row: usize) -> Option<f64> {
    df.column(col).ok()?.f64().ok()?.get(row)
}

/// The best `k` configurations by mean test accuracy, as a text table showing the swept axes.
pub fn top_table(summary: &DataFrame, axes: &[String], k: usize) -> String {
    let mut rows: Vec<usize> =
        (0..summary.height()).filter(|&r| float(summary, "test_accuracy_mean", r).is_some()).collect();
    rows.sort_by(|&a, &b| {
        let (x, y) = (float(summary, "test_accuracy_mean", a), float(summary, "test_accuracy_mean", b));
        y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
    });
    let mut header = vec!["rank".to_string(), "config_id".to_string()];
    header.extend(axes.iter().cloned());
    header.extend(["test acc".into(), "95% CI".into(), "n".into()]);
    let mut table = vec![header];
    for (rank, &r) in rows.iter().take(k).enumerate() {
        let mut line = vec![(rank + 1).to_string(), cell(summary, "config_id", r)];
        line.extend(axes.iter().map(|a| cell(summary, a, r)));
        let mean = float(summary, "test_accuracy_mean", r).unwrap_or(f64::NAN);
        line.push(format!("{mean:.4}"));
        line.push(match (float(summary, "test_accuracy_ci95_low", r), float(summary, "test_accuracy_ci95_high", r)) {
            (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
            _ => "-".into(),
        });
        line.push(cell(summary, "replicates", r));
        table.push(line);
    }
    crate::text::table(&table)
}

/// Failed runs grouped by error, most frequent first.
pub fn failures(records: &[Record]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for e in records.iter().filter_map(|r| r.error.as_ref()) {
        match counts.iter_mut().find(|(m, _)| m == e) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.clone(), 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}
