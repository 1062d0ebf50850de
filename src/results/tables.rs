//! Tables from journal records, with polars: one row per run, one row per configuration.
//! Producing a table is separate from writing it: [`encode`] returns bytes, [`write_atomic`]
//! puts them in place without ever leaving a half-written file behind.
//!
//! The runs table holds only what a run determines (no wall time: that goes to the timings
//! table), so the same sweep gives the same bytes whatever the thread count, the order runs
//! finished in, interruptions or sharding.

use std::path::Path;

use polars::prelude::*;

use super::journal::{Param, Record};
use crate::stats::t_quantile;

/// The file formats written for every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

/// Records in sweep order, one per run index (the first of any duplicates).
pub fn in_order(records: &[Record]) -> Vec<Record> {
    let mut v = records.to_vec();
    v.sort_by_key(|r| r.index);
    v.dedup_by_key(|r| r.index);
    v
}

fn param_column(name: &str, values: Vec<Option<&Param>>) -> Column {
    let any = |f: fn(&Param) -> bool| values.iter().flatten().any(|p| f(p));
    if any(|p| matches!(p, Param::Text(_))) {
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
    } else if any(|p| matches!(p, Param::Float(_))) {
        let v: Vec<Option<f64>> = values
            .iter()
            .map(|p| match p {
                Some(Param::Float(x)) => Some(*x),
                Some(Param::Int(i)) => Some(*i as f64),
                _ => None,
            })
            .collect();
        Column::new(name.into(), v)
    } else if any(|p| matches!(p, Param::Bool(_))) {
        let v: Vec<Option<bool>> =
            values.iter().map(|p| if let Some(Param::Bool(b)) = p { Some(*b) } else { None }).collect();
        Column::new(name.into(), v)
    } else {
        let v: Vec<Option<i64>> =
            values.iter().map(|p| if let Some(Param::Int(i)) = p { Some(*i) } else { None }).collect();
        Column::new(name.into(), v)
    }
}

/// Names of the parameter columns, in the records' order.
pub fn param_names(records: &[Record]) -> Vec<String> {
    records.first().map(|r| r.params.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default()
}

/// One row per run, in sweep order.
pub fn runs(records: &[Record]) -> PolarsResult<DataFrame> {
    let rs = in_order(records);
    let u64s = |name: &str, f: fn(&Record) -> u64| Column::new(name.into(), rs.iter().map(f).collect::<Vec<u64>>());
    let mut cols = vec![
        Column::new("run_id".into(), rs.iter().map(|r| r.run_id.clone()).collect::<Vec<_>>()),
        Column::new("config_id".into(), rs.iter().map(|r| r.config_id.clone()).collect::<Vec<_>>()),
        u64s("replicate", |r| r.replicate),
        u64s("seed", |r| r.seed),
    ];
    for (i, name) in param_names(&rs).iter().enumerate() {
        cols.push(param_column(name, rs.iter().map(|r| r.params.get(i).and_then(|(_, v)| v.as_ref())).collect()));
    }
    cols.extend([
        Column::new(
            "status".into(),
            rs.iter().map(|r| if r.error.is_none() { "ok" } else { "failed" }).collect::<Vec<_>>(),
        ),
        Column::new("error".into(), rs.iter().map(|r| r.error.clone()).collect::<Vec<_>>()),
        Column::new("train_accuracy".into(), rs.iter().map(|r| r.train_accuracy).collect::<Vec<_>>()),
        Column::new("test_accuracy".into(), rs.iter().map(|r| r.test_accuracy).collect::<Vec<_>>()),
        u64s("presentations_train", |r| r.train_presentations),
        u64s("presentations_test", |r| r.test_presentations),
        u64s("input_spikes_train", |r| r.input_spikes_train),
        u64s("input_spikes_test", |r| r.input_spikes_test),
        u64s("output_spikes_train", |r| r.output_spikes_train),
        u64s("output_spikes_test", |r| r.output_spikes_test),
    ]);
    DataFrame::new_infer_height(cols)
}

/// Wall time per run, in sweep order.
pub fn timings(records: &[Record]) -> PolarsResult<DataFrame> {
    let rs = in_order(records);
    DataFrame::new_infer_height(vec![
        Column::new("run_id".into(), rs.iter().map(|r| r.run_id.clone()).collect::<Vec<_>>()),
        Column::new("wall_s".into(), rs.iter().map(|r| r.wall_s).collect::<Vec<_>>()),
    ])
}

/// One row per configuration (in sweep order): its parameters, replicate counts, and mean,
/// standard deviation, standard error and 95% confidence interval (Student's t, n - 1 degrees of
/// freedom) of test and train accuracy over its successful runs.
pub fn summary(runs: &DataFrame, params: &[String]) -> PolarsResult<DataFrame> {
    let mut aggs: Vec<Expr> = params.iter().map(|p| col(p.as_str()).first()).collect();
    aggs.push(col("test_accuracy").count().cast(DataType::UInt64).alias("replicates"));
    aggs.push(col("error").is_not_null().sum().cast(DataType::UInt64).alias("failed"));
    for m in ["test_accuracy", "train_accuracy"] {
        aggs.push(col(m).mean().alias(format!("{m}_mean")));
        aggs.push(col(m).std(1).alias(format!("{m}_sd")));
    }
    let mut df = runs.clone().lazy().group_by_stable([col("config_id")]).agg(aggs).collect()?;
    let n: Vec<u64> = df.column("replicates")?.u64()?.iter().map(|x| x.unwrap_or(0)).collect();
    for m in ["test_accuracy", "train_accuracy"] {
        let mean: Vec<Option<f64>> = df.column(&format!("{m}_mean"))?.f64()?.iter().collect();
        let sd: Vec<Option<f64>> = df.column(&format!("{m}_sd"))?.f64()?.iter().collect();
        let (mut se, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n.len() {
            let s = match (n[i], mean[i], sd[i]) {
                (k, Some(mu), Some(s)) if k >= 2 && s.is_finite() => {
                    let se = s / (k as f64).sqrt();
                    let half = t_quantile(0.975, (k - 1) as f64) * se;
                    Some((se, mu - half, mu + half))
                }
                _ => None,
            };
            se.push(s.map(|x| x.0));
            lo.push(s.map(|x| x.1));
            hi.push(s.map(|x| x.2));
        }
        df.with_column(Column::new(format!("{m}_se").into(), se))?;
        df.with_column(Column::new(format!("{m}_ci95_low").into(), lo))?;
        df.with_column(Column::new(format!("{m}_ci95_high").into(), hi))?;
    }
    let mut order: Vec<String> = vec!["config_id".into()];
    order.extend(params.iter().cloned());
    order.extend(["replicates".into(), "failed".into()]);
    for m in ["test_accuracy", "train_accuracy"] {
        for s in ["mean", "sd", "se", "ci95_low", "ci95_high"] {
            order.push(format!("{m}_{s}"));
        }
    }
    df.select(order)
}

/// A table's bytes in `format`.
pub fn encode(df: &DataFrame, format: Format) -> PolarsResult<Vec<u8>> {
    let mut df = df.clone();
    let mut buf = Vec::new();
    match format {
        Format::Parquet => {
            ParquetWriter::new(&mut buf).finish(&mut df)?;
        }
        Format::Csv => CsvWriter::new(&mut buf).include_header(true).finish(&mut df)?,
    }
    Ok(buf)
}

/// Write `bytes` to `path` through a temporary file and a rename, so that a crash leaves either
/// the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Read a Parquet file back (for checks and `harness verify`).
pub fn read_parquet(path: &Path) -> PolarsResult<DataFrame> {
    let f = std::fs::File::open(path).map_err(|e| polars_err!(ComputeError: "{}: {e}", path.display()))?;
    ParquetReader::new(f).finish()
}
