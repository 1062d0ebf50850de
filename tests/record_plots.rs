//! `harness run --trace DIR --plots DIR`: the recording's tables and the figures, on a shortened
//! notebook experiment (20 training and 10 test presentations, 30,000 steps).

mod common;

use std::path::Path;

use harness::plot::FIGURES;
use harness::results::tables::read_parquet;

const TRAIN: u64 = 20;
const TEST: u64 = 10;
const WINDOW: u64 = 500;
const EVERY: u64 = 7;

fn harness(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let o = common::harness(dir, args);
    (o.ok(), o.stdout, o.stderr)
}

/// The shortened copy of experiments/notebook.toml, in `dir`.
fn short_experiment(dir: &Path) {
    let text = std::fs::read_to_string(common::root().join("experiments/notebook.toml")).unwrap();
    let text = text
        .replace("train_presentations = 200", &format!("train_presentations = {TRAIN}"))
        .replace("test_presentations = 100", &format!("test_presentations = {TEST}"));
    assert!(
        text.contains(&format!("train_presentations = {TRAIN}\n"))
            || text.contains(&format!("train_presentations = {TRAIN} "))
    );
    std::fs::write(dir.join("short.toml"), text).unwrap();
}

/// The lines of `harness run`'s report that the run determines (not the wall time, not the
/// lines about recording).
fn results(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.starts_with("wall time") && !l.starts_with("trace ") && !l.starts_with("plots "))
        .map(String::from)
        .collect()
}

fn count(out: &str, prefix: &str) -> u64 {
    let line = out.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in\n{out}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = |w: &str| words.iter().position(|x| *x == w).map(|i| words[i + 1].parse::<u64>().unwrap()).unwrap();
    at("train") + at("test")
}

#[test]
fn trace_and_plots_are_written_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    short_experiment(dir);

    let (ok, plain, err) = harness(dir, &["run", "short.toml", "--seed", "1"]);
    assert!(ok, "{err}");
    let every = EVERY.to_string();
    let args = ["run", "short.toml", "--seed", "1", "--trace", "T", "--plots", "P", "--record-every", &every];
    let (ok, recorded, err) = harness(dir, &args);
    assert!(ok, "{err}");
    assert_eq!(results(&plain), results(&recorded), "recording changed the run");
    assert!(results(&plain).iter().any(|l| l.starts_with("test accuracy")));

    // Tables: columns and row counts.
    let (n_in, n_out) = (64usize, 2usize);
    let steps = (TRAIN + TEST) * 2 * WINDOW;
    let samples = (steps / EVERY) as usize;
    let table = |name: &str, cols: &[&str], rows: usize| {
        let df = read_parquet(&dir.join("T").join(format!("{name}.parquet"))).unwrap();
        let names: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
        assert_eq!(names, cols, "{name}.parquet columns");
        assert_eq!(df.height(), rows, "{name}.parquet rows");
        df
    };
    let inputs = table("inputs", &["step", "t_ms", "neuron", "rate_hz", "a", "theta", "diff"], samples * n_in);
    let step = inputs.column("step").unwrap().u64().unwrap();
    assert_eq!(step.get(0), Some(EVERY));
    assert_eq!(step.get(samples * n_in - 1), Some(samples as u64 * EVERY));
    table(
        "outputs",
        &["step", "t_ms", "neuron", "a", "theta", "v", "I", "I_inp", "I_neg", "I_teacher", "hold"],
        samples * n_out,
    );
    table("weights", &["step", "t_ms", "pre", "post", "w"], samples * n_in * n_out);
    table("lateral", &["step", "t_ms", "pre", "post", "w"], samples * n_out * (n_out - 1));
    let spikes = (count(&plain, "input spikes")
        + (0..n_out).map(|j| count(&plain, &format!("output {j} "))).sum::<u64>()) as usize;
    assert!(spikes > 0);
    table("spikes", &["step", "t_ms", "population", "neuron"], spikes);
    let schedule = table(
        "schedule",
        &["index", "phase", "step", "t_ms", "end_step", "label", "class_index", "row"],
        (TRAIN + TEST) as usize,
    );
    let phase = schedule.column("phase").unwrap().str().unwrap();
    assert_eq!((phase.get(0), phase.get(TRAIN as usize)), (Some("train"), Some("test")));
    let phases = table("phases", &["phase", "start_step", "end_step", "start_ms", "end_ms"], 2);
    let end = phases.column("end_step").unwrap().u64().unwrap();
    assert_eq!((end.get(0), end.get(1)), (Some(TRAIN * 2 * WINDOW), Some(steps)));

    // Figures: every one, as a real PNG and a real SVG.
    for name in FIGURES.iter().map(|f| f.name) {
        let png = std::fs::read(dir.join("P").join(format!("{name}.png"))).unwrap();
        assert!(png.len() > 5_000 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}.png");
        let svg = std::fs::read_to_string(dir.join("P").join(format!("{name}.svg"))).unwrap();
        assert!(svg.len() > 5_000 && svg.contains("<svg") && svg.contains("<text"), "{name}.svg");
    }
}

#[test]
fn record_every_needs_an_output() {
    let tmp = tempfile::tempdir().unwrap();
    short_experiment(tmp.path());
    let (ok, _, err) = harness(tmp.path(), &["run", "short.toml", "--record-every", "5"]);
    assert!(!ok);
    assert!(err.contains("--record-every needs"), "{err}");
}

/// The README's list of figures is the registry's (`harness::plot::FIGURES`), word for word.
#[test]
fn the_readme_lists_the_registered_figures() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let start = readme.find("<!-- figures: made from harness::plot::FIGURES -->\n").expect("the figures block");
    let block = &readme[start..];
    let block = &block[block.find('\n').unwrap() + 1..block.find("<!-- /figures -->").unwrap()];
    assert_eq!(block, harness::plot::readme_list());
}
