//! `report.html`: one self-contained page about a results directory (`harness report DIR`).
//!
//! Everything is read from the directory: `manifest.toml`, `summary.parquet` (the table and the
//! ranking of configurations, as the sweep computed them) and `runs.parquet` (the replicate
//! distributions, and the figures that pool runs over the other axes, described by
//! [`crate::stats::describe()`] as the summary is). The sweep figures are SVG markup embedded
//! directly; the best run's figures (re-run with a [`crate::trace::Trace`], a sample every
//! [`RECORD_EVERY`] steps) are PNGs embedded as base64 data URIs. The page has no scripts and loads
//! nothing, so it opens offline.
//!
//! Element ids, for tools and tests: the table is `summary-table`; figures are `fig-ci-<axis>`
//! (one per swept axis), `fig-heat-<row axis>-<column axis>` (one per pair of grid axes),
//! `fig-best-distribution`, `fig-learning-curves` (runs with `checkpoints`), and
//! `fig-best-run-<name>` for each of [`crate::plot::FIGURES`].

mod best_run;
pub mod html;
mod race;
mod sections;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::fsio::{self, PathError};
use crate::plot::sweep::SweepPlotError;
use crate::results::ResultsError;
use crate::results::cells::{Cell, cells};
use crate::results::lock::LockError;
use crate::results::manifest::{self, Manifest, ManifestError};
use crate::results::reader::Reader;
use crate::results::schema::{self, CONFIG_ID, REPLICATE, SEED, TEST_ACCURACY, table};
use crate::results::summary::{self, SummaryRow};
use crate::results::tables::TableError;
use crate::study::{RaceStudy, Study, StudyError};
use crate::work::axes;
use html::escape;

/// The report's file name inside the results directory.
pub const FILE: &str = "report.html";
/// Recording interval (steps) of the best run's re-run.
pub const RECORD_EVERY: u64 = 10;
/// How many of the best configurations the distribution figure shows.
pub const TOP: usize = 5;
/// Where the best run's figures are also written, inside the results directory.
pub const BEST_RUN_DIR: &str = "report-best-run";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Plot(#[from] SweepPlotError),
    #[error("re-running the best run: {0}")]
    BestRun(String),
    #[error(transparent)]
    Io(#[from] PathError),
}

/// What [`write()`] produced.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    /// Ids of the figures in the page.
    pub figures: Vec<String>,
    /// Notes for the user (e.g. which replicate the best run is).
    pub notes: Vec<String>,
}

/// One run of the runs table, as the report uses it.
#[derive(Debug, Clone)]
pub struct Run {
    pub config_id: String,
    pub replicate: u64,
    pub seed: u64,
    /// The values of the swept axes.
    pub axes: Vec<Cell>,
    /// The test accuracy of a successful run.
    pub test: Option<f64>,
    /// A race's validation run (on a fresh seed, after the races).
    pub validation: bool,
    /// Training presentations.
    pub presentations: u64,
    /// Test accuracy at each checkpoint the run measured: `(training presentations, accuracy)`.
    pub curve: Vec<(u64, f64)>,
}

/// What the report is about: the manifest, its swept axes, the summary rows best first, the runs,
/// the configurations (to re-run the best), and a race's replay.
pub struct Source {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub manifest_text: String,
    pub grid_axes: Vec<String>,
    pub axes: Vec<String>,
    pub ranked: Vec<SummaryRow>,
    pub runs: Vec<Run>,
    pub configs: Vec<crate::work::Config>,
    /// A race's plan and its races, replayed from the journal.
    pub race: Option<(crate::race::Plan, crate::race::runner::Raced)>,
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column, ReportError> {
    df.column(name).map_err(|_| ReportError::Data(format!("runs.parquet: no column `{name}`")))
}

fn runs(df: &DataFrame, axes: &[String]) -> Result<Vec<Run>, ReportError> {
    let data = |e: PolarsError| ReportError::Data(format!("runs.parquet: {e}"));
    let ids = column(df, CONFIG_ID)?.str().map_err(data)?.clone();
    let reps = column(df, REPLICATE)?.u64().map_err(data)?.clone();
    let seeds = column(df, SEED)?.u64().map_err(data)?.clone();
    let test = column(df, TEST_ACCURACY)?.f64().map_err(data)?.clone();
    let validation: Vec<bool> = cells(df, schema::PHASE)
        .map(|c| c.into_iter().map(|c| c.text == schema::VALIDATION).collect())
        .unwrap_or_else(|| vec![false; df.height()]);
    let cells: Vec<Vec<Cell>> = axes
        .iter()
        .map(|a| cells(df, a).ok_or_else(|| ReportError::Data(format!("runs.parquet: no column `{a}`"))))
        .collect::<Result<_, _>>()?;
    let presentations = column(df, schema::PRESENTATIONS_TRAIN)?.u64().map_err(data)?.clone();
    let checkpoints: Vec<(u64, Float64Chunked)> = df
        .get_column_names()
        .into_iter()
        .filter_map(|name| schema::checkpoint_of(name).map(|n| (n, name.to_string())))
        .map(|(n, name)| Ok((n, column(df, &name)?.f64().map_err(data)?.clone())))
        .collect::<Result<_, ReportError>>()?;
    Ok((0..df.height())
        .map(|r| Run {
            config_id: ids.get(r).unwrap_or_default().to_string(),
            replicate: reps.get(r).unwrap_or(0),
            seed: seeds.get(r).unwrap_or(0),
            axes: cells.iter().map(|c| c[r].clone()).collect(),
            test: test.get(r).filter(|x| x.is_finite()),
            validation: validation[r],
            presentations: presentations.get(r).unwrap_or(0),
            curve: checkpoints
                .iter()
                .filter_map(|(n, c)| c.get(r).filter(|x| x.is_finite()).map(|a| (*n, a)))
                .collect(),
        })
        .collect())
}

impl Source {
    /// Read what the report shows from the directory `reader` reads: the study in it (a race
    /// replayed from its journal), its summary and runs.
    pub fn read(reader: &Reader) -> Result<Source, ReportError> {
        let manifest = reader.manifest.clone();
        let manifest_text = manifest::read_text(reader.dir())?;
        let journal = reader.journal()?;
        let study = Study::of(reader, &journal).map_err(|e| match e {
            StudyError::Experiment(e) => ReportError::BestRun(e),
            StudyError::Identity(e) | StudyError::Replay(e) => ReportError::Data(e),
        })?;
        let (axes, grid_axes, configs, race) = match study {
            Study::Sweep(sweep) => {
                let grid: Vec<String> = manifest.experiment.grid.iter().flatten().map(|(k, _)| k.clone()).collect();
                (axes::names(&manifest.experiment), grid, sweep.configs, None)
            }
            Study::Race(r) => {
                let RaceStudy { plan, raced, .. } = *r;
                (plan.space.names(), Vec::new(), raced.configs.clone(), Some((plan, raced)))
            }
        };
        let summary = reader.table(table::SUMMARY)?;
        let ranked = summary::ranked(summary::rows(&summary, &axes));
        let runs = runs(&reader.table(table::RUNS)?, &axes)?;
        let dir = reader.dir().to_path_buf();
        Ok(Source { dir, manifest, manifest_text, grid_axes, axes, ranked, runs, configs, race })
    }
}

/// Write `dir/report.html` (and the best run's figures into `dir/report-best-run/`).
pub fn write(dir: &Path) -> Result<Written, ReportError> {
    let reader = Reader::open(dir)?;
    let src = Source::read(&reader)?;
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    let mut body = String::new();
    let kind = if src.race.is_some() { "Race" } else { "Sweep" };
    let name = src.manifest.experiment.name.clone().unwrap_or_else(|| kind.to_lowercase());
    let _ = writeln!(body, "<h1>{kind} report: {}</h1>", escape(&name));
    body.push_str(&sections::experiment(&src));
    if src.race.is_some() {
        body.push_str(&race::races(&src, &mut figures)?);
        body.push_str(&sections::summary_table(&src));
        body.push_str(&race::eliminations(&src)?);
        body.push_str(&race::concentration(&src, &mut figures)?);
    } else {
        body.push_str(&sections::summary_table(&src));
        body.push_str(&sections::axes(&src, &mut figures)?);
        body.push_str(&sections::heat_maps(&src, &mut figures)?);
    }
    body.push_str(&sections::best_distribution(&src, &mut figures)?);
    body.push_str(&sections::learning_curves(&src, &mut figures)?);
    body.push_str(&best_run::section(&src, &mut figures, &mut notes)?);
    let page = html::page(&format!("{kind} report: {name}"), &body);
    let path = dir.join(FILE);
    fsio::write_atomic(&path, page.as_bytes())?;
    Ok(Written { path, figures, notes })
}
