//! Tables as files, with polars: encoding a frame as Parquet or CSV bytes, and reading them back.
//! Producing a table ([`super::schema`]) is separate from writing it ([`crate::fsio::write_atomic`]
//! puts the bytes in place without ever leaving a half-written file behind).

use std::path::Path;

use polars::prelude::*;

use crate::fsio::{self, PathError};

/// The file formats written for every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Parquet, Format::Csv];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("{path}: {source}")]
    Polars { path: String, source: PolarsError },
    #[error("building the {table} table: {source}")]
    Build { table: &'static str, source: PolarsError },
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

/// Named tables' bytes in `format`, in order (what the Python binding hands over as Parquet).
pub fn encode_named(
    named: &[(&'static str, &DataFrame)],
    format: Format,
) -> PolarsResult<Vec<(&'static str, Vec<u8>)>> {
    named.iter().map(|&(name, df)| encode(df, format).map(|b| (name, b))).collect()
}

/// Write table `name` of `dir` in every format (`name.parquet`, `name.csv`).
pub fn write(dir: &Path, name: &str, df: &DataFrame) -> Result<(), TableError> {
    for format in Format::ALL {
        let path = dir.join(format!("{name}.{}", format.extension()));
        let bytes =
            encode(df, format).map_err(|source| TableError::Polars { path: path.display().to_string(), source })?;
        fsio::write_atomic(&path, &bytes)?;
    }
    Ok(())
}

/// Read a Parquet file.
pub fn read_parquet(path: &Path) -> Result<DataFrame, TableError> {
    let bytes = fsio::read_own(path, fsio::Limit::LARGE)?;
    ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|source| TableError::Polars { path: path.display().to_string(), source })
}
