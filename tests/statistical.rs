//! Statistical agreement with brian2 on the notebook protocol: harness's mean test accuracy over
//! 64 seeds must lie within the combined 99% confidence interval of brian2's (Welch), whose runs
//! `tools/brian2_reference/accuracy.py` recorded in `tests/fixtures/brian2_notebook_accuracy.csv`.

use std::path::Path;

use harness::config;
use harness::run::run_instance;
use harness::stats::{mean, sd, welch};

fn brian2_test_accuracies() -> Vec<f64> {
    let path = format!("{}/tests/fixtures/brian2_notebook_accuracy.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == "test_accuracy").expect("test_accuracy column");
    lines.filter(|l| !l.is_empty()).map(|l| l.split(',').nth(col).unwrap().parse().unwrap()).collect()
}

#[test]
fn notebook_protocol_accuracy_agrees_with_brian2() {
    let exp = config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/notebook.toml")).unwrap();
    let ours: Vec<f64> = (1..=64).map(|seed| run_instance(&exp, seed, &mut ()).unwrap().test_accuracy()).collect();
    let theirs = brian2_test_accuracies();
    assert!(theirs.len() >= 16, "the brian2 fixture needs at least 16 seeds");
    let w = welch(&ours, &theirs, 0.99);
    println!(
        "harness: mean test accuracy {:.4} (sd {:.4}, n {}); brian2: {:.4} (sd {:.4}, n {}); \
         difference {:+.4}, 99% Welch half-width {:.4} (df {:.1})",
        mean(&ours),
        sd(&ours),
        ours.len(),
        mean(&theirs),
        sd(&theirs),
        theirs.len(),
        w.diff,
        w.half_width,
        w.df
    );
    assert!(
        w.diff.abs() <= w.half_width,
        "harness and brian2 differ in mean test accuracy by {:+.4}, beyond the 99% interval ±{:.4}",
        w.diff,
        w.half_width
    );
}
