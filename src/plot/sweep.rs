//! Figures of a sweep (for `harness report`), drawn with plotters as SVG markup (strings), so
//! that they can be embedded directly in an HTML page.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{Cmap, FONT, colour_bar, padded_range, series_colour};

/// Why a sweep figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the figure {figure}: {message}")]
pub struct SweepPlotError {
    pub figure: String,
    pub message: String,
}

/// One point with a 95% confidence interval (`lo`/`hi` absent with fewer than 2 values).
#[derive(Debug, Clone, PartialEq)]
pub struct CiPoint {
    /// Label of the value (the axis label for categorical axes).
    pub label: String,
    /// Position on a numeric axis, or `None` for a categorical axis.
    pub x: Option<f64>,
    pub mean: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub n: usize,
}

/// A grid of means over two axes: `cells[i][j]` for `rows[i]` and `cols[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    pub row_axis: String,
    pub col_axis: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<Vec<Option<f64>>>,
}

/// The values of one configuration's replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    pub label: String,
    pub values: Vec<f64>,
    pub mean: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

pub(super) fn render(
    name: &str,
    size: (u32, u32),
    f: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> anyhow::Result<()>,
) -> Result<String, SweepPlotError> {
    let err = |e: anyhow::Error| SweepPlotError { figure: name.to_string(), message: format!("{e:#}") };
    super::ensure_font().map_err(err)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.into()))?;
        f(&root).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    Ok(svg)
}

/// A confidence interval's bar at `x` from `lo` to `hi`, with caps `half` wide each side.
fn ci_bar(x: f64, lo: f64, hi: f64, half: f64, style: ShapeStyle) -> [PathElement<(f64, f64)>; 3] {
    [
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - half, lo), (x + half, lo)], style),
        PathElement::new(vec![(x - half, hi), (x + half, hi)], style),
    ]
}

fn y_range_of<'a>(values: impl Iterator<Item = &'a f64>) -> Range<f64> {
    let r = padded_range(values.copied());
    r.start.max(-0.02)..r.end.min(1.02).max(r.start.max(-0.02) + 0.05)
}

/// Mean test accuracy with 95% CI against one axis: points with error bars (joined by a line
/// on a numeric axis; categories spaced evenly otherwise).
pub fn ci_plot(axis: &str, points: &[CiPoint]) -> Result<String, SweepPlotError> {
    let numeric = points.iter().all(|p| p.x.is_some()) && !points.is_empty();
    // Categories get room: about 26 pixels each, up to the page's width.
    let width = if numeric { 640 } else { (120 + 26 * points.len() as u32).clamp(640, 1150) };
    let label_size = if !numeric && points.len() > 20 { 11 } else { 13 };
    render(&format!("ci-{axis}"), (width, 420), |root| {
        let xs: Vec<f64> =
            points.iter().enumerate().map(|(i, p)| if numeric { p.x.unwrap_or(0.0) } else { i as f64 }).collect();
        let x_range = if numeric {
            let r = padded_range(xs.iter().copied());
            let pad = (r.end - r.start) * 0.05;
            r.start - pad..r.end + pad
        } else {
            -0.5..points.len() as f64 - 0.5
        };
        let all: Vec<f64> =
            points.iter().flat_map(|p| [Some(p.mean), p.lo, p.hi]).flatten().filter(|v| v.is_finite()).collect();
        let y_range = y_range_of(all.iter());
        let mut chart = ChartBuilder::on(root)
            .caption(format!("mean test accuracy vs {axis} (95% CI)"), (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range, y_range)?;
        let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
        let cat = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(WHITE)
            .x_desc(axis)
            .y_desc("test accuracy")
            .label_style((FONT, label_size))
            .axis_desc_style((FONT, 14));
        if !numeric {
            mesh.x_labels(2 * points.len() + 1).x_label_formatter(&cat);
        }
        mesh.draw()?;
        let colour = series_colour(0);
        if numeric && points.len() > 1 {
            chart.draw_series(LineSeries::new(
                xs.iter().zip(points).map(|(&x, p)| (x, p.mean)),
                colour.stroke_width(2),
            ))?;
        }
        let half = if numeric {
            let r = padded_range(xs.iter().copied());
            (r.end - r.start) * 0.015
        } else {
            0.08
        };
        for (&x, p) in xs.iter().zip(points) {
            if let (Some(lo), Some(hi)) = (p.lo, p.hi) {
                chart.draw_series(ci_bar(x, lo, hi, half, colour.stroke_width(2)))?;
            }
            chart.draw_series([Circle::new((x, p.mean), 5, colour.filled())])?;
        }
        Ok(())
    })
}

/// A heat map of mean test accuracy over two grid axes, with a colour bar; every cell labelled.
pub fn heat_map(map: &HeatMap) -> Result<String, SweepPlotError> {
    let name = format!("heat-{}-{}", map.row_axis, map.col_axis);
    render(&name, (720, 480), |root| {
        let (main, bar) = root.split_horizontally(600);
        let values: Vec<f64> = map.cells.iter().flatten().flatten().copied().collect();
        let range = {
            let r = padded_range(values.iter().copied());
            if values.is_empty() { 0.0..1.0 } else { r }
        };
        let (nr, nc) = (map.rows.len(), map.cols.len());
        let mut chart = ChartBuilder::on(&main)
            .caption(format!("mean test accuracy: {} x {}", map.row_axis, map.col_axis), (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..nc as f64 - 0.5, -0.5..nr as f64 - 0.5)?;
        let label = |names: &[String], v: f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let xf = |v: &f64| label(&map.cols, *v);
        let yf = |v: &f64| label(&map.rows, *v);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(map.col_axis.as_str())
            .y_desc(map.row_axis.as_str())
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .x_labels(2 * nc + 1)
            .y_labels(2 * nr + 1)
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .draw()?;
        for (i, row) in map.cells.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let (x, y) = (j as f64, i as f64);
                let fill = match cell {
                    Some(v) => Cmap::Viridis.of(*v, &range),
                    None => RGBColor(220, 220, 220),
                };
                chart.draw_series([Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill.filled())])?;
                let text = cell.map_or("-".to_string(), |v| format!("{v:.3}"));
                let ink = match cell {
                    Some(v) if Cmap::Viridis.of(*v, &range).1 > 160 => BLACK,
                    _ if cell.is_none() => BLACK,
                    _ => WHITE,
                };
                let style =
                    TextStyle::from((FONT, 14).into_font()).color(&ink).pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                chart.draw_series([Text::new(text, (x, y), style)])?;
            }
        }
        colour_bar(&bar, &range, Cmap::Viridis, "mean test accuracy")?;
        Ok(())
    })
}

/// The test accuracy of every replicate of the best configurations (points, jittered
/// deterministically), with each configuration's mean and 95% CI.
pub fn strips(strips: &[Strip]) -> Result<String, SweepPlotError> {
    render("best-distribution", (820, 460), |root| {
        let all: Vec<f64> = strips
            .iter()
            .flat_map(|s| s.values.iter().copied().chain([Some(s.mean), s.lo, s.hi].into_iter().flatten()))
            .filter(|v| v.is_finite())
            .collect();
        let y_range = y_range_of(all.iter());
        let mut chart = ChartBuilder::on(root)
            .caption("test accuracy over replicates: best configurations", (FONT, 18))
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..strips.len() as f64 - 0.5, y_range)?;
        let labels: Vec<String> = strips.iter().map(|s| s.label.clone()).collect();
        let cat = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("configuration (rank by mean test accuracy)")
            .y_desc("test accuracy")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .x_labels(2 * strips.len() + 1)
            .x_label_formatter(&cat)
            .draw()?;
        for (i, s) in strips.iter().enumerate() {
            let x = i as f64;
            let colour = series_colour(i);
            let n = s.values.len().max(1);
            chart.draw_series(s.values.iter().enumerate().map(|(k, &v)| {
                let jitter = if n > 1 { -0.2 + 0.4 * k as f64 / (n - 1) as f64 } else { 0.0 };
                Circle::new((x + jitter, v), 4, colour.mix(0.6).filled())
            }))?;
            chart.draw_series([PathElement::new(vec![(x - 0.3, s.mean), (x + 0.3, s.mean)], BLACK.stroke_width(2))])?;
            if let (Some(lo), Some(hi)) = (s.lo, s.hi) {
                chart.draw_series([
                    PathElement::new(vec![(x + 0.32, lo), (x + 0.32, hi)], BLACK.stroke_width(1)),
                    PathElement::new(vec![(x + 0.28, lo), (x + 0.36, lo)], BLACK.stroke_width(1)),
                    PathElement::new(vec![(x + 0.28, hi), (x + 0.36, hi)], BLACK.stroke_width(1)),
                ])?;
            }
        }
        Ok(())
    })
}

/// One configuration's learning curve: mean test accuracy with its 95% CI at each training length
/// (`CiPoint::x`: training presentations).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<CiPoint>,
}

/// Learning curves: test accuracy against training presentations, one line per configuration,
/// each point its mean over replicates with a 95% CI bar, a legend naming the configurations.
pub fn learning_curves(curves: &[Curve]) -> Result<String, SweepPlotError> {
    render("learning-curves", (760, 460), |root| {
        let xs = || curves.iter().flat_map(|c| c.points.iter().filter_map(|p| p.x));
        let x_range = {
            let r = padded_range(xs().chain([0.0]));
            r.start..r.end + (r.end - r.start) * 0.04
        };
        let half = (x_range.end - x_range.start) * 0.006;
        let all: Vec<f64> = curves
            .iter()
            .flat_map(|c| c.points.iter().flat_map(|p| [Some(p.mean), p.lo, p.hi]).flatten())
            .filter(|v| v.is_finite())
            .collect();
        let mut chart = ChartBuilder::on(root)
            .caption("test accuracy vs training presentations (95% CI over replicates)", (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range, y_range_of(all.iter()))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("training presentations")
            .y_desc("test accuracy")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for (i, c) in curves.iter().enumerate() {
            let colour = series_colour(i);
            let points: Vec<(f64, &CiPoint)> = c.points.iter().filter_map(|p| p.x.map(|x| (x, p))).collect();
            chart
                .draw_series(LineSeries::new(points.iter().map(|(x, p)| (*x, p.mean)), colour.stroke_width(2)))?
                .label(c.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
            for &(x, p) in &points {
                if let (Some(lo), Some(hi)) = (p.lo, p.hi) {
                    chart.draw_series(ci_bar(x, lo, hi, half, colour.stroke_width(1)))?;
                }
                chart.draw_series([Circle::new((x, p.mean), 4, colour.filled())])?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}
