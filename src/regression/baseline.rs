//! The committed accuracy baseline (`baselines/*.csv`): one row per case with its mean test
//! accuracy, standard error and the commit it came from. Read and written with polars.

use std::path::Path;

use polars::prelude::*;

use super::regression::CaseStats;
use super::space::Sweep;

/// Cases of a sweep's summary table: one per configuration, named by its swept values.
pub fn cases(sweep: &Sweep, summary: &DataFrame) -> PolarsResult<Vec<CaseStats>> {
    let ids = summary.column("config_id")?.str()?.clone();
    let n = summary.column("replicates")?.u64()?.clone();
    let mean = summary.column("test_accuracy_mean")?.f64()?.clone();
    let se = summary.column("test_accuracy_se")?.f64()?.clone();
    let mut out = Vec::new();
    for row in 0..summary.height() {
        let id = ids.get(row).unwrap_or_default().to_string();
        let config = sweep.configs.iter().find(|c| c.id_hex() == id);
        let case = match config {
            Some(c) if !c.swept.is_empty() => c
                .swept
                .iter()
                .map(|(k, v)| format!("{k}={}", super::identity::canonical_value(v)))
                .collect::<Vec<_>>()
                .join(" "),
            _ => sweep.name.clone(),
        };
        out.push(CaseStats {
            case,
            config_id: id,
            replicates: n.get(row).unwrap_or(0),
            mean: mean.get(row).unwrap_or(f64::NAN),
            se: se.get(row).unwrap_or(f64::NAN),
        });
    }
    Ok(out)
}

/// The baseline table of `cases`, recording `commit`.
pub fn frame(cases: &[CaseStats], commit: &str) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new("case".into(), cases.iter().map(|c| c.case.clone()).collect::<Vec<_>>()),
        Column::new("config_id".into(), cases.iter().map(|c| c.config_id.clone()).collect::<Vec<_>>()),
        Column::new("replicates".into(), cases.iter().map(|c| c.replicates).collect::<Vec<_>>()),
        Column::new("test_accuracy_mean".into(), cases.iter().map(|c| c.mean).collect::<Vec<_>>()),
        Column::new("test_accuracy_se".into(), cases.iter().map(|c| c.se).collect::<Vec<_>>()),
        Column::new("commit".into(), vec![commit.to_string(); cases.len()]),
    ])
}

/// Read a baseline CSV.
pub fn read(path: &Path) -> PolarsResult<Vec<CaseStats>> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()?;
    let get =
        |name: &str| df.column(name).map_err(|_| polars_err!(ColumnNotFound: "{}: no column `{name}`", path.display()));
    let case = get("case")?.str()?.clone();
    let id = get("config_id")?.str()?.clone();
    let n = get("replicates")?.cast(&DataType::UInt64)?;
    let n = n.u64()?;
    let mean = get("test_accuracy_mean")?.cast(&DataType::Float64)?;
    let se = get("test_accuracy_se")?.cast(&DataType::Float64)?;
    let (mean, se) = (mean.f64()?, se.f64()?);
    Ok((0..df.height())
        .map(|r| CaseStats {
            case: case.get(r).unwrap_or_default().to_string(),
            config_id: id.get(r).unwrap_or_default().to_string(),
            replicates: n.get(r).unwrap_or(0),
            mean: mean.get(r).unwrap_or(f64::NAN),
            se: se.get(r).unwrap_or(f64::NAN),
        })
        .collect())
}
