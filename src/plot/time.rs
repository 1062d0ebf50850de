//! The figures over time: input rates, traces `a`, currents, weights; and the helpers of a chart
//! over time.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::Ctx;
use super::draw::{Cmap, FONT, colour_bar, integer_label, padded_range, reduce, series_colour};
use crate::trace::Trace;

/// Points per trace after [`reduce`] (about twice this).
const BUCKETS: usize = 1000;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Sample times in seconds.
pub(super) fn times_s(rec: &Trace) -> Vec<f64> {
    rec.steps.iter().map(|&s| rec.t_ms(s) / 1000.0).collect()
}

pub(super) fn boundary_s(rec: &Trace) -> f64 {
    rec.t_ms(rec.train_end) / 1000.0
}

pub(super) fn end_s(rec: &Trace) -> f64 {
    (rec.t_ms(rec.total_steps) / 1000.0).max(1e-9)
}

pub(super) fn output_name(rec: &Trace, j: usize) -> String {
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
fn mark_boundary<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, rec: &Trace, y: &Range<f64>) -> Result<()>
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

/// Draw the input rates between `t0` and `t1` (seconds) as an image: time x input, colour = rate.
fn rates_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rec: &Trace,
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
pub fn input_rates<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let rec = ctx.trace;
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
pub fn traces_a<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let rec = ctx.trace;
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
pub fn currents<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let rec = ctx.trace;
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
pub fn weights_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let rec = ctx.trace;
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
