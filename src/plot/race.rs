//! Figures of a race (for `harness report` on a race directory), as SVG markup: candidates alive
//! against the seeds each race went through, and how the values drawn for each parameter
//! concentrate over the iterations.

use plotters::prelude::*;

use super::draw::{FONT, padded_range, series_colour};
use super::sweep::{SweepPlotError, render};

/// One race: alive candidates after each task (task number, alive).
#[derive(Debug, Clone, PartialEq)]
pub struct AliveSeries {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Alive candidates against the task (seeds seen in that race), one line per iteration.
pub fn alive_plot(series: &[AliveSeries]) -> Result<String, SweepPlotError> {
    render("alive", (760, 440), |root| {
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
        let x_max = xs.fold(1.0f64, f64::max);
        let y_max = ys.fold(1.0f64, f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption("candidates alive as each race goes through its seeds", (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max + 0.5, 0.0..y_max * 1.05)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("task (seeds seen in this race)")
            .y_desc("candidates alive")
            .x_label_formatter(&|x| if (x - x.round()).abs() < 1e-6 { format!("{}", x.round()) } else { String::new() })
            .y_label_formatter(&|y| if (y - y.round()).abs() < 1e-6 { format!("{}", y.round()) } else { String::new() })
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let c = series_colour(i);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        Ok(())
    })
}

/// A parameter's value in one candidate: the iteration that drew it, the value, and whether it is
/// a final elite.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub iteration: f64,
    pub value: f64,
    pub elite: bool,
}

/// The values drawn for parameter `name` by iteration (on a log scale when `log`; choices as
/// their index, labelled by `categories`), final elites as filled red marks.
pub fn concentration(name: &str, draws: &[Draw], log: bool, categories: &[String]) -> Result<String, SweepPlotError> {
    render(&format!("concentration-{name}"), (560, 380), |root| {
        let y = |v: f64| if log { v.max(f64::MIN_POSITIVE).log10() } else { v };
        let its = draws.iter().map(|d| d.iteration).fold(1.0f64, f64::max);
        let y_range = if categories.is_empty() {
            padded_range(draws.iter().map(|d| y(d.value)))
        } else {
            -0.5..categories.len() as f64 - 0.5
        };
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{name}: values drawn by iteration"), (FONT, 17))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..its + 0.5, y_range)?;
        let cats = categories.to_vec();
        let y_label = move |v: &f64| {
            if !cats.is_empty() {
                let i = v.round();
                return if (v - i).abs() < 1e-6 && i >= 0.0 {
                    cats.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                };
            }
            if log { crate::text::number(10f64.powf(*v)) } else { crate::text::number(*v) }
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("iteration")
            .y_desc(if log { format!("{name} (log scale)") } else { name.to_string() })
            .x_labels(its as usize + 1)
            .x_label_formatter(&|x| if (x - x.round()).abs() < 1e-6 { format!("{}", x.round()) } else { String::new() })
            .y_label_formatter(&y_label)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        // A small, fixed horizontal spread per candidate (by its position), so marks do not hide
        // each other; the same draws give the same figure.
        let jitter = |k: usize| ((k * 7919) % 41) as f64 / 41.0 * 0.5 - 0.25;
        chart.draw_series(
            draws.iter().enumerate().filter(|(_, d)| !d.elite).map(|(k, d)| {
                Circle::new((d.iteration + jitter(k), y(d.value)), 3, series_colour(0).mix(0.5).filled())
            }),
        )?;
        chart.draw_series(
            draws
                .iter()
                .enumerate()
                .filter(|(_, d)| d.elite)
                .map(|(k, d)| Circle::new((d.iteration + jitter(k), y(d.value)), 6, RED.filled())),
        )?;
        Ok(())
    })
}
