//! `harness verify`: re-run recorded runs from the manifest and check every metric bit for bit.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use polars::prelude::AnyValue;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

use crate::cli::VerifyArgs;
use crate::config::locate_all;
use crate::sweep::journal::Record;
use crate::sweep::manifest::{self, Manifest, Probe};
use crate::sweep::{RunSpec, driver, expand, tables};

/// The metrics compared, as `(column, value of a record)`; values in a canonical text form
/// (floats in shortest round-trip form, so equal text means equal bits).
fn metrics(r: &Record) -> Vec<(&'static str, String)> {
    let f = |x: Option<f64>| x.map_or("null".into(), |x| format!("{x:?}"));
    vec![
        ("config_id", r.config_id.clone()),
        ("seed", r.seed.to_string()),
        ("status", if r.error.is_none() { "ok" } else { "failed" }.into()),
        ("train_accuracy", f(r.train_accuracy)),
        ("test_accuracy", f(r.test_accuracy)),
        ("presentations_train", r.train_presentations.to_string()),
        ("presentations_test", r.test_presentations.to_string()),
        ("input_spikes_train", r.input_spikes_train.to_string()),
        ("input_spikes_test", r.input_spikes_test.to_string()),
        ("output_spikes_train", r.output_spikes_train.to_string()),
        ("output_spikes_test", r.output_spikes_test.to_string()),
    ]
}

fn text(v: AnyValue) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::Float64(x) => format!("{x:?}"),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

pub fn main(args: &VerifyArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    let m = match Manifest::probe(dir)? {
        Probe::Ours(m) => *m,
        Probe::Missing => bail!(
            "{}: no {}: not a harness results directory (verify re-runs runs from the manifest)",
            dir.display(),
            manifest::FILE
        ),
        Probe::Foreign(why) => bail!("{}: {why}: verify it with the harness version that wrote it", dir.display()),
    };
    let base = Path::new(&m.experiment_file).parent().unwrap_or(Path::new("."));
    let toml_text = toml::to_string(&m.experiment)?;
    let sweep = expand(&m.experiment, "verify", base, true)
        .map_err(|p| locate_all(&format!("{} [experiment]", dir.join(manifest::FILE).display()), &toml_text, p))?;
    if format!("{:016x}", sweep.hash) != m.experiment_hash {
        bail!(
            "{}: the manifest's experiment does not hash to its recorded experiment_hash: the manifest was edited",
            dir.display()
        );
    }
    let runs_path = dir.join("runs.parquet");
    let df = tables::read_parquet(&runs_path).with_context(|| format!("reading {}", runs_path.display()))?;
    let specs: HashMap<String, RunSpec> = sweep.runs().into_iter().map(|s| (s.run_id.clone(), s)).collect();
    let ids = df.column("run_id")?.str()?.clone();
    let mut rows: Vec<usize> = (0..df.height()).collect();
    if let Some(k) = args.sample {
        let seed = u64::from_str_radix(&m.experiment_hash, 16).unwrap_or(0);
        rows.shuffle(&mut Pcg64Mcg::seed_from_u64(seed));
        rows.truncate(k);
        rows.sort_unstable();
    }
    let mut mismatches: Vec<[String; 4]> = Vec::new();
    let mut todo = Vec::new();
    for &row in &rows {
        let id = ids.get(row).unwrap_or_default();
        match specs.get(id) {
            Some(s) => todo.push((row, s.clone())),
            None => {
                mismatches.push([id.to_string(), "run_id".into(), id.into(), "(no such run in the experiment)".into()])
            }
        }
    }
    let threads = crate::sweep::driver::threads(args.threads);
    eprintln!("verify {}: re-running {} of {} runs on {threads} thread(s)", dir.display(), todo.len(), df.height());
    let spec_list: Vec<RunSpec> = todo.iter().map(|(_, s)| s.clone()).collect();
    let records = driver::execute_in_memory(&sweep.configs, &spec_list, threads);
    let mut compared = 0;
    for ((row, _), r) in todo.iter().zip(&records) {
        for (name, want) in metrics(r) {
            let got = df.column(name).and_then(|c| c.get(*row)).map(text).unwrap_or_else(|_| "(missing column)".into());
            compared += 1;
            if got != want {
                mismatches.push([r.run_id.clone(), name.into(), got, want]);
            }
        }
    }
    if mismatches.is_empty() {
        println!("verified {} runs: all {compared} metrics bit-identical", todo.len());
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = vec![["run_id".to_string(), "metric".into(), "recorded".into(), "recomputed".into()]];
    table.extend(mismatches.iter().cloned());
    print!("{}", crate::text::table(&table));
    let runs: std::collections::BTreeSet<&str> = mismatches.iter().map(|m| m[0].as_str()).collect();
    println!("verify FAILED: {} mismatch(es) in {} run(s)", mismatches.len(), runs.len());
    let ours = manifest::git_commit();
    if m.git_commit != ours {
        println!(
            "note: these results were written by harness {} and this is harness {ours}: runs are bit-identical \
             only under one build, and a change of the model's arithmetic or random streams between the two \
             changes every run; verify with a build of {} to check the results themselves",
            m.git_commit, m.git_commit
        );
    }
    Ok(ExitCode::FAILURE)
}
