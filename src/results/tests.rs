//! ResultsDir: resume, one writer, a foreign journal, another work, `--force`.
use super::journal::tests::result;
use super::*;

fn work(identity: u64) -> Work {
    Work {
        kind: Kind::Sweep,
        identity,
        identity_text: format!("seed={identity}"),
        experiment_file: "t.toml".into(),
        base_dir: PathBuf::from("/"),
        experiment: RawExperiment::default(),
        shard: None,
        total_runs: 2,
        runs: 2,
        threads: 1,
    }
}

#[test]
fn a_directory_is_resumed_by_its_work_refused_to_another_and_moved_aside_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("d");
    let accept = |_: &[RunResult]| Ok(());
    {
        let (mut dir, notes) = ResultsDir::open(&path, &work(1), Policy::default(), accept).unwrap();
        assert!(notes.is_empty());
        dir.record(&result(0)).unwrap();
        dir.record(&result(0)).unwrap(); // kept once
        assert_eq!(dir.update_manifest(false).unwrap().runs_done, 1);
        let e = ResultsDir::open(&path, &work(1), Policy::default(), accept).unwrap_err();
        assert!(e.to_string().contains("another harness process"), "one writer: {e}");
    }
    let (dir, _) = ResultsDir::open(&path, &work(1), Policy::default(), accept).unwrap();
    assert_eq!((dir.done_count(), dir.last_index()), (1, Some(0)), "resumed from the journal");
    drop(dir);
    let refuse = |runs: &[RunResult]| {
        Err(Foreign { index: runs[0].index, run_id: runs[0].run_id.clone(), why: "not ours".into() })
    };
    let e = ResultsDir::open(&path, &work(1), Policy::default(), refuse).unwrap_err();
    assert!(e.to_string().contains("not ours") && e.to_string().contains("position 0"), "{e}");
    let e = ResultsDir::open(&path, &work(2), Policy::default(), accept).unwrap_err();
    assert!(e.to_string().contains("holds the results of another experiment"), "{e}");
    let force = Policy { force: true, ..Policy::default() };
    let (dir, notes) = ResultsDir::open(&path, &work(2), force, accept).unwrap();
    assert_eq!(dir.done_count(), 0);
    assert!(matches!(notes.as_slice(), [Note::MovedAside(_)]), "{notes:?}");
}
