//! The notebook's figures for one run (`harness run ... --plots DIR`, and the best run of a
//! report), drawn with plotters from a [`Trace`]. Every figure is written twice, as `NAME.png` and
//! `NAME.svg`. [`FIGURES`] is the one list of them, with their captions: `--plots`, the report and
//! the README's list are all made from it.
//!
//! Long traces are reduced for drawing to the minimum and maximum of each of about 1,000 time
//! buckets (so spikes in a trace stay visible); the tables of `--trace` keep every sample.
//!
//! Text needs a TrueType font: the first of `$HARNESS_FONT` and a list of usual system paths
//! (DejaVu Sans, Liberation Sans, Arial) that exists is used; without one, `--plots` fails with a
//! message saying so.

mod draw;
mod images;
pub mod race;
mod raster;
pub mod sweep;
mod time;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::Dataset;
use crate::trace::{Snapshot, Trace};

/// What a figure is drawn from.
pub struct Ctx<'a> {
    pub trace: &'a Trace,
    /// The run's data set (for the sample images).
    pub data: &'a Dataset,
}

impl Ctx<'_> {
    fn after_train(&self) -> Result<&Snapshot> {
        self.trace.after_train.as_ref().context("the trace has no weights at the end of training")
    }

    fn after_test(&self) -> Result<&Snapshot> {
        self.trace.after_test.as_ref().context("the trace has no weights at the end of the run")
    }
}

/// One figure: its file stem, its caption, and its size in pixels for a trace.
pub struct Figure {
    pub name: &'static str,
    pub caption: &'static str,
    pub size: fn(&Trace) -> (u32, u32),
}

/// Each output's weight image in a grid of up to 5 columns.
fn weights_size(t: &Trace) -> (u32, u32) {
    let cols = t.n_out.min(5);
    let rows = t.n_out.div_ceil(cols);
    ((cols as u32 * 260 + 140).max(520), rows as u32 * 280 + 60)
}

/// The figures, and the one function that draws each: `figures! { name, caption, size, draw; ... }`
/// makes [`FIGURES`] and the dispatch of [`draw`] from one list.
macro_rules! figures {
    ($($name:literal, $caption:literal, $size:expr, $draw:path;)*) => {
        /// Every figure of a run, in the order they are written and shown.
        pub const FIGURES: &[Figure] = &[$(Figure { name: $name, caption: $caption, size: $size },)*];

        /// Draw figure `name` on `root`.
        fn draw<DB: DrawingBackend>(name: &str, root: &DrawingArea<DB, Shift>, ctx: &Ctx) -> Result<()>
        where
            DB::ErrorType: 'static,
        {
            match name {
                $($name => $draw(root, ctx),)*
                other => bail!("no figure named {other}"),
            }
        }
    };
}

figures! {
    "samples", "the first training presentations' images, with their digits", |_| (1100, 600), images::samples;
    "weights_after_train", "each output's forward weights as an 8x8 image at the end of training, with a colour bar", weights_size, images::weights_after_train;
    "weights_after_test", "each output's forward weights at the end of the test phase, with a colour bar", weights_size, images::weights_after_test;
    "lateral", "the lateral weight matrix after training and after the test phase, with a colour bar", |_| (1000, 480), images::lateral_matrix;
    "input_rates", "input rates over time (time x input, colour = rate), the whole run and the first second", |_| (1400, 900), time::input_rates;
    "traces_a", "input and output traces a over time, the train/test boundary dashed", |_| (1400, 900), time::traces_a;
    "currents", "I_inp and I_neg of each output over time", |_| (1400, 900), time::currents;
    "weights_time", "forward and lateral weights over time", |_| (1400, 900), time::weights_time;
    "raster", "input and output spikes, the whole run and the first second", |_| (1400, 1000), raster::raster;
}

const FONT_PATHS: [&str; 8] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Register a system font as plotters' `sans-serif` (once per process).
fn ensure_font() -> Result<()> {
    static FONT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FONT.get_or_init(|| {
        let env = std::env::var_os("HARNESS_FONT").map(PathBuf::from);
        let candidates = env.into_iter().chain(FONT_PATHS.iter().map(PathBuf::from));
        for path in candidates {
            if let Ok(bytes) = crate::fsio::read_bounded(&path, crate::fsio::Links::Follow, crate::fsio::Limit::SMALL) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(path);
                }
            }
        }
        Err(format!(
            "no TrueType font found for the figures' text: set HARNESS_FONT to a .ttf file (tried {})",
            FONT_PATHS.join(", ")
        ))
    });
    match found {
        Ok(_) => Ok(()),
        Err(e) => bail!("{e}"),
    }
}

/// Write every figure of [`FIGURES`] into `dir` (created if missing) as PNG and SVG; returns the
/// files written. `data` is the run's data set (for the sample images).
pub fn write_all(dir: &Path, trace: &Trace, data: &Dataset) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    crate::fsio::create_dir_all(dir)?;
    let ctx = Ctx { trace, data };
    let mut out = Vec::new();
    for fig in FIGURES {
        let size = (fig.size)(trace);
        // Each file drawn into a temporary file of its own and renamed into place: two reports
        // of one directory never mix their bytes, and a link planted at a figure's name is
        // replaced, not drawn through.
        let png = dir.join(format!("{}.png", fig.name));
        in_place(&png, |tmp| {
            let root = BitMapBackend::new(tmp, size).into_drawing_area();
            root.fill(&WHITE)?;
            draw(fig.name, &root, &ctx).with_context(|| format!("drawing {}", png.display()))?;
            root.present().map_err(|e| anyhow!("writing {}: {e}", png.display()))
        })?;
        let svg = dir.join(format!("{}.svg", fig.name));
        in_place(&svg, |tmp| {
            let root = SVGBackend::new(tmp, size).into_drawing_area();
            root.fill(&WHITE)?;
            draw(fig.name, &root, &ctx).with_context(|| format!("drawing {}", svg.display()))?;
            root.present().map_err(|e| anyhow!("writing {}: {e}", svg.display()))
        })?;
        out.push(png);
        out.push(svg);
    }
    Ok(out)
}

/// Write `path` by `write` into a temporary file beside it, then a rename.
fn in_place(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let (tmp, file) = crate::fsio::temp_beside(path)?;
    drop(file);
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(crate::fsio::put_in_place(&tmp, path)?)
}

/// The README's list of figures, as [`FIGURES`] makes it (a test holds the README to it).
pub fn readme_list() -> String {
    FIGURES.iter().map(|f| format!("- `{}`: {}\n", f.name, f.caption)).collect()
}
