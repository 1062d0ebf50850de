//! The sections of a report that come from the tables: the experiment, the summary table, accuracy
//! against each swept axis, heat maps over pairs of grid axes, and the replicates of the best.

use std::fmt::Write as _;

use super::html::{escape, figure, inline_svg};
use super::{ReportError, Run, Source, TOP};
use crate::plot::sweep::{self, CiPoint, Curve, HeatMap, Strip, ci_plot, heat_map, strips};
use crate::results::cells::Cell;
use crate::stats::describe;

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.4}"))
}

fn interval(ci: Option<(f64, f64)>) -> String {
    ci.map_or("-".into(), |(lo, hi)| format!("[{lo:.4}, {hi:.4}]"))
}

/// The experiment: a summary of the manifest, and the manifest itself.
pub fn experiment(src: &Source) -> String {
    let m = &src.manifest;
    let none_or = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    let random: Vec<String> = src.axes.iter().filter(|a| !src.grid_axes.contains(a)).cloned().collect();
    let ok_runs = src.runs.iter().filter(|r| r.test.is_some()).count();
    let mut items: Vec<(&str, String)> = vec![("experiment file", m.experiment_file.clone())];
    match &src.race {
        Some((plan, raced)) => items.extend([
            ("searched parameters", none_or(&src.axes)),
            ("candidates drawn", raced.history.candidates.len().to_string()),
            ("final elites", raced.history.elites.len().to_string()),
            ("runs", {
                let h = &raced.history;
                let validating = src.runs.iter().filter(|r| r.validation).count();
                let racing = h.racing_runs();
                let screening = m.runs_done.saturating_sub(validating).saturating_sub(racing);
                format!(
                    "{racing} racing{} (budget {}), {validating} validating ({} fresh seeds per final elite), {} failed",
                    if h.screened > 0.0 {
                        format!(", {screening} screening (worth {} runs)", crate::text::value(h.screened))
                    } else {
                        String::new()
                    },
                    plan.settings.budget,
                    plan.settings.validation_replicates,
                    m.runs_failed
                )
            }),
        ]),
        None => items.extend([
            ("grid axes", none_or(&src.grid_axes)),
            ("random axes", none_or(&random)),
            ("configurations", src.ranked.len().to_string()),
            ("replicates", m.experiment.replicates.unwrap_or(1).to_string()),
            (
                "runs",
                format!(
                    "{} in the sweep, {} here, {} done, {} failed",
                    m.sweep_runs, m.runs, m.runs_done, m.runs_failed
                ),
            ),
            ("successful runs", ok_runs.to_string()),
        ]),
    }
    items.extend([
        ("harness", format!("{} (commit {})", m.harness_version, m.git_commit)),
        ("started", m.started.clone()),
        ("finished", m.finished.clone().unwrap_or_else(|| "not finished".into())),
        ("command", m.command_line.join(" ")),
    ]);
    let mut s = String::from("<section id=\"experiment\"><h2>Experiment</h2><dl>\n");
    for (k, v) in items {
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    let _ = writeln!(
        s,
        "</dl><details open><summary>manifest.toml</summary><pre id=\"manifest\">{}</pre></details></section>",
        escape(&src.manifest_text)
    );
    s
}

/// Every configuration, best first, from `summary.parquet`.
pub fn summary_table(src: &Source) -> String {
    let mut s = String::from("<section id=\"summary\"><h2>Configurations by mean test accuracy</h2>\n");
    if src.race.is_some() {
        let _ = writeln!(
            s,
            "<p>The {} final elites, best first, over their validation seeds (fresh seeds no race used: the race's own means are biased upward by selection); n is the number of successful validation runs, the 95% CI is Student's t over them.</p>",
            src.ranked.len()
        );
    } else {
        let _ = writeln!(
            s,
            "<p>All {} configurations, best first; n is the number of successful replicates, the 95% CI is Student's t over them.</p>",
            src.ranked.len()
        );
    }
    s.push_str("<div class=\"wide\"><table id=\"summary-table\"><thead><tr><th>rank</th><th>config_id</th>");
    for a in &src.axes {
        let _ = write!(s, "<th>{}</th>", escape(a));
    }
    s.push_str("<th>n</th><th>mean test accuracy</th><th>95% CI</th></tr></thead><tbody>\n");
    for (rank, c) in src.ranked.iter().enumerate() {
        let _ = write!(s, "<tr><td>{}</td><td><code>{}</code></td>", rank + 1, escape(&c.config_id));
        for p in &c.shown {
            let _ = write!(s, "<td>{}</td>", escape(&p.shown()));
        }
        let _ = writeln!(s, "<td>{}</td><td>{}</td><td>{}</td></tr>", c.replicates, fmt(c.mean), interval(c.ci95));
    }
    s.push_str("</tbody></table></div></section>\n");
    s
}

/// The distinct values of axis `a` in first-seen order (numeric axes sorted by value).
fn levels(runs: &[Run], a: usize) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    for r in runs {
        if !out.iter().any(|v| v.text == r.axes[a].text) {
            out.push(r.axes[a].clone());
        }
    }
    if out.iter().all(|v| v.number.is_some()) {
        out.sort_by(|p, q| p.number.partial_cmp(&q.number).unwrap_or(std::cmp::Ordering::Equal));
    }
    out
}

/// Mean test accuracy with its CI against each swept axis, pooled over the other axes.
pub fn axes(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let mut s = String::from("<section id=\"axes\"><h2>Mean test accuracy against each swept parameter</h2>\n");
    for (a, axis) in src.axes.iter().enumerate() {
        let lv = levels(&src.runs, a);
        let numeric = lv.iter().all(|v| v.number.is_some());
        let points: Vec<CiPoint> = lv
            .iter()
            .filter_map(|v| {
                let d = describe(src.runs.iter().filter(|r| r.axes[a].text == v.text).filter_map(|r| r.test));
                Some(CiPoint {
                    label: v.shown(),
                    x: if numeric { v.number } else { None },
                    mean: d.mean?,
                    lo: d.ci95.map(|c| c.0),
                    hi: d.ci95.map(|c| c.1),
                    n: d.n as usize,
                })
            })
            .collect();
        let svg = ci_plot(axis, &points)?;
        let id = format!("fig-ci-{axis}");
        let caption = format!(
            "Mean test accuracy (points) with its 95% CI (bars) over all successful runs at each value of {axis}, pooled over the other axes ({}).",
            if numeric { "numeric axis" } else { "categories" }
        );
        s.push_str(&figure(&id, &caption, inline_svg(&svg)));
        figures.push(id);
    }
    s.push_str("</section>\n");
    Ok(s)
}

/// A heat map of mean test accuracy for each pair of grid axes.
pub fn heat_maps(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let g = &src.grid_axes;
    if g.len() < 2 {
        return Ok(String::new());
    }
    let mut s = String::from("<section id=\"heat-maps\"><h2>Heat maps over pairs of grid axes</h2>\n");
    for i in 0..g.len() {
        for j in i + 1..g.len() {
            let (rows, cols) = (levels(&src.runs, i), levels(&src.runs, j));
            let mean_at = |rv: &Cell, cv: &Cell| {
                let at = |r: &&Run| r.axes[i].text == rv.text && r.axes[j].text == cv.text;
                describe(src.runs.iter().filter(at).filter_map(|r| r.test)).mean
            };
            let cells = rows.iter().map(|rv| cols.iter().map(|cv| mean_at(rv, cv)).collect()).collect();
            let map = HeatMap {
                row_axis: g[i].clone(),
                col_axis: g[j].clone(),
                rows: rows.iter().map(Cell::shown).collect(),
                cols: cols.iter().map(Cell::shown).collect(),
                cells,
            };
            let id = format!("fig-heat-{}-{}", g[i], g[j]);
            let caption = format!(
                "Mean test accuracy over {} (rows) and {} (columns), pooled over the other axes and replicates.",
                g[i], g[j]
            );
            s.push_str(&figure(&id, &caption, inline_svg(&heat_map(&map)?)));
            figures.push(id);
        }
    }
    s.push_str("</section>\n");
    Ok(s)
}

/// The test accuracy of every replicate of the best configurations.
pub fn best_distribution(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let best: Vec<_> = src.ranked.iter().filter(|c| c.mean.is_some()).take(TOP).collect();
    let mut s = String::from("<section id=\"best\"><h2>The best configurations over replicates</h2>\n");
    if best.is_empty() {
        s.push_str("<p>No run succeeded.</p>\n");
    }
    let strips_of: Vec<Strip> = best
        .iter()
        .enumerate()
        .map(|(k, c)| Strip {
            label: format!("#{} {}", k + 1, &c.config_id[..c.config_id.len().min(8)]),
            values: src
                .runs
                .iter()
                .filter(|r| r.config_id == c.config_id && (src.race.is_none() || r.validation))
                .filter_map(|r| r.test)
                .collect(),
            mean: c.mean.unwrap_or(f64::NAN),
            lo: c.ci95.map(|x| x.0),
            hi: c.ci95.map(|x| x.1),
        })
        .collect();
    let what = if src.race.is_some() { "validation seed" } else { "replicate" };
    let caption = format!(
        "Test accuracy of every {what} (points) of the {} best configurations by mean, with the mean (bar) and its 95% CI; labels are rank and the start of the config_id.",
        best.len()
    );
    s.push_str(&figure("fig-best-distribution", &caption, inline_svg(&strips(&strips_of)?)));
    figures.push("fig-best-distribution".into());
    s.push_str("</section>\n");
    Ok(s)
}

/// The learning curves of the best configurations (runs with `checkpoints` only; otherwise no
/// section): test accuracy at each checkpoint and at the end of training, over the runs that
/// [`best_distribution`] shows.
pub fn learning_curves(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let shown = |r: &&Run| src.race.is_none() || r.validation;
    if !src.runs.iter().filter(shown).any(|r| !r.curve.is_empty()) {
        return Ok(String::new());
    }
    let best: Vec<_> = src.ranked.iter().filter(|c| c.mean.is_some()).take(TOP).collect();
    let curves: Vec<Curve> = best
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let runs: Vec<&Run> = src.runs.iter().filter(shown).filter(|r| r.config_id == c.config_id).collect();
            let mut lengths: Vec<u64> = runs.iter().flat_map(|r| r.curve.iter().map(|p| p.0)).collect();
            lengths.sort_unstable();
            lengths.dedup();
            let point = |x: u64, d: crate::stats::Describe| CiPoint {
                label: x.to_string(),
                x: Some(x as f64),
                mean: d.mean.unwrap_or(f64::NAN),
                lo: d.ci95.map(|c| c.0),
                hi: d.ci95.map(|c| c.1),
                n: d.n as usize,
            };
            let mut points: Vec<CiPoint> = lengths
                .iter()
                .map(|&n| {
                    point(n, describe(runs.iter().filter_map(|r| r.curve.iter().find(|p| p.0 == n).map(|p| p.1))))
                })
                .collect();
            if let Some(end) = runs.iter().find(|r| r.test.is_some()).map(|r| r.presentations) {
                points
                    .push(point(end, describe(runs.iter().filter(|r| r.presentations == end).filter_map(|r| r.test))));
            }
            Curve { label: format!("#{} {}", k + 1, &c.config_id[..c.config_id.len().min(8)]), points }
        })
        .collect();
    let mut s = String::from("<section id=\"learning\"><h2>Learning curves</h2>\n");
    let what = if src.race.is_some() { "validation seeds" } else { "replicates" };
    let caption = format!(
        "Test accuracy against training presentations of the {} best configurations: at each checkpoint \
         (the test phase on a copy of the network) and at the end of training (the run's own test), mean \
         over {what} with its 95% CI; labels are rank and the start of the config_id.",
        curves.len()
    );
    s.push_str(&figure("fig-learning-curves", &caption, inline_svg(&sweep::learning_curves(&curves)?)));
    figures.push("fig-learning-curves".into());
    s.push_str("</section>\n");
    Ok(s)
}
