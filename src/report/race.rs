//! The sections of a race's report: the races (candidates alive against the seeds each went
//! through), the elimination table (from `race.parquet`), and how the values drawn for each
//! parameter concentrate over the iterations. The races are replayed from the journal
//! ([`crate::race::runner::replay`]), so every number is the recorded one.

use std::fmt::Write as _;

use super::html::{escape, figure, inline_svg};
use super::{ReportError, Source};
use crate::plot::race::{AliveSeries, Draw, alive_plot, concentration as concentration_plot};
use crate::race::space::{Domain, Value};
use crate::results::cells::{Cell, cells};
use crate::results::schema::*;
use crate::results::tables::read_parquet;

/// Iterations: what each race raced, used and why it stopped, and the alive-candidates figure.
pub fn races(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let Some((plan, raced)) = &src.race else { return Ok(String::new()) };
    let h = &raced.history;
    let mut s = String::from("<section id=\"races\"><h2>The races</h2>\n");
    let _ = writeln!(
        s,
        "<p>{} races used {} of {} runs ({}); every candidate alive at a seed ran with that seed (common seeds). {} test, confidence {}, first test after {} seeds{}.</p>",
        h.iterations.len(),
        h.used,
        plan.settings.budget,
        escape(&h.stop.to_string()),
        plan.settings.test.word(),
        plan.settings.confidence,
        plan.settings.first_test,
        plan.settings.behind.map_or(String::new(), |b| format!(
            "; before it, from the first seed on, a candidate more than {b} of accuracy behind the best on the same seeds \
             was dropped (<code>behind</code>)"
        ))
    );
    s.push_str("<table id=\"iterations-table\"><thead><tr><th>iteration</th><th>candidates</th><th>elites in</th><th>runs</th><th>seeds</th><th>stopped because</th></tr></thead><tbody>\n");
    for it in &h.iterations {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            it.index,
            it.raced.len(),
            it.elites_in,
            it.used,
            it.trace.last().map_or(0, |t| t.task),
            escape(&it.stop.to_string())
        );
    }
    s.push_str("</tbody></table>\n");
    let series: Vec<AliveSeries> = h
        .iterations
        .iter()
        .map(|it| AliveSeries {
            label: format!("iteration {}", it.index),
            points: std::iter::once((0.0, it.raced.len() as f64))
                .chain(it.trace.iter().map(|t| (t.task as f64, t.alive as f64)))
                .collect(),
        })
        .collect();
    let caption = "Candidates alive after each task (the seeds a race has gone through), one line per iteration; later races start with the elites of the one before, which carry their results and cannot be dropped before the new candidates have caught up.";
    s.push_str(&figure("fig-race-alive", caption, inline_svg(&alive_plot(&series)?)));
    figures.push("fig-race-alive".into());
    s.push_str("</section>\n");
    Ok(s)
}

/// Every candidate, from `race.parquet`: its values, parent, iteration born, seeds raced, race
/// mean, and what dropped it (test, p-value, where) or whether it is a final elite.
pub fn eliminations(src: &Source) -> Result<String, ReportError> {
    let df = read_parquet(&src.dir.join("race.parquet"))?;
    let mut columns: Vec<String> = vec![CONFIG_ID.into()];
    columns.extend(src.axes.iter().cloned());
    columns.extend(
        [PARENT, BORN, SEEDS, RACE_MEAN, ELIMINATED_BY, P_VALUE, ELIMINATED_AT_SEED, ELIMINATED_IN, ELITE_RANK]
            .map(String::from),
    );
    let cells: Vec<Vec<Cell>> = columns.iter().map(|c| cells(&df, c).unwrap_or_default()).collect();
    let mut s = String::from("<section id=\"eliminations\"><h2>Every candidate, and what dropped it</h2>\n");
    let _ = writeln!(
        s,
        "<p>{} candidates, in the order they were drawn. The p-value is that of the test which dropped the candidate (Conover's post-hoc after a significant Friedman test, Wilcoxon's signed-rank test when two remained, or paired t with Holm's correction); <em>dominated</em>: of the last two, never better on any seed; <em>not among the elites</em>: alive at the end of its race but not kept.</p>",
        df.height()
    );
    s.push_str("<div class=\"wide\"><table id=\"race-table\"><thead><tr>");
    for c in &columns {
        let _ = write!(s, "<th>{}</th>", escape(c));
    }
    s.push_str("</tr></thead><tbody>\n");
    for r in 0..df.height() {
        s.push_str("<tr>");
        for col in &cells {
            let v = col.get(r).map(|c| c.shown()).unwrap_or_default();
            let _ = write!(s, "<td>{}</td>", escape(&v));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div></section>\n");
    Ok(s)
}

/// For each parameter, the values drawn by iteration, the final elites marked.
pub fn concentration(src: &Source, figures: &mut Vec<String>) -> Result<String, ReportError> {
    let Some((plan, raced)) = &src.race else { return Ok(String::new()) };
    let h = &raced.history;
    let mut s = String::from("<section id=\"concentration\"><h2>How the values drawn concentrate</h2>\n");
    for (k, p) in plan.space.params.iter().enumerate() {
        let draws: Vec<Draw> = h
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| Draw {
                iteration: c.born as f64,
                value: match c.values[k] {
                    Value::Num(x) => x,
                    Value::Choice(j) => j as f64,
                },
                elite: h.elites.contains(&i),
            })
            .collect();
        let (log, cats) = match &p.domain {
            Domain::Real { log, .. } => (*log, Vec::new()),
            Domain::Int { .. } => (false, Vec::new()),
            Domain::Choice(xs) => (false, xs.iter().map(|x| x.to_string().trim_matches('"').to_string()).collect()),
        };
        let svg = concentration_plot(&p.name, &draws, log, &cats)?;
        let id = format!("fig-race-concentration-{}", p.name);
        let caption = format!(
            "{}: the value of every candidate drawn in each iteration (the first uniformly or from the grid, the later ones around the elites of the race before), the final elites in red.",
            p.name
        );
        s.push_str(&figure(&id, &caption, inline_svg(&svg)));
        figures.push(id);
    }
    s.push_str("</section>\n");
    Ok(s)
}
