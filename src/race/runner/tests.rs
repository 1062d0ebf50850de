//! A race into its results directory: replay, resume, the journal's checks, screening.

use std::sync::atomic::AtomicBool;

use super::*;
use crate::progress::Silent;

const TEXT: &str = "name = \"r\"\nseed = 5\n[protocol]\nclasses = [3, 8]\nsampling = \"holdout\"\n\
                    train_presentations = 30\ntest_presentations = 10\n[random]\n\
                    c_inp = { log_uniform = [0.05, 0.8] }\nlr = { log_uniform = [0.005, 0.2] }\n\
                    [race]\nbudget = 120\nvalidation_replicates = 3\n";

fn plan() -> Plan {
    plan_of(TEXT)
}

fn plan_of(text: &str) -> Plan {
    let raw = crate::config::parse_text("r.toml", text).unwrap();
    crate::race::plan(&raw, "r", Path::new("."), false).unwrap()
}

fn options(out: &Path) -> Options {
    Options { out: Some(out.to_path_buf()), threads: 2, policy: Policy::default() }
}

#[test]
fn a_race_runs_replays_from_its_journal_and_resumes_after_a_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let (p, never) = (plan(), AtomicBool::new(false));
    let Ok(Ended::Finished(whole)) = run(&p, Path::new("r.toml"), &options(&tmp.path().join("a")), &never, &Silent)
    else {
        panic!("not finished")
    };
    assert!(whole.ran > 0 && !whole.what.history.elites.is_empty());
    assert_eq!(whole.what.validation.len(), whole.what.history.elites.len());
    assert!(whole.what.validation.iter().all(|(_, rs)| rs.len() == 3));
    // The replay on the journal takes the same decisions and asks for every journalled run.
    let journal =
        crate::results::journal::read(&tmp.path().join("a").join(crate::results::journal::FILE)).unwrap().results;
    let by_index: HashMap<usize, RunResult> = journal.iter().map(|r| (r.index, r.clone())).collect();
    let (raced, asked) = replay(&p, &by_index).unwrap();
    assert_eq!(raced.history, whole.what.history);
    assert_eq!(asked.len(), journal.len());
    // Stopped before its first run: interrupted, then resumed to the same tables.
    let stop = AtomicBool::new(true);
    let stopped = run(&p, Path::new("r.toml"), &options(&tmp.path().join("b")), &stop, &Silent).unwrap();
    assert!(matches!(&stopped, Ended::Stopped(s) if s.done == 0 && s.of.is_none()), "{stopped:?}");
    let Ok(Ended::Finished(resumed)) = run(&p, Path::new("r.toml"), &options(&tmp.path().join("b")), &never, &Silent)
    else {
        panic!("not finished")
    };
    assert_eq!(resumed.what.history, whole.what.history);
    for file in ["runs.parquet", "race.parquet", "summary.parquet"] {
        let read = |d: &str| std::fs::read(tmp.path().join(d).join(file)).unwrap();
        assert_eq!(read("a"), read("b"), "{file}");
    }
}

#[test]
fn a_journal_line_is_accepted_only_as_the_run_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let (p, never) = (plan(), AtomicBool::new(false));
    run(&p, Path::new("r.toml"), &options(&tmp.path().join("a")), &never, &Silent).unwrap();
    let path = tmp.path().join("a").join(crate::results::journal::FILE);
    let journal = crate::results::journal::read(&path).unwrap().results;
    assert_eq!(check_journal(&p, &journal), Ok(()));
    let mut forged = journal.clone();
    forged[0].seed ^= 1;
    let e = check_journal(&p, &forged).unwrap_err();
    assert!(e.index == 0 && e.why.contains("its seed is"), "{e:?}");
    let mut phantom = journal.clone();
    let mut extra = journal[0].clone();
    extra.index = journal.len() + 5;
    phantom.push(extra);
    let e = check_journal(&p, &phantom).unwrap_err();
    assert!(e.index == journal.len() + 5 && e.why.contains("asks for"), "{e:?}");
    // An unfinished journal (its last runs missing) is fine: the race goes on from there.
    assert_eq!(check_journal(&p, &journal[..journal.len() / 2]), Ok(()));
}

#[test]
fn a_screening_race_runs_cut_configurations_and_resumes_from_half_its_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let p = plan_of(&format!("{TEXT}screen = [[0.5, 0.5]]\n"));
    let never = AtomicBool::new(false);
    let Ok(Ended::Finished(whole)) = run(&p, Path::new("r.toml"), &options(&tmp.path().join("a")), &never, &Silent)
    else {
        panic!("not finished")
    };
    let h = &whole.what.history;
    assert!(h.screened > 0.0 && h.used <= 120, "{} {}", h.screened, h.used);
    let out = h
        .candidates
        .iter()
        .filter(|c| c.left.as_ref().is_some_and(|(_, e)| e.by == super::super::engine::Cause::Screened));
    assert!(out.count() > 0);
    // Screening runs show half the training and test presentations, on the race's seeds.
    let path = tmp.path().join("a").join(crate::results::journal::FILE);
    let journal = crate::results::journal::read(&path).unwrap().results;
    let cut = journal.iter().filter(|r| (r.train_presentations, r.test_presentations) == (15, 5)).count();
    assert!(cut > 0 && cut < journal.len(), "{cut} of {}", journal.len());
    let by_index: HashMap<usize, RunResult> = journal.iter().map(|r| (r.index, r.clone())).collect();
    let (raced, asked) = replay(&p, &by_index).unwrap();
    assert_eq!(&raced.history, h);
    assert_eq!(asked.len(), journal.len());
    // Half the journal in another directory: the race goes on from there to the same tables.
    std::fs::create_dir_all(tmp.path().join("b")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let half = lines[..lines.len() / 2].join("\n") + "\n";
    std::fs::write(tmp.path().join("half"), &half).unwrap();
    let partial = crate::results::journal::read(&tmp.path().join("half")).unwrap().results;
    assert!(!partial.is_empty() && partial.len() < journal.len());
    assert_eq!(check_journal(&p, &partial), Ok(()));
    assert!(run(&p, Path::new("r.toml"), &options(&tmp.path().join("b")), &AtomicBool::new(true), &Silent).is_ok());
    std::fs::write(tmp.path().join("b").join(crate::results::journal::FILE), half).unwrap();
    let Ok(Ended::Finished(resumed)) = run(&p, Path::new("r.toml"), &options(&tmp.path().join("b")), &never, &Silent)
    else {
        panic!("not finished")
    };
    assert_eq!(&resumed.what.history, h);
    assert!(resumed.ran < whole.ran, "{} {}", resumed.ran, whole.ran);
    // On one thread: the same tables, byte for byte.
    let one = Options { threads: 1, ..options(&tmp.path().join("c")) };
    assert!(matches!(run(&p, Path::new("r.toml"), &one, &never, &Silent), Ok(Ended::Finished(_))));
    for file in ["runs.parquet", "race.parquet", "summary.parquet"] {
        let read = |d: &str| std::fs::read(tmp.path().join(d).join(file)).unwrap();
        assert_eq!(read("a"), read("b"), "{file}");
        assert_eq!(read("a"), read("c"), "{file}");
    }
}
