//! `report.html`: one self-contained page about a results directory (`harness report DIR`).
//!
//! Everything is read from the directory (`manifest.toml`, `runs.parquet`, `summary.parquet`);
//! the sweep figures are SVG markup embedded directly, the best run's figures (re-run with a
//! [`Recorder`], a sample every [`RECORD_EVERY`] steps) are PNGs embedded as base64 data URIs. The
//! page has no scripts and loads nothing, so it opens offline.
//!
//! Element ids, for tools and tests: the table is `summary-table`; figures are `fig-ci-<axis>`
//! (one per swept axis), `fig-heat-<row axis>-<column axis>` (one per pair of grid axes),
//! `fig-best-distribution`, and `fig-best-run-<name>` for each of [`crate::plot::FIGURES`].

pub mod html;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::plot::sweep::{CiPoint, HeatMap, Strip, SweepPlotError, ci_plot, heat_map, strips};
use crate::record::Recorder;
use crate::stats::{mean, sd, t_quantile};
use crate::sweep::manifest::{self, Manifest, ManifestError};
use crate::sweep::{expand, tables};
use html::{escape, figure, inline_svg};

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
    Manifest(#[from] ManifestError),
    #[error("{0}: no manifest.toml: not a harness results directory")]
    NoManifest(String),
    #[error("{path}: {source}")]
    Table { path: String, source: PolarsError },
    #[error("{0}")]
    Data(String),
    #[error("the manifest's experiment does not expand: {0}")]
    Experiment(String),
    #[error(transparent)]
    Plot(#[from] SweepPlotError),
    #[error("re-running the best run: {0}")]
    BestRun(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// What [`write`] produced.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    /// Ids of the figures in the page.
    pub figures: Vec<String>,
    /// The best configuration's id, if any run succeeded.
    pub best_config: Option<String>,
}

/// A swept parameter's value in one run: its text, and its number when it has one.
#[derive(Debug, Clone, PartialEq)]
struct Value {
    label: String,
    x: Option<f64>,
}

fn value(v: AnyValue) -> Value {
    match v {
        AnyValue::Float64(x) => Value { label: format!("{x}"), x: Some(x) },
        AnyValue::Float32(x) => Value { label: format!("{x}"), x: Some(f64::from(x)) },
        AnyValue::Int64(i) => Value { label: i.to_string(), x: Some(i as f64) },
        AnyValue::Int32(i) => Value { label: i.to_string(), x: Some(f64::from(i)) },
        AnyValue::UInt64(i) => Value { label: i.to_string(), x: Some(i as f64) },
        AnyValue::UInt32(i) => Value { label: i.to_string(), x: Some(f64::from(i)) },
        AnyValue::Null => Value { label: "-".into(), x: None },
        AnyValue::String(s) => Value { label: s.to_string(), x: None },
        AnyValue::StringOwned(s) => Value { label: s.to_string(), x: None },
        other => Value { label: other.to_string(), x: None },
    }
}

/// A value as shown: floats to 4 decimals (scientific below 0.01), the rest as is.
fn shown(v: &Value) -> String {
    match v.x {
        Some(x) if v.label.contains(['.', 'e']) && x != 0.0 && x.abs() < 0.01 => format!("{x:.3e}"),
        Some(x) if v.label.contains(['.', 'e']) => {
            format!("{x:.4}").trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => v.label.clone(),
    }
}

/// One run of the runs table.
#[derive(Debug, Clone)]
struct Run {
    config_id: String,
    replicate: u64,
    seed: u64,
    params: Vec<Value>,
    test: Option<f64>,
}

/// Mean and 95% CI (Student's t) of `xs`.
fn ci(xs: &[f64]) -> (f64, Option<f64>, Option<f64>) {
    let m = mean(xs);
    if xs.len() < 2 {
        return (m, None, None);
    }
    let half = t_quantile(0.975, (xs.len() - 1) as f64) * sd(xs) / (xs.len() as f64).sqrt();
    if half.is_finite() { (m, Some(m - half), Some(m + half)) } else { (m, None, None) }
}

fn read(dir: &Path, name: &str) -> Result<DataFrame, ReportError> {
    let path = dir.join(name);
    tables::read_parquet(&path).map_err(|source| ReportError::Table { path: path.display().to_string(), source })
}

fn polars(e: PolarsError) -> ReportError {
    ReportError::Data(format!("reading the tables: {e}"))
}

fn runs(df: &DataFrame, axes: &[String]) -> Result<Vec<Run>, ReportError> {
    let ids = df.column("config_id").map_err(polars)?.str().map_err(polars)?.clone();
    let reps = df.column("replicate").map_err(polars)?.u64().map_err(polars)?.clone();
    let seeds = df.column("seed").map_err(polars)?.u64().map_err(polars)?.clone();
    let test = df.column("test_accuracy").map_err(polars)?.f64().map_err(polars)?.clone();
    let params: Vec<&Column> = axes.iter().map(|a| df.column(a).map_err(polars)).collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        out.push(Run {
            config_id: ids.get(r).unwrap_or_default().to_string(),
            replicate: reps.get(r).unwrap_or(0),
            seed: seeds.get(r).unwrap_or(0),
            params: params
                .iter()
                .map(|c| c.get(r).map(value).unwrap_or(Value { label: "?".into(), x: None }))
                .collect(),
            test: test.get(r).filter(|x| x.is_finite()),
        });
    }
    Ok(out)
}

/// A configuration: its swept values and the test accuracies of its successful runs.
#[derive(Debug, Clone)]
struct Conf {
    id: String,
    params: Vec<Value>,
    tests: Vec<f64>,
    runs: usize,
    mean: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

fn configurations(runs: &[Run]) -> Vec<Conf> {
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Conf> = BTreeMap::new();
    for r in runs {
        let c = by.entry(r.config_id.clone()).or_insert_with(|| {
            order.push(r.config_id.clone());
            Conf {
                id: r.config_id.clone(),
                params: r.params.clone(),
                tests: vec![],
                runs: 0,
                mean: None,
                lo: None,
                hi: None,
            }
        });
        c.runs += 1;
        c.tests.extend(r.test);
    }
    let mut confs: Vec<Conf> = order.iter().filter_map(|id| by.remove(id)).collect();
    for c in &mut confs {
        if !c.tests.is_empty() {
            let (m, lo, hi) = ci(&c.tests);
            (c.mean, c.lo, c.hi) = (Some(m), lo, hi);
        }
    }
    // Best first; configurations without a successful run last; ties in sweep order.
    confs.sort_by(|a, b| match (a.mean, b.mean) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    confs
}

/// The distinct values of axis `a` in first-seen order (numeric axes sorted by value).
fn levels(runs: &[Run], a: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for r in runs {
        if !out.iter().any(|v| v.label == r.params[a].label) {
            out.push(r.params[a].clone());
        }
    }
    if out.iter().all(|v| v.x.is_some()) {
        out.sort_by(|p, q| p.x.partial_cmp(&q.x).unwrap_or(std::cmp::Ordering::Equal));
    }
    out
}

fn css() -> &'static str {
    "body{font-family:sans-serif;margin:2em auto;max-width:1300px;color:#222;padding:0 1em}\
     h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\
     table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}.wide{overflow-x:auto}\
     th{background:#f0f0f0}tr:nth-child(even){background:#fafafa}\
     figure{display:inline-block;margin:.5em;vertical-align:top}figcaption{font-size:.9em;color:#444;max-width:800px}\
     figure{max-width:100%}figure img,figure svg{max-width:100%;height:auto}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}\
     dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}"
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.4}"))
}

/// Write `dir/report.html` (and the best run's figures into `dir/report-best-run/`).
pub fn write(dir: &Path) -> Result<Written, ReportError> {
    let m = Manifest::read(dir)?.ok_or_else(|| ReportError::NoManifest(dir.display().to_string()))?;
    let manifest_text = std::fs::read_to_string(dir.join(manifest::FILE))
        .map_err(|source| ReportError::Io { path: dir.join(manifest::FILE).display().to_string(), source })?;
    let grid_axes: Vec<String> = m.experiment.grid.iter().flatten().map(|(k, _)| k.clone()).collect();
    let random_axes: Vec<String> =
        m.experiment.random.iter().flatten().map(|(k, _)| k.clone()).filter(|k| k != "trials").collect();
    let axes: Vec<String> = grid_axes.iter().chain(&random_axes).cloned().collect();
    let runs_df = read(dir, "runs.parquet")?;
    // The summary table is checked to be there (it is what the sweep wrote), but the figures
    // and the table below are computed from the runs, so that every number has the same source.
    let summary_df = read(dir, "summary.parquet")?;
    let runs = runs(&runs_df, &axes)?;
    let confs = configurations(&runs);

    let mut figures: Vec<String> = Vec::new();
    let mut body = String::new();
    let name = m.experiment.name.clone().unwrap_or_else(|| "sweep".into());

    // The experiment and the manifest.
    let _ = writeln!(body, "<h1>Sweep report: {}</h1>", escape(&name));
    let _ = writeln!(body, "<section id=\"experiment\"><h2>Experiment</h2><dl>");
    let replicates = m.experiment.replicates.unwrap_or(1);
    let ok_runs = runs.iter().filter(|r| r.test.is_some()).count();
    let items: Vec<(&str, String)> = vec![
        ("experiment file", m.experiment_file.clone()),
        ("grid axes", if grid_axes.is_empty() { "none".into() } else { grid_axes.join(", ") }),
        ("random axes", if random_axes.is_empty() { "none".into() } else { random_axes.join(", ") }),
        ("configurations", confs.len().to_string()),
        ("replicates", replicates.to_string()),
        (
            "runs",
            format!("{} in the sweep, {} here, {} done, {} failed", m.sweep_runs, m.runs, m.runs_done, m.runs_failed),
        ),
        ("successful runs", ok_runs.to_string()),
        ("summary rows", summary_df.height().to_string()),
        ("harness", format!("{} (commit {})", m.harness_version, m.git_commit)),
        ("started", m.started.clone()),
        ("finished", m.finished.clone().unwrap_or_else(|| "not finished".into())),
        ("command", m.command_line.join(" ")),
    ];
    for (k, v) in items {
        let _ = writeln!(body, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    let _ = writeln!(
        body,
        "</dl><details open><summary>manifest.toml</summary><pre id=\"manifest\">{}</pre></details></section>",
        escape(&manifest_text)
    );

    // The summary table.
    let _ = writeln!(body, "<section id=\"summary\"><h2>Configurations by mean test accuracy</h2>");
    let _ = writeln!(
        body,
        "<p>All {} configurations, best first; n is the number of successful replicates, the 95% CI is Student's t over them.</p>",
        confs.len()
    );
    let _ = write!(body, "<div class=\"wide\"><table id=\"summary-table\"><thead><tr><th>rank</th><th>config_id</th>");
    for a in &axes {
        let _ = write!(body, "<th>{}</th>", escape(a));
    }
    let _ = writeln!(body, "<th>n</th><th>mean test accuracy</th><th>95% CI</th></tr></thead><tbody>");
    for (rank, c) in confs.iter().enumerate() {
        let _ = write!(body, "<tr><td>{}</td><td><code>{}</code></td>", rank + 1, escape(&c.id));
        for p in &c.params {
            let _ = write!(body, "<td>{}</td>", escape(&shown(p)));
        }
        let ci_text = match (c.lo, c.hi) {
            (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
            _ => "-".into(),
        };
        let _ = writeln!(body, "<td>{}</td><td>{}</td><td>{}</td></tr>", c.tests.len(), fmt(c.mean), ci_text);
    }
    let _ = writeln!(body, "</tbody></table></div></section>");

    // Mean test accuracy against each swept axis.
    let _ = writeln!(body, "<section id=\"axes\"><h2>Mean test accuracy against each swept parameter</h2>");
    for (a, axis) in axes.iter().enumerate() {
        let lv = levels(&runs, a);
        let numeric = lv.iter().all(|v| v.x.is_some());
        let points: Vec<CiPoint> = lv
            .iter()
            .filter_map(|v| {
                let xs: Vec<f64> =
                    runs.iter().filter(|r| r.params[a].label == v.label).filter_map(|r| r.test).collect();
                if xs.is_empty() {
                    return None;
                }
                let (m, lo, hi) = ci(&xs);
                Some(CiPoint { label: shown(v), x: if numeric { v.x } else { None }, mean: m, lo, hi, n: xs.len() })
            })
            .collect();
        let svg = ci_plot(axis, &points)?;
        let id = format!("fig-ci-{axis}");
        let caption = format!(
            "Mean test accuracy (points) with its 95% CI (bars) over all successful runs at each value of {axis}, pooled over the other axes ({}).",
            if numeric { "numeric axis" } else { "categories" }
        );
        body.push_str(&figure(&id, &caption, inline_svg(&svg)));
        figures.push(id);
    }
    let _ = writeln!(body, "</section>");

    // Heat maps over pairs of grid axes.
    if grid_axes.len() >= 2 {
        let _ = writeln!(body, "<section id=\"heat-maps\"><h2>Heat maps over pairs of grid axes</h2>");
        for i in 0..grid_axes.len() {
            for j in i + 1..grid_axes.len() {
                let (ri, ci_) = (levels(&runs, i), levels(&runs, j));
                let cells = ri
                    .iter()
                    .map(|rv| {
                        ci_.iter()
                            .map(|cv| {
                                let xs: Vec<f64> = runs
                                    .iter()
                                    .filter(|r| r.params[i].label == rv.label && r.params[j].label == cv.label)
                                    .filter_map(|r| r.test)
                                    .collect();
                                (!xs.is_empty()).then(|| mean(&xs))
                            })
                            .collect()
                    })
                    .collect();
                let map = HeatMap {
                    row_axis: grid_axes[i].clone(),
                    col_axis: grid_axes[j].clone(),
                    rows: ri.iter().map(shown).collect(),
                    cols: ci_.iter().map(shown).collect(),
                    cells,
                };
                let svg = heat_map(&map)?;
                let id = format!("fig-heat-{}-{}", grid_axes[i], grid_axes[j]);
                let caption = format!(
                    "Mean test accuracy over {} (rows) and {} (columns), pooled over the other axes and replicates.",
                    grid_axes[i], grid_axes[j]
                );
                body.push_str(&figure(&id, &caption, inline_svg(&svg)));
                figures.push(id);
            }
        }
        let _ = writeln!(body, "</section>");
    }

    // Distribution over replicates of the best configurations.
    let best: Vec<&Conf> = confs.iter().filter(|c| c.mean.is_some()).take(TOP).collect();
    let _ = writeln!(body, "<section id=\"best\"><h2>The best configurations over replicates</h2>");
    if best.is_empty() {
        let _ = writeln!(body, "<p>No run succeeded.</p>");
    }
    let svg = strips(
        &best
            .iter()
            .enumerate()
            .map(|(k, c)| Strip {
                label: format!("#{} {}", k + 1, &c.id[..c.id.len().min(8)]),
                values: c.tests.clone(),
                mean: c.mean.unwrap_or(f64::NAN),
                lo: c.lo,
                hi: c.hi,
            })
            .collect::<Vec<_>>(),
    )?;
    let caption = format!(
        "Test accuracy of every replicate (points) of the {} best configurations by mean, with the mean (bar) and its 95% CI; labels are rank and the start of the config_id.",
        best.len()
    );
    body.push_str(&figure("fig-best-distribution", &caption, inline_svg(&svg)));
    figures.push("fig-best-distribution".into());
    let _ = writeln!(body, "</section>");

    // The best run, re-run with a recorder.
    let best_config = best.first().map(|c| c.id.clone());
    if let Some(best_id) = &best_config {
        let run = runs
            .iter()
            .filter(|r| &r.config_id == best_id)
            .min_by_key(|r| r.replicate)
            .ok_or_else(|| ReportError::Data(format!("no run of configuration {best_id}")))?;
        let (imgs, test) = best_run(dir, &m, best_id, run.seed)?;
        let _ = writeln!(
            body,
            "<section id=\"best-run\"><h2>The best run</h2><p>Configuration <code>{}</code>, replicate {}, seed {}, re-run with a recording every {RECORD_EVERY} steps: test accuracy {test:.4} (recorded in the sweep: {}). The figures are also in <code>{BEST_RUN_DIR}/</code>.</p>",
            escape(best_id),
            run.replicate,
            run.seed,
            fmt(run.test)
        );
        for (fig, png) in imgs {
            let id = format!("fig-best-run-{fig}");
            let img = format!(
                "<img alt=\"{}\" src=\"data:image/png;base64,{}\">",
                escape(&format!("best run: {fig}")),
                html::base64(&png)
            );
            body.push_str(&figure(&id, &format!("The best run: {}.", caption_of(fig)), &img));
            figures.push(id);
        }
        let _ = writeln!(body, "</section>");
    }

    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{body}<footer><p>Written by harness {} at {}.</p></footer>\n</body>\n</html>\n",
        escape(&format!("Sweep report: {name}")),
        css(),
        env!("CARGO_PKG_VERSION"),
        manifest::now_utc()
    );
    let path = dir.join(FILE);
    tables::write_atomic(&path, page.as_bytes())
        .map_err(|source| ReportError::Io { path: path.display().to_string(), source })?;
    Ok(Written { path, figures, best_config })
}

/// A figure's name and its PNG bytes.
type Png = (&'static str, Vec<u8>);

fn caption_of(fig: &str) -> &'static str {
    match fig {
        "samples" => "the first training presentations' images, with their digits",
        "weights_after_train" => "each output's forward weights as an 8x8 image after training",
        "weights_after_test" => "each output's forward weights after the test phase",
        "lateral" => "the lateral weight matrix after training and after the test phase",
        "input_rates" => "input rates over time",
        "traces_a" => "input and output traces a, the train/test boundary dashed",
        "currents" => "I_inp and I_neg of each output over time",
        "weights_time" => "forward and lateral weights over time",
        "raster" => "input and output spikes",
        _ => "a figure",
    }
}

/// Re-run configuration `config_id` with `seed` and a recorder; draw its figures into
/// `dir/report-best-run/`. Returns the PNG bytes of each figure and the run's test accuracy.
fn best_run(dir: &Path, m: &Manifest, config_id: &str, seed: u64) -> Result<(Vec<Png>, f64), ReportError> {
    let base = Path::new(&m.experiment_file).parent().unwrap_or(Path::new("."));
    let sweep = expand(&m.experiment, "report", base, true).map_err(|ps| {
        ReportError::Experiment(ps.iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("; "))
    })?;
    let config = sweep
        .configs
        .iter()
        .find(|c| c.id_hex() == config_id)
        .ok_or_else(|| ReportError::BestRun(format!("configuration {config_id} is not in the manifest's sweep")))?;
    let exp = &config.exp;
    let mut rec = Recorder::new(exp, &crate::run::schedule(exp, seed), RECORD_EVERY);
    let outcome = crate::run::run_instance(exp, seed, &mut rec).map_err(|e| ReportError::BestRun(e.to_string()))?;
    let out = dir.join(BEST_RUN_DIR);
    crate::plot::write_all(&out, &rec, &exp.data).map_err(|e| ReportError::BestRun(format!("{e:#}")))?;
    let mut imgs = Vec::new();
    for fig in crate::plot::FIGURES {
        let path = out.join(format!("{fig}.png"));
        let bytes =
            std::fs::read(&path).map_err(|source| ReportError::Io { path: path.display().to_string(), source })?;
        imgs.push((fig, bytes));
    }
    Ok((imgs, outcome.test_accuracy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_compactly_and_grouped_exactly() {
        let v = |label: &str, x: Option<f64>| Value { label: label.into(), x };
        assert_eq!(shown(&v("0.30000000000000004", Some(0.30000000000000004))), "0.3");
        assert_eq!(shown(&v("0.000123456", Some(0.000123456))), "1.235e-4");
        assert_eq!(shown(&v("200", Some(200.0))), "200");
        assert_eq!(shown(&v("0,1", None)), "0,1");
    }

    #[test]
    fn configurations_sorted_best_first_with_a_t_interval() {
        let run = |id: &str, t: Option<f64>| Run {
            config_id: id.into(),
            replicate: 0,
            seed: 1,
            params: vec![Value { label: id.into(), x: None }],
            test: t,
        };
        let runs = [
            run("a", Some(0.5)),
            run("a", Some(0.6)),
            run("a", Some(0.7)),
            run("b", Some(0.9)),
            run("b", Some(0.9)),
            run("c", None),
        ];
        let confs = configurations(&runs);
        let ids: Vec<&str> = confs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c"]);
        let a = &confs[1];
        assert!((a.mean.unwrap() - 0.6).abs() < 1e-12);
        // sd = 0.1, se = 0.1 / sqrt(3), Student's t with 2 degrees of freedom (crate::stats).
        let half = t_quantile(0.975, 2.0) * 0.1 / 3f64.sqrt();
        assert!((a.hi.unwrap() - 0.6 - half).abs() < 1e-9, "{:?}", a.hi);
        assert!((0.6 - a.lo.unwrap() - half).abs() < 1e-9, "{:?}", a.lo);
        assert_eq!((confs[2].runs, confs[2].tests.len(), confs[2].mean), (1, 0, None));
    }
}
