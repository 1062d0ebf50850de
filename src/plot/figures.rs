//! The figures, each a function of a drawing area (PNG or SVG) and the recording.

use std::collections::BTreeSet;
use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::draw::{
    Cmap, FONT, colour_bar, image_panel, image_shape, integer_label, padded_range, reduce, series_colour,
};
use crate::data::{Dataset, MAX_PIXEL};
use crate::record::{Recorder, Snapshot};

/// Points per trace after [`reduce`] (about twice this).
const BUCKETS: usize = 1000;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Sample times in seconds.
fn times_s(rec: &Recorder) -> Vec<f64> {
    rec.steps.iter().map(|&s| rec.t_ms(s) / 1000.0).collect()
}

fn boundary_s(rec: &Recorder) -> f64 {
    rec.t_ms(rec.train_end) / 1000.0
}

fn end_s(rec: &Recorder) -> f64 {
    (rec.t_ms(rec.total_steps) / 1000.0).max(1e-9)
}

fn output_name(rec: &Recorder, j: usize) -> String {
    format!("output {j} (digit {})", rec.digit_of_output(j))
}

/// A chart over time (seconds) in `area`.
fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("time (s)")
        .y_desc(y_desc)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .draw()?;
    Ok(chart)
}

/// The train/test boundary as a dashed vertical line with a legend entry.
fn mark_boundary<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, rec: &Recorder, y: &Range<f64>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let b = boundary_s(rec);
    let style = BLACK.stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(vec![(b, y.start), (b, y.end)], 8, 5, style))?
        .label("train/test boundary")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

/// One line per series `s` in `0..n`, values `y(sample, s)`, coloured by `colour(s)`; the series
/// for which `label(s)` is `Some` get a legend entry.
#[allow(clippy::too_many_arguments)]
fn lines<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    ts: &[f64],
    n: usize,
    y: impl Fn(usize, usize) -> f64,
    colour: impl Fn(usize) -> RGBAColor,
    label: impl Fn(usize) -> Option<String>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    for s in 0..n {
        let c = colour(s);
        let points = reduce(ts, |i| y(i, s), BUCKETS);
        let series = chart.draw_series(LineSeries::new(points, c.stroke_width(1)))?;
        if let Some(l) = label(s) {
            let solid = RGBAColor(c.0, c.1, c.2, 1.0).stroke_width(3);
            series.label(l).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], solid));
        }
    }
    Ok(())
}

/// A grid of the first training presentations' images.
pub fn samples<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder, data: &Dataset) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root.titled("Sample images: the first training presentations", (FONT, 24))?;
    let (grid, bar) = root.split_horizontally(980);
    let (rows, cols) = (3, 6);
    let range = 0.0..MAX_PIXEL as f64;
    for (cell, p) in grid.split_evenly((rows, cols)).iter().zip(rec.schedule.iter()) {
        let pixels: Vec<f64> = data.image(p.row).iter().map(|&x| x as f64).collect();
        let title = format!("#{} digit {} (t = {:.1} s)", p.index, p.label, rec.t_ms(p.step) / 1000.0);
        image_panel(cell, &title, &pixels, image_shape(pixels.len()), &range, Cmap::GreyInk, false)?;
    }
    colour_bar(&bar, &range, Cmap::GreyInk, "pixel value (0-16)")
}

/// Each output's forward weights as an image, with a colour bar on `[0, wmax]`.
pub fn forward_images<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rec: &Recorder,
    snap: &Snapshot,
    when: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let title = format!("Forward weights {when} (t = {:.1} s)", rec.t_ms(snap.step) / 1000.0);
    let root = root.titled(&title, (FONT, 24))?;
    let (w, _) = root.dim_in_pixel();
    let (grid, bar) = root.split_horizontally(w.saturating_sub(110));
    let n_out = rec.n_out;
    let cols = n_out.min(5);
    let rows = n_out.div_ceil(cols);
    let hi = snap.w.iter().cloned().fold(0.0, f64::max).max(1e-12);
    // The weights live in [0, wmax]; wmax is not in the recording, so the scale is [0, max(1, max w)].
    let range = 0.0..hi.max(1.0);
    for (j, cell) in grid.split_evenly((rows, cols)).iter().enumerate().take(n_out) {
        let values: Vec<f64> = snap.w.column(j).to_vec();
        image_panel(cell, &output_name(rec, j), &values, image_shape(values.len()), &range, Cmap::Viridis, true)?;
    }
    colour_bar(&bar, &range, Cmap::Viridis, "weight w (input -> output)")
}

/// The lateral weight matrix after training and after the test phase.
pub fn lateral<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rec: &Recorder,
    train: &Snapshot,
    test: &Snapshot,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root =
        root.titled("Lateral weights w_neg (row: presynaptic output, column: postsynaptic output)", (FONT, 20))?;
    let (panels, bar) = root.split_horizontally(880);
    let lo = train.w_neg.iter().chain(test.w_neg.iter()).cloned().fold(0.0, f64::min);
    let range = lo.min(-1.0)..0.0;
    let n = rec.n_out;
    for (area, (snap, when)) in
        panels.split_evenly((1, 2)).iter().zip([(train, "after training"), (test, "after test")])
    {
        let title = format!("{when} (t = {:.1} s)", rec.t_ms(snap.step) / 1000.0);
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, -0.5..n as f64 - 0.5)?;
        // Entry (i, j) is the unit square centred on (j, n - 1 - i): row 0 at the top.
        let y_fmt = |y: &f64| integer_label(&(n as f64 - 1.0 - y));
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("postsynaptic output")
            .y_desc("presynaptic output")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .x_labels(2 * n + 1)
            .y_labels(2 * n + 1)
            .x_label_formatter(&integer_label)
            .y_label_formatter(&y_fmt)
            .draw()?;
        chart.draw_series((0..n * n).map(|idx| {
            let (i, j) = (idx / n, idx % n);
            let (x, y) = (j as f64, (n - 1 - i) as f64);
            let colour = if i == j { RGBColor(200, 200, 200) } else { Cmap::Viridis.of(snap.w_neg[[i, j]], &range) };
            Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], colour.filled())
        }))?;
        // Values written in the cells while they fit.
        let annotate = n <= 5;
        chart.draw_series((0..n * n).filter(|idx| annotate && idx / n != idx % n).map(|idx| {
            let (i, j) = (idx / n, idx % n);
            let v = snap.w_neg[[i, j]];
            let colour = if (v - range.start) / (range.end - range.start) > 0.6 { BLACK } else { WHITE };
            Text::new(
                format!("{v:.2}"),
                (j as f64 - 0.15, (n - 1 - i) as f64 + 0.05),
                (FONT, 16).into_font().color(&colour),
            )
        }))?;
    }
    colour_bar(&bar, &range, Cmap::Viridis, "lateral weight (grey: no synapse)")
}

/// Draw the input rates between `t0` and `t1` (seconds) as an image: time x input, colour = rate.
fn rates_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rec: &Recorder,
    title: &str,
    t: Range<f64>,
    range: &Range<f64>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let n = rec.n_in;
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
        .y_desc("input neuron (pixel)")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .y_label_formatter(&integer_label)
        .draw()?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(t.start, -0.5), (t.end, n as f64 - 0.5)],
        Cmap::Viridis.at(0.0).filled(),
    )))?;
    let ts = times_s(rec);
    let dt_sample = rec.every as f64 * rec.dt_ms / 1000.0;
    // Runs of equal rate per input, one rectangle each (the rates change only at window edges).
    let mut rects = Vec::new();
    for k in 0..n {
        let mut start = 0;
        for s in 1..=ts.len() {
            let same = s < ts.len() && rec.rates_hz[s * n + k] == rec.rates_hz[start * n + k];
            if !same {
                let v = rec.rates_hz[start * n + k];
                let (a, b) = (ts[start] - dt_sample, ts[s - 1]);
                if v > 0.0 && b >= t.start && a <= t.end {
                    rects.push((a.max(t.start), b.min(t.end), k, v));
                }
                start = s;
            }
        }
    }
    chart.draw_series(rects.into_iter().map(|(a, b, k, v)| {
        Rectangle::new([(a, k as f64 - 0.5), (b, k as f64 + 0.5)], Cmap::Viridis.of(v, range).filled())
    }))?;
    Ok(())
}

/// Input rates over time: the whole run and the first second.
pub fn input_rates<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root.titled("Input rates over time (colour: rate, Hz)", (FONT, 24))?;
    let (panels, bar) = root.split_horizontally(1290);
    let hi = rec.rates_hz.iter().cloned().fold(0.0, f64::max);
    let range = 0.0..hi.max(1.0);
    let (top, bottom) = panels.split_vertically(430);
    let end = end_s(rec);
    rates_panel(&top, rec, &format!("whole run (train/test boundary at {:.1} s)", boundary_s(rec)), 0.0..end, &range)?;
    rates_panel(&bottom, rec, "first second (presentations of 50 ms and rests)", 0.0..end.min(1.0), &range)?;
    colour_bar(&bar, &range, Cmap::Viridis, "input rate (Hz)")
}

/// Input and output traces `a`, train/test boundary marked.
pub fn traces_a<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root.titled("Traces a of the inputs and outputs", (FONT, 24))?;
    let (top, bottom) = root.split_vertically(430);
    let ts = times_s(rec);
    let x = 0.0..end_s(rec);
    let (n_in, n_out) = (rec.n_in, rec.n_out);

    let y = padded_range(rec.p_a.iter().cloned());
    let mut chart =
        time_chart(&top, &format!("input traces P.a ({n_in} inputs)"), "P.a (dimensionless)", x.clone(), y.clone())?;
    lines(
        &mut chart,
        &ts,
        n_in,
        |i, k| rec.p_a[i * n_in + k],
        |k| series_colour(k).mix(0.5),
        |k| (k == 0).then(|| format!("one line per input (0..{})", n_in - 1)),
    )?;
    mark_boundary(&mut chart, rec, &y)?;
    legend(&mut chart)?;

    let y = padded_range(rec.g_a.iter().cloned());
    let mut chart = time_chart(&bottom, "output traces G.a", "G.a (dimensionless)", x, y.clone())?;
    lines(
        &mut chart,
        &ts,
        n_out,
        |i, j| rec.g_a[i * n_out + j],
        |j| series_colour(j).mix(0.9),
        |j| Some(output_name(rec, j)),
    )?;
    mark_boundary(&mut chart, rec, &y)?;
    legend(&mut chart)
}

/// `I_inp` and `I_neg` of each output.
pub fn currents<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root.titled("Synaptic currents of the outputs", (FONT, 24))?;
    let (top, bottom) = root.split_vertically(430);
    let ts = times_s(rec);
    let x = 0.0..end_s(rec);
    let n_out = rec.n_out;
    for (area, values, name) in [
        (&top, &rec.i_inp, "I_inp (forward, from the inputs)"),
        (&bottom, &rec.i_neg, "I_neg (lateral, from the other outputs)"),
    ] {
        let y = padded_range(values.iter().cloned());
        let short = name.split(' ').next().unwrap_or(name);
        let mut chart = time_chart(area, name, &format!("{short} (model current units)"), x.clone(), y.clone())?;
        lines(
            &mut chart,
            &ts,
            n_out,
            |i, j| values[i * n_out + j],
            |j| series_colour(j).mix(0.8),
            |j| Some(output_name(rec, j)),
        )?;
        mark_boundary(&mut chart, rec, &y)?;
        legend(&mut chart)?;
    }
    Ok(())
}

/// Forward and lateral weights over time.
pub fn weights_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root.titled("Weights over time", (FONT, 24))?;
    let (top, bottom) = root.split_vertically(430);
    let ts = times_s(rec);
    let x = 0.0..end_s(rec);
    let (n_in, n_out) = (rec.n_in, rec.n_out);
    let per = n_in * n_out;

    let y = padded_range(rec.w.iter().cloned());
    let title = format!("forward weights w ({n_in} per output, coloured by output)");
    let mut chart = time_chart(&top, &title, "w (input -> output)", x.clone(), y.clone())?;
    lines(
        &mut chart,
        &ts,
        per,
        |i, s| rec.w[i * per + s],
        |s| series_colour(s % n_out).mix(0.35),
        |s| (s < n_out).then(|| format!("into {}", output_name(rec, s))),
    )?;
    mark_boundary(&mut chart, rec, &y)?;
    legend(&mut chart)?;

    let pairs: Vec<(usize, usize)> =
        (0..n_out).flat_map(|i| (0..n_out).map(move |j| (i, j))).filter(|(i, j)| i != j).collect();
    let nn = n_out * n_out;
    let y =
        padded_range(pairs.iter().flat_map(|&(i, j)| (0..ts.len()).map(move |s| rec.w_neg[s * nn + i * n_out + j])));
    let mut chart = time_chart(&bottom, "lateral weights w_neg (output i -> output j)", "w_neg", x, y.clone())?;
    let few = pairs.len() <= 12;
    lines(
        &mut chart,
        &ts,
        pairs.len(),
        |s, p| rec.w_neg[s * nn + pairs[p].0 * n_out + pairs[p].1],
        |p| series_colour(if few { p } else { pairs[p].1 }).mix(0.9),
        |p| {
            let (i, j) = pairs[p];
            if few {
                Some(format!("{i} -> {j}"))
            } else {
                (i == usize::from(j == 0)).then(|| format!("into output {j}"))
            }
        },
    )?;
    mark_boundary(&mut chart, rec, &y)?;
    legend(&mut chart)
}

/// Spikes of a population in `t` (seconds), one mark per neuron and pixel column that holds a spike.
#[allow(clippy::too_many_arguments)]
fn raster_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rec: &Recorder,
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
pub fn raster<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rec: &Recorder) -> Result<()>
where
    DB::ErrorType: 'static,
{
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
