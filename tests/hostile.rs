//! The reliability suite, second part: what the second hostile pass found (issue 21), one module
//! per principle, each test named for what it holds harness to. Every test here failed (or hung)
//! on harness before its principle was kept.

mod common;

use std::path::Path;

use common::*;

/// A small race (runs of 30 + 10 presentations), shared with `tests/race.rs`.
const RACE: &str = include_str!("fixtures/small-race.toml");

/// The journal's lines as JSON values.
fn journal(out: &Path) -> Vec<serde_json::Value> {
    text(out.join("journal.jsonl")).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn write_journal(out: &Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("journal.jsonl"), text).unwrap();
}

/// 1. Race journals are checked as strictly as sweep journals.
mod p1_race_journal {
    use super::*;

    fn raced(dir: &Path) -> Vec<serde_json::Value> {
        write(dir, "race.toml", RACE);
        harness_ok(dir, &["race", "race.toml", "--out", "r"]);
        journal(&dir.join("r"))
    }

    /// Positions in the file of the validation runs' lines (journalled in completion order).
    fn validation(lines: &[serde_json::Value]) -> Vec<usize> {
        (0..lines.len()).filter(|&i| lines[i]["race"]["validation"] == true).collect()
    }

    #[test]
    fn a_validation_line_with_another_seeds_results_is_refused_by_resume_and_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        let v = validation(&lines);
        // The line of an elite's validation seed 1, put where its seed 0 goes: run id, position,
        // replicate and race place say seed 0, the seed and the results are seed 1's.
        let at = *v.iter().find(|&&i| lines[i]["race"]["seed_index"] == 0).unwrap();
        let from = *v
            .iter()
            .find(|&&i| lines[i]["race"]["seed_index"] == 1 && lines[i]["config_id"] == lines[at]["config_id"])
            .unwrap();
        let mut forged = lines[from].clone();
        for key in ["index", "run_id", "replicate", "race"] {
            forged[key] = lines[at][key].clone();
        }
        assert_ne!(forged["seed"], lines[at]["seed"]);
        lines[at] = forged;
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r", "--sample", "1"], &["its seed is", "r"]);
        harness_refused(dir, &["race", "race.toml", "--out", "r"], &["its seed is", "use another --out"]);
    }

    #[test]
    fn a_line_the_race_never_asks_for_is_refused_by_resume_and_named_by_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        // A phantom: a copy of the last line, with an unknown configuration, after the race's end.
        let mut phantom = lines.last().unwrap().clone();
        let end = lines.len();
        phantom["index"] = end.into();
        phantom["config_id"] = "00000000deadbeef".into();
        phantom["run_id"] = "00000000deadbeef-v0".into();
        phantom["test_accuracy"] = 1.0.into();
        lines.push(phantom);
        write_journal(&dir.join("r"), &lines);
        harness_refused(
            dir,
            &["race", "race.toml", "--out", "r"],
            &["00000000deadbeef-v0", &format!("position {end}")],
        );
        let o = harness(dir, &["verify", "r", "--sample", "1"]);
        assert!(o.refused(), "{}", o.text());
        assert!(o.text().contains("00000000deadbeef-v0") && o.text().contains("cannot be re-run"), "{}", o.text());

        // Inside the race's positions, with another configuration's id: the replay refuses it.
        let mut lines = journal(&dir.join("r"));
        lines.pop();
        let last = lines.len() - 1;
        lines[last]["config_id"] = "00000000deadbeef".into();
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r"], &["its configuration is 00000000deadbeef"]);
    }

    #[test]
    fn a_sweep_line_with_another_seed_is_refused_at_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "grid.toml", &grid_sweep());
        harness_ok(dir, &["sweep", "grid.toml", "--out", "s"]);
        let mut lines = journal(&dir.join("s"));
        lines[0]["seed"] = (lines[0]["seed"].as_u64().unwrap() ^ 1).into();
        write_journal(&dir.join("s"), &lines);
        harness_refused(dir, &["sweep", "grid.toml", "--out", "s"], &["its seed is", "use another --out"]);
    }

    #[test]
    fn an_unfinished_race_is_called_unfinished_by_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut lines = raced(dir);
        lines.truncate(lines.len() - 3);
        write_journal(&dir.join("r"), &lines);
        harness_refused(dir, &["verify", "r"], &["the race is unfinished"]);
    }
}
