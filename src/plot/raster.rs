//! The spike raster of inputs and outputs.

use std::collections::BTreeSet;
use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::Ctx;
use super::draw::{FONT, integer_label, series_colour};
use super::time::{boundary_s, end_s};
use crate::trace::Trace;

/// Spikes of a population in `t` (seconds), one mark per neuron and pixel column that holds a spike.
#[allow(clippy::too_many_arguments)]
fn raster_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rec: &Trace,
    title: &str,
    spikes: &[(u64, u32)],
    n: usize,
    y_desc: &str,
    t: Range<f64>,
    colour: impl Fn(u32) -> RGBColor,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(t.clone(), -0.5..n as f64 - 0.5)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time (s)")
        .y_desc(y_desc)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .y_labels(if n <= 10 { 2 * n + 1 } else { 10 })
        .y_label_formatter(&integer_label)
        .draw()?;
    let (w, _) = area.dim_in_pixel();
    let bin = (t.end - t.start) / w.max(1) as f64;
    let marks: BTreeSet<(u64, u32)> = spikes
        .iter()
        .map(|&(s, k)| (rec.t_ms(s) / 1000.0, k))
        .filter(|(x, _)| t.contains(x))
        .map(|(x, k)| (((x - t.start) / bin) as u64, k))
        .collect();
    let h = if n > 16 { 0.4 } else { 0.3 };
    chart.draw_series(marks.into_iter().map(|(b, k)| {
        let x = t.start + b as f64 * bin;
        Rectangle::new([(x, k as f64 - h), (x + bin, k as f64 + h)], colour(k).filled())
    }))?;
    if t.contains(&boundary_s(rec)) && boundary_s(rec) > t.start {
        let b = boundary_s(rec);
        chart.draw_series(DashedLineSeries::new(vec![(b, -0.5), (b, n as f64 - 0.5)], 8, 5, RED.stroke_width(2)))?;
    }
    Ok(())
}

/// A spike raster of inputs and outputs, whole run and first second.
pub fn raster<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let rec = ctx.trace;
    let root = root.titled("Spike raster (red dashes: train/test boundary)", (FONT, 24))?;
    let areas = root.split_evenly((2, 2));
    let end = end_s(rec);
    let first = 0.0..end.min(1.0);
    let (n_in, n_out) = (rec.n_in, rec.n_out);
    let ink = |_| RGBColor(20, 20, 20);
    let out_colour = |j: u32| series_colour(j as usize);
    let n_in_spikes = rec.in_spikes.len();
    let n_out_spikes = rec.out_spikes.len();
    raster_panel(
        &areas[0],
        rec,
        &format!("inputs, whole run ({n_in_spikes} spikes)"),
        &rec.in_spikes,
        n_in,
        "input neuron",
        0.0..end,
        ink,
    )?;
    raster_panel(&areas[1], rec, "inputs, first second", &rec.in_spikes, n_in, "input neuron", first.clone(), ink)?;
    let out_desc = if n_out <= 10 {
        format!("output neuron (digits {:?})", (0..n_out).map(|j| rec.digit_of_output(j)).collect::<Vec<_>>())
    } else {
        "output neuron".to_string()
    };
    raster_panel(
        &areas[2],
        rec,
        &format!("outputs, whole run ({n_out_spikes} spikes)"),
        &rec.out_spikes,
        n_out,
        &out_desc,
        0.0..end,
        out_colour,
    )?;
    raster_panel(&areas[3], rec, "outputs, first second", &rec.out_spikes, n_out, &out_desc, first, out_colour)?;
    Ok(())
}
