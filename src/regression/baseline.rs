//! The committed accuracy baseline (`baselines/*.csv`): one row per case with its mean test
//! accuracy, standard error, replicates and the commit it came from. Written with polars; read
//! strictly, so that a damaged baseline stops the gate instead of passing it.

use std::path::Path;

use polars::prelude::*;

use super::CaseStats;
use crate::fsio::{self, PathError};
use crate::results::schema::{CONFIG_ID, REPLICATES, TEST_ACCURACY, stat_column};
use crate::results::tables::{Format, encode};

/// The baseline's columns.
pub const CASE: &str = "case";
pub const COMMIT: &str = "commit";

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("reading the baseline {} (create it with --update-baseline): {source}", path.display())]
    Missing { path: std::path::PathBuf, source: PathError },
    #[error("{path}: not a baseline table: {message}")]
    Malformed { path: String, message: String },
    #[error("{path}: the baseline has no cases; regenerate it with --update-baseline")]
    Empty { path: String },
    #[error(
        "{path}: not written: case {case} {why}; a baseline records only cases whose every run succeeded with a \
         finite mean and standard error (fix the experiment, then --update-baseline again)"
    )]
    Unfit { path: String, case: String, why: String },
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("writing the baseline: {0}")]
    Polars(#[from] PolarsError),
}

/// The baseline table of `cases`, recording `commit`.
pub fn frame(cases: &[CaseStats], commit: &str) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(CASE.into(), cases.iter().map(|c| c.case.as_str()).collect::<Vec<_>>()),
        Column::new(CONFIG_ID.into(), cases.iter().map(|c| c.config_id.as_str()).collect::<Vec<_>>()),
        Column::new(REPLICATES.into(), cases.iter().map(|c| c.replicates).collect::<Vec<_>>()),
        Column::new(stat_column(TEST_ACCURACY, "mean").into(), cases.iter().map(|c| c.mean).collect::<Vec<_>>()),
        Column::new(stat_column(TEST_ACCURACY, "se").into(), cases.iter().map(|c| c.se).collect::<Vec<_>>()),
        Column::new(COMMIT.into(), vec![commit.to_string(); cases.len()]),
    ])
}

/// Why `c` cannot be a baseline row, if it cannot: what [`read`] would refuse, and failed runs.
fn unfit(c: &CaseStats) -> Option<String> {
    if c.failed > 0 {
        Some(format!("has {} failed run(s)", c.failed))
    } else if !(c.mean.is_finite() && c.se.is_finite() && c.se >= 0.0) {
        Some(format!(
            "has no finite mean and standard error (got {}, {})",
            crate::text::value(c.mean),
            crate::text::value(c.se)
        ))
    } else if c.replicates < 2 {
        Some(format!("has {} successful replicate(s), fewer than 2", c.replicates))
    } else {
        None
    }
}

/// Write the baseline of `cases` to `path` (creating its directory).
pub fn write(path: &Path, cases: &[CaseStats], commit: &str) -> Result<(), BaselineError> {
    if let Some((case, why)) = cases.iter().find_map(|c| unfit(c).map(|why| (c, why))) {
        return Err(BaselineError::Unfit { path: path.display().to_string(), case: case.case.clone(), why });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsio::create_dir_all(dir)?;
    }
    let bytes = encode(&frame(cases, commit)?, Format::Csv)?;
    fsio::write_atomic(path, &bytes)?;
    Ok(())
}

/// Read a baseline CSV: every row must name its case and have whole replicates and a finite
/// mean and standard error.
pub fn read(path: &Path) -> Result<Vec<CaseStats>, BaselineError> {
    let file = path.display().to_string();
    let bytes = fsio::read(path).map_err(|source| BaselineError::Missing { path: path.to_path_buf(), source })?;
    let bad = |message: String| BaselineError::Malformed { path: file.clone(), message };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| bad(e.to_string()))?;
    let column = |name: &str, dtype: DataType| -> Result<Column, BaselineError> {
        let c = df.column(name).map_err(|_| bad(format!("no column `{name}`")))?;
        c.strict_cast(&dtype).map_err(|_| bad(format!("column `{name}` is not {dtype}")))
    };
    let (mean_name, se_name) = (stat_column(TEST_ACCURACY, "mean"), stat_column(TEST_ACCURACY, "se"));
    let case = column(CASE, DataType::String)?;
    let id = column(CONFIG_ID, DataType::String)?;
    let n = column(REPLICATES, DataType::UInt64)?;
    let mean = column(&mean_name, DataType::Float64)?;
    let se = column(&se_name, DataType::Float64)?;
    let (case, id, n, mean, se) = (case.str()?, id.str()?, n.u64()?, mean.f64()?, se.f64()?);
    if df.height() == 0 {
        return Err(BaselineError::Empty { path: file });
    }
    let mut out = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        let row = r + 2; // the header is line 1
        let missing = |col: &str| bad(format!("line {row}: `{col}` is empty"));
        let case = case.get(r).filter(|c| !c.is_empty()).ok_or_else(|| missing(CASE))?;
        let replicates = n.get(r).ok_or_else(|| missing(REPLICATES))?;
        let mean = mean.get(r).ok_or_else(|| missing(&mean_name))?;
        let se = se.get(r).ok_or_else(|| missing(&se_name))?;
        if !(mean.is_finite() && se.is_finite() && se >= 0.0) || replicates < 2 {
            return Err(bad(format!(
                "line {row} ({case}): needs at least 2 replicates and a finite mean and standard error \
                 (got {replicates}, {mean}, {se})"
            )));
        }
        if out.iter().any(|c: &CaseStats| c.case == case) {
            return Err(bad(format!("line {row}: case {case} is listed twice")));
        }
        out.push(CaseStats {
            case: case.to_string(),
            config_id: id.get(r).unwrap_or_default().to_string(),
            replicates,
            failed: 0,
            mean,
            se,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip_error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.csv");
        std::fs::write(&p, text).unwrap();
        read(&p).unwrap_err().to_string()
    }

    const HEADER: &str = "case,config_id,replicates,test_accuracy_mean,test_accuracy_se,commit\n";

    #[test]
    fn a_written_baseline_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/b.csv");
        let c = CaseStats { case: "x=1".into(), config_id: "ab".into(), replicates: 8, failed: 0, mean: 0.9, se: 0.01 };
        write(&p, std::slice::from_ref(&c), "abc").unwrap();
        assert_eq!(read(&p).unwrap(), vec![c.clone()]);
        let unfit = [
            CaseStats { failed: 1, ..c.clone() },
            CaseStats { se: f64::NAN, ..c.clone() },
            CaseStats { mean: f64::INFINITY, ..c.clone() },
            CaseStats { replicates: 1, ..c.clone() },
        ];
        for bad in unfit {
            let e = write(&p, &[c.clone(), bad.clone()], "abc").unwrap_err().to_string();
            assert!(e.contains("not written: case x=1"), "{e}");
            assert_eq!(read(&p).unwrap(), vec![c.clone()], "the earlier baseline is intact after {bad:?}");
        }
    }

    #[test]
    fn damaged_baselines_are_errors_that_say_what() {
        assert!(roundtrip_error(HEADER).contains("has no cases"));
        assert!(roundtrip_error(&format!("{HEADER}a,x,64,0.9,,c\n")).contains("`test_accuracy_se` is empty"));
        assert!(roundtrip_error(&format!("{HEADER}a,x,64,0.9,NaN,c\n")).contains("finite mean and standard error"));
        assert!(roundtrip_error(&format!("{HEADER}a,x,1,0.9,0.1,c\n")).contains("at least 2 replicates"));
        assert!(roundtrip_error(&format!("{HEADER}a,x,8,0.9,0.1,c\na,x,8,0.9,0.1,c\n")).contains("listed twice"));
        assert!(roundtrip_error("case,replicates\na,3\n").contains("no column `config_id`"));
        assert!(roundtrip_error(&format!("{HEADER}a,x,many,0.9,0.1,c\n")).contains("`replicates` is not"));
        let e = read(Path::new("/nonexistent/b.csv")).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/b.csv") && e.contains("--update-baseline"), "{e}");
    }
}
