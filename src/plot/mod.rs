//! The notebook's figures for one run (`harness run ... --plots DIR`), drawn with plotters from a
//! [`Recorder`]'s recording. Every figure is written twice, as `NAME.png` and `NAME.svg`:
//!
//! | figure | content |
//! | --- | --- |
//! | `samples` | the first training presentations' images, with their digits |
//! | `weights_after_train` | each output's forward weights as an 8x8 image at the end of training, with a colour bar |
//! | `weights_after_test` | the same at the end of the test phase |
//! | `lateral` | the lateral weight matrix after training and after the test phase, with a colour bar |
//! | `input_rates` | input rates over time (image: time x input, colour = rate), whole run and first second |
//! | `traces_a` | input and output traces `a` over time, train/test boundary marked |
//! | `currents` | `I_inp` and `I_neg` of each output over time |
//! | `weights_time` | forward and lateral weights over time |
//! | `raster` | input and output spikes, whole run and first second |
//!
//! Long traces are reduced for drawing to the minimum and maximum of each of about 1,000 time
//! buckets (so spikes in a trace stay visible); the tables of `--trace` keep every sample.
//!
//! Text needs a TrueType font: the first of `$HARNESS_FONT` and a list of usual system paths
//! (DejaVu Sans, Liberation Sans, Arial) that exists is used; without one, `--plots` fails with a
//! message saying so.

mod draw;
mod figures;
pub mod sweep;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use plotters::prelude::*;

use crate::data::Dataset;
use crate::record::Recorder;

/// Names of the figures [`write_all`] writes (each as `.png` and `.svg`).
pub const FIGURES: [&str; 9] = [
    "samples",
    "weights_after_train",
    "weights_after_test",
    "lateral",
    "input_rates",
    "traces_a",
    "currents",
    "weights_time",
    "raster",
];

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
            if let Ok(bytes) = std::fs::read(&path) {
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

/// Draw one figure with both backends: `$f(&root, args...)` on a PNG and on an SVG canvas.
macro_rules! both {
    ($out:expr, $dir:expr, $name:expr, $size:expr, $f:path $(, $arg:expr)* $(,)?) => {{
        let png = $dir.join(format!("{}.png", $name));
        {
            let root = BitMapBackend::new(&png, $size).into_drawing_area();
            root.fill(&WHITE)?;
            $f(&root $(, $arg)*).with_context(|| format!("drawing {}", png.display()))?;
            root.present().map_err(|e| anyhow!("writing {}: {e}", png.display()))?;
        }
        let svg = $dir.join(format!("{}.svg", $name));
        {
            let root = SVGBackend::new(&svg, $size).into_drawing_area();
            root.fill(&WHITE)?;
            $f(&root $(, $arg)*).with_context(|| format!("drawing {}", svg.display()))?;
            root.present().map_err(|e| anyhow!("writing {}: {e}", svg.display()))?;
        }
        $out.push(png);
        $out.push(svg);
    }};
}

/// Write every figure of [`FIGURES`] into `dir` (created if missing); returns the files written.
/// `data` is the run's data set (for the sample images).
pub fn write_all(dir: &Path, rec: &Recorder, data: &Dataset) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut out = Vec::new();
    let n_out = rec.n_out;
    let cols = n_out.min(5);
    let rows = n_out.div_ceil(cols);
    let weights_size = ((cols as u32 * 260 + 140).max(520), rows as u32 * 280 + 60);
    both!(out, dir, "samples", (1100, 600), figures::samples, rec, data);
    let after_train = rec.after_train.as_ref().context("the recording has no weights at the end of training")?;
    let after_test = rec.after_test.as_ref().context("the recording has no weights at the end of the run")?;
    both!(out, dir, "weights_after_train", weights_size, figures::forward_images, rec, after_train, "after training");
    both!(
        out,
        dir,
        "weights_after_test",
        weights_size,
        figures::forward_images,
        rec,
        after_test,
        "after the test phase"
    );
    both!(out, dir, "lateral", (1000, 480), figures::lateral, rec, after_train, after_test);
    both!(out, dir, "input_rates", (1400, 900), figures::input_rates, rec);
    both!(out, dir, "traces_a", (1400, 900), figures::traces_a, rec);
    both!(out, dir, "currents", (1400, 900), figures::currents, rec);
    both!(out, dir, "weights_time", (1400, 900), figures::weights_time, rec);
    both!(out, dir, "raster", (1400, 1000), figures::raster, rec);
    Ok(out)
}
