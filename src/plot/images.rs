//! The figures that are images: sample presentations, each output's forward weights, the lateral
//! weight matrix.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::Ctx;
use super::draw::{Cmap, FONT, colour_bar, image_panel, image_shape, integer_label};
use super::time::output_name;
use crate::data::MAX_PIXEL;
use crate::trace::{Snapshot, Trace};

/// A grid of the first training presentations' images.
pub fn samples<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (rec, data) = (ctx.trace, ctx.data);
    let root = root.titled("Sample images: the first training presentations", (FONT, 24))?;
    let (grid, bar) = root.split_horizontally(980);
    let (rows, cols) = (3, 6);
    let range = 0.0..MAX_PIXEL as f64;
    for (i, (cell, p)) in grid.split_evenly((rows, cols)).iter().zip(rec.presentations.iter()).enumerate() {
        let pixels: Vec<f64> = data.image(p.row).iter().map(|&x| x as f64).collect();
        let t = rec.t_ms(rec.presentation_step(i)) / 1000.0;
        let title = format!("#{i} digit {} (t = {t:.1} s)", rec.digit(p));
        image_panel(cell, &title, &pixels, image_shape(pixels.len()), &range, Cmap::GreyInk, false)?;
    }
    colour_bar(&bar, &range, Cmap::GreyInk, "pixel value (0-16)")
}

/// Each output's forward weights as an image, with a colour bar on `[0, wmax]`.
fn forward_images<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rec: &Trace,
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
fn lateral<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rec: &Trace,
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

/// Each output's forward weights at the end of training.
pub fn weights_after_train<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    forward_images(root, ctx.trace, ctx.after_train()?, "after training")
}

/// Each output's forward weights at the end of the run.
pub fn weights_after_test<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    forward_images(root, ctx.trace, ctx.after_test()?, "after the test phase")
}

/// The lateral weights after each phase.
pub fn lateral_matrix<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
where
    DB::ErrorType: 'static,
{
    lateral(root, ctx.trace, ctx.after_train()?, ctx.after_test()?)
}
