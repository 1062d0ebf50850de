//! Drawing helpers shared by the figures: colour maps, image panels, colour bars, trace reduction.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

pub const FONT: &str = "sans-serif";

/// Viridis, sampled at 5 points and interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 5] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

/// A colour map from `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmap {
    Viridis,
    /// White (0) to black (1): ink on paper, for digit images.
    GreyInk,
}

impl Cmap {
    pub fn at(self, x: f64) -> RGBColor {
        let x = if x.is_finite() { x.clamp(0.0, 1.0) } else { 0.0 };
        match self {
            Cmap::GreyInk => {
                let g = (255.0 * (1.0 - x)).round() as u8;
                RGBColor(g, g, g)
            }
            Cmap::Viridis => {
                let pos = x * (VIRIDIS.len() - 1) as f64;
                let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
                let f = pos - i as f64;
                let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
                let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
                RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
            }
        }
    }

    /// The colour of `v` on the scale `range`.
    pub fn of(self, v: f64, range: &Range<f64>) -> RGBColor {
        let span = range.end - range.start;
        self.at(if span > 0.0 { (v - range.start) / span } else { 0.5 })
    }
}

/// A distinct colour for series `i`.
pub fn series_colour(i: usize) -> RGBColor {
    const COLOURS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLOURS[i % COLOURS.len()]
}

/// Side lengths `(width, height)` of the image of `n` pixels: square when `n` is a square, two
/// squares one above the other when `n` is twice a square (on/off coding: the "on" inputs' image
/// over the "off" inputs').
pub fn image_shape(n: usize) -> (usize, usize) {
    let square = |n: usize| {
        let side = (n as f64).sqrt().round() as usize;
        (side * side == n).then_some(side)
    };
    match (square(n), square(n / 2)) {
        (Some(side), _) => (side, side),
        (None, Some(side)) if n.is_multiple_of(2) && side > 0 => (side, 2 * side),
        _ => (n, 1),
    }
}

/// An image panel: `values` row-major, `(width, height)`, coloured on `range`; row 0 at the top.
pub fn image_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    values: &[f64],
    (width, height): (usize, usize),
    range: &Range<f64>,
    cmap: Cmap,
    axis_labels: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16))
        .margin(6)
        .x_label_area_size(if axis_labels { 34 } else { 4 })
        .y_label_area_size(if axis_labels { 40 } else { 4 })
        .build_cartesian_2d(-0.5..width as f64 - 0.5, -0.5..height as f64 - 0.5)?;
    // Pixel (r, c) is the unit square centred on (c, height - 1 - r): row 0 at the top.
    let y_fmt = |y: &f64| integer_label(&(height as f64 - 1.0 - y));
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh();
    if axis_labels {
        mesh.x_desc("pixel column")
            .y_desc("pixel row")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .x_labels(2 * width + 1)
            .y_labels(2 * height + 1)
            .x_label_formatter(&integer_label)
            .y_label_formatter(&y_fmt);
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
        let (r, c) = (i / width, i % width);
        let (x, y) = (c as f64, (height - 1 - r) as f64);
        Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], cmap.of(v, range).filled())
    }))?;
    Ok(())
}

/// A vertical colour bar for `range`, with its label.
pub fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    range: &Range<f64>,
    cmap: Cmap,
    label: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let range = &(range.start.max(-DRAWN_MAX)..range.end.min(DRAWN_MAX));
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(40)
        .margin_right(10)
        .y_label_area_size(62)
        .build_cartesian_2d(0.0..1.0, range.clone())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.2}"))
        .draw()?;
    let steps = 100;
    let span = range.end - range.start;
    chart.draw_series((0..steps).map(|i| {
        let lo = range.start + span * i as f64 / steps as f64;
        let hi = range.start + span * (i + 1) as f64 / steps as f64;
        Rectangle::new([(0.0, lo), (1.0, hi)], cmap.of((lo + hi) / 2.0, range).filled())
    }))?;
    Ok(())
}

/// An axis label for whole-number positions only (indices of neurons, pixels); blank elsewhere.
pub fn integer_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 { format!("{}", v.round() as i64) } else { String::new() }
}

/// Reduce a time series to at most about `2 * buckets` points: the minimum and maximum of each
/// time bucket, in time order within the bucket. `ys[i]` belongs to `ts[i]`.
pub fn reduce(ts: &[f64], ys: impl Fn(usize) -> f64, buckets: usize) -> Vec<(f64, f64)> {
    let n = ts.len();
    if n <= 2 * buckets {
        return (0..n).map(|i| (ts[i], ys(i))).collect();
    }
    let mut out = Vec::with_capacity(2 * buckets + 2);
    for b in 0..buckets {
        let (lo, hi) = (b * n / buckets, ((b + 1) * n / buckets).max(b * n / buckets + 1));
        let (mut imin, mut imax) = (lo, lo);
        for i in lo..hi {
            if ys(i) < ys(imin) {
                imin = i;
            }
            if ys(i) > ys(imax) {
                imax = i;
            }
        }
        let (first, second) = if imin <= imax { (imin, imax) } else { (imax, imin) };
        out.push((ts[first], ys(first)));
        if second != first {
            out.push((ts[second], ys(second)));
        }
    }
    out
}

/// Values beyond this magnitude are drawn at it: plotters' tick computation never ends on a range
/// whose width overflows (diverging parameters give such values), and nothing is read off a figure
/// at 1e150 anyway.
pub const DRAWN_MAX: f64 = 1e150;

/// The range `[min, max]` of `values` (finite ones, clamped to +-[`DRAWN_MAX`]), widened a little
/// (and made non-empty).
pub fn padded_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()).map(|v| v.clamp(-DRAWN_MAX, DRAWN_MAX)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if hi - lo < 1e-12 {
        return lo - 0.5..hi + 0.5;
    }
    let pad = (hi - lo) * 0.05;
    lo - pad..hi + pad
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_stay_drawable() {
        let r = super::padded_range([-1.7e307, 1e308, f64::NAN].into_iter());
        assert!((r.end - r.start).is_finite() && r.end >= 1e150 && r.start <= -1e150, "{r:?}");
        assert_eq!(super::padded_range([f64::INFINITY].into_iter()), 0.0..1.0);
    }

    #[test]
    fn images_are_squares_or_on_over_off() {
        assert_eq!(super::image_shape(64), (8, 8));
        assert_eq!(super::image_shape(128), (8, 16));
        assert_eq!(super::image_shape(10), (10, 1));
        assert_eq!(super::image_shape(1), (1, 1));
        assert_eq!(super::image_shape(0), (0, 0));
    }
}
