//! The best run of a report: the best configuration's first successful replicate, re-run with a
//! trace and drawn with the figures of `--plots` (also written to `report-best-run/`).

use std::fmt::Write as _;

use super::html::{base64, escape, figure};
use super::{BEST_RUN_DIR, RECORD_EVERY, ReportError, Source};
use crate::plot::FIGURES;
use crate::trace::Trace;

/// The section, or nothing when no run succeeded. A best configuration whose first replicate
/// failed is shown by its first successful one, and `notes` says so.
pub fn section(src: &Source, figures: &mut Vec<String>, notes: &mut Vec<String>) -> Result<String, ReportError> {
    let Some(best) = src.ranked.iter().find(|c| c.mean.is_some()) else { return Ok(String::new()) };
    let id = &best.config_id;
    // A race's best is shown by a validation run (the summary is of those).
    let run = src
        .runs
        .iter()
        .filter(|r| &r.config_id == id && r.test.is_some() && (src.race.is_none() || r.validation))
        .min_by_key(|r| r.replicate)
        .ok_or_else(|| ReportError::Data(format!("no successful run of configuration {id}")))?;
    let mut note = String::new();
    if run.replicate > 0 {
        note = format!(
            " Replicates 0 to {} of this configuration failed; the first successful one is shown.",
            run.replicate - 1
        );
        notes.push(format!("the best configuration's replicate {} is shown (the earlier ones failed)", run.replicate));
    }
    let (images, test, every) = rerun(src, id, run.seed)?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<section id=\"best-run\"><h2>The best run</h2><p>Configuration <code>{}</code>, replicate {}, seed {}, re-run with a recording every {every} steps{}: test accuracy {test:.4} (recorded: {}).{} The figures are also in <code>{BEST_RUN_DIR}/</code>.</p>",
        escape(id),
        run.replicate,
        run.seed,
        if every > RECORD_EVERY { " (a large network's long run: as often as fits in memory)" } else { "" },
        run.test.map_or("-".into(), |x| format!("{x:.4}")),
        escape(&note)
    );
    for (fig, png) in images {
        let fig_id = format!("fig-best-run-{}", fig.name);
        let alt = escape(&format!("best run: {}", fig.name));
        let img = format!("<img alt=\"{alt}\" src=\"data:image/png;base64,{}\">", base64(&png));
        s.push_str(&figure(&fig_id, &format!("The best run: {}.", fig.caption), &img));
        figures.push(fig_id);
    }
    s.push_str("</section>\n");
    Ok(s)
}

/// A figure and its PNG bytes.
type Png = (&'static crate::plot::Figure, Vec<u8>);

/// Re-run configuration `config_id` with `seed` and a trace, sampled every [`RECORD_EVERY`]
/// steps or as often as fits in memory ([`Trace::fitting_every`]); draw its figures into
/// `dir/report-best-run/`. Returns each figure's PNG bytes, the run's test accuracy and the
/// sampling interval.
fn rerun(src: &Source, config_id: &str, seed: u64) -> Result<(Vec<Png>, f64, u64), ReportError> {
    let config = src.configs.iter().find(|c| c.id_hex() == config_id).ok_or_else(|| {
        ReportError::BestRun(format!("configuration {config_id} is not in the manifest's experiment"))
    })?;
    let exp = &config.exp;
    let schedule = crate::run::schedule(exp, seed);
    let every = Trace::fitting_every(exp, &schedule, RECORD_EVERY);
    let mut trace = Trace::new(exp, &schedule, every).map_err(|e| ReportError::BestRun(e.to_string()))?;
    let outcome = crate::run::run_instance(exp, seed, &mut trace).map_err(|e| ReportError::BestRun(e.to_string()))?;
    if exp.protocol.labels == crate::protocol::Labels::Assigned {
        // The figures name each output by the class it stood for in the test.
        trace.owners = Some(outcome.owners.clone());
    }
    let out = src.dir.join(BEST_RUN_DIR);
    crate::plot::write_all(&out, &trace, &exp.data).map_err(|e| ReportError::BestRun(format!("{e:#}")))?;
    let mut images = Vec::new();
    for fig in FIGURES {
        let png = out.join(format!("{}.png", fig.name));
        images.push((fig, crate::fsio::read_own(&png, crate::fsio::Limit::LARGE)?));
    }
    Ok((images, outcome.test_accuracy(), every))
}
