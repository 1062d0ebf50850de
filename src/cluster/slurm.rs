//! `harness slurm`: the scripts that run a sweep as SLURM job arrays, one shard per array task,
//! and merge the shards when every task has succeeded.
//!
//! An array's indices must stay below the site's `MaxArraySize`, so `N` shards become as many
//! arrays of at most `MaxArraySize` tasks as needed, each told its index offset
//! (`HARNESS_SHARD_OFFSET`) and the total (`HARNESS_SHARDS`); `harness sweep --shard auto` turns
//! that into its shard. The merge job depends (`afterok`) on every array.

use std::fmt::Write as _;

/// One job array: tasks `0..count`, standing for shards `offset + 1 ..= offset + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub offset: usize,
    pub count: usize,
}

/// Split `shards` into arrays whose indices stay below `max_array_size`.
pub fn chunks(shards: usize, max_array_size: usize) -> Vec<Chunk> {
    let size = max_array_size.max(1);
    (0..shards).step_by(size).map(|offset| Chunk { offset, count: size.min(shards - offset) }).collect()
}

/// What the scripts need to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The experiment file, as the jobs will see it (relative to the submission directory).
    pub experiment: String,
    /// The sweep's name: shards go to `results/<name>/shard-I-of-N`, the merge to
    /// `results/<name>/merged`.
    pub name: String,
    pub shards: usize,
    /// At most this many tasks of an array at once (`%K`).
    pub parallel: Option<usize>,
    pub partition: Option<String>,
    pub time: Option<String>,
    pub cpus_per_task: usize,
    pub max_array_size: usize,
    /// The harness binary, as the jobs will run it.
    pub harness: String,
}

/// Problems with values that go into `#SBATCH` lines and scripts: such a line is read by SLURM,
/// not by a shell, so a value with a newline would add a directive, and one with a space would
/// split. `paths` are `(what, value)` that go into a command line (quoted).
pub fn problems(partition: Option<&str>, time: Option<&str>, name: &str, paths: &[(&str, &str)]) -> Vec<String> {
    let mut bad = Vec::new();
    if let Some(p) = partition.filter(|p| !plain(p, "_.,-")) {
        bad.push(format!("--partition {p:?}: a partition name is letters, digits and `_.,-`"));
    }
    if let Some(t) = time.filter(|t| !plain(t, ":-")) {
        bad.push(format!("--time {t:?}: a SLURM time is digits, `:` and `-`, e.g. 01:00:00 or 2-00:00:00"));
    }
    if !plain(name, "_.-") {
        bad.push(format!("the experiment name {name:?} goes into #SBATCH lines: use letters, digits and `_.-` only"));
    }
    for (what, v) in paths {
        if v.chars().any(char::is_control) {
            bad.push(format!("{what} {v:?} contains a control character"));
        }
    }
    bad
}

/// The `#SBATCH` lines every job of harness carries.
pub fn directives(s: &mut String, job: &str, cpus_per_task: usize, partition: Option<&str>, time: Option<&str>) {
    let _ = writeln!(s, "#SBATCH --job-name={job}");
    let _ = writeln!(s, "#SBATCH --cpus-per-task={cpus_per_task}");
    if let Some(p) = partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if let Some(t) = time {
        let _ = writeln!(s, "#SBATCH --time={t}");
    }
}

/// `s` quoted for a POSIX shell.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether `s` is made only of the characters in `extra` and ASCII letters and digits.
fn plain(s: &str, extra: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

impl Plan {
    /// Problems with values that go into the scripts (see [`problems`]).
    pub fn problems(&self) -> Vec<String> {
        problems(
            self.partition.as_deref(),
            self.time.as_deref(),
            &self.name,
            &[("the experiment path", &self.experiment), ("--harness", &self.harness)],
        )
    }

    fn directives(&self, s: &mut String, job: &str) {
        directives(s, job, self.cpus_per_task, self.partition.as_deref(), self.time.as_deref());
    }

    /// The array task script: one shard, resumable (a requeued or resubmitted task skips the
    /// runs its journal holds).
    pub fn array_script(&self) -> String {
        let mut s = String::from(
            "#!/usr/bin/env bash\n# One shard of the sweep per array task (harness sweep --shard auto).\n",
        );
        self.directives(&mut s, &format!("{}-sweep", self.name));
        let _ = writeln!(s, "#SBATCH --output=results/{}/slurm-%A_%a.out", self.name);
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(
            s,
            "exec {} sweep {} --shard auto --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"",
            quote(&self.harness),
            quote(&self.experiment)
        );
        s
    }

    /// The merge job script.
    pub fn merge_script(&self) -> String {
        let mut s = String::from(
            "#!/usr/bin/env bash\n# Merge every shard into results/<name>/merged once all array tasks succeeded.\n",
        );
        self.directives(&mut s, &format!("{}-merge", self.name));
        let _ = writeln!(s, "#SBATCH --output=results/{}/slurm-%j-merge.out", self.name);
        let _ = writeln!(s, "set -euo pipefail");
        let n = self.shards;
        let _ = writeln!(s, "dirs=()");
        let _ = writeln!(s, "for i in $(seq 1 {n}); do dirs+=(\"results/{}/shard-$i-of-{n}\"); done", self.name);
        let _ = writeln!(
            s,
            "exec {} merge \"${{dirs[@]}}\" --out results/{}/merged",
            quote(&self.harness),
            quote(&self.name)
        );
        s
    }

    /// The submission script: every array (split by `MaxArraySize`), then the merge job.
    pub fn submit_script(&self, dir: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "#!/usr/bin/env bash");
        let _ = writeln!(
            s,
            "# Submit sweep {:?} as {} shard(s) (MaxArraySize {}), then the merge job.",
            self.name, self.shards, self.max_array_size
        );
        let _ = writeln!(s, "# Run from the directory the jobs should run in (where {} resolves).", self.experiment);
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(s, "mkdir -p results/{}", quote(&self.name));
        let _ = writeln!(s, "ids=()");
        let throttle = self.parallel.map(|k| format!("%{k}")).unwrap_or_default();
        for c in chunks(self.shards, self.max_array_size) {
            let _ = writeln!(
                s,
                "ids+=($(sbatch --parsable --array=0-{}{throttle} --export=ALL,HARNESS_SHARD_OFFSET={},HARNESS_SHARDS={} {}/array.sbatch))",
                c.count - 1,
                c.offset,
                self.shards,
                quote(dir)
            );
        }
        let _ = writeln!(s, "deps=$(IFS=:; echo \"${{ids[*]}}\")");
        let _ = writeln!(s, "merge=$(sbatch --parsable --dependency=afterok:$deps {}/merge.sbatch)", quote(dir));
        let _ = writeln!(s, "echo \"submitted array job(s) ${{ids[*]}} and merge job $merge\"");
        s
    }
}

/// `MaxArraySize` from `scontrol show config` output.
pub fn parse_max_array_size(config: &str) -> Option<usize> {
    config.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "MaxArraySize").then(|| v.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shards: usize, max: usize) -> Plan {
        Plan {
            experiment: "experiments/grid.toml".into(),
            name: "grid".into(),
            shards,
            parallel: Some(50),
            partition: Some("short".into()),
            time: Some("01:00:00".into()),
            cpus_per_task: 2,
            max_array_size: max,
            harness: "target/release/harness".into(),
        }
    }

    #[test]
    fn arrays_of_2500_with_max_array_size_1001_are_split_with_offsets() {
        assert_eq!(
            chunks(2500, 1001),
            vec![
                Chunk { offset: 0, count: 1001 },
                Chunk { offset: 1001, count: 1001 },
                Chunk { offset: 2002, count: 498 }
            ]
        );
        let s = plan(2500, 1001).submit_script("slurm");
        let lines: Vec<&str> = s.lines().filter(|l| l.contains("--array=")).collect();
        assert_eq!(lines.len(), 3, "{s}");
        assert!(
            lines[0].contains("--array=0-1000%50 ") && lines[0].contains("HARNESS_SHARD_OFFSET=0,HARNESS_SHARDS=2500")
        );
        assert!(lines[1].contains("--array=0-1000%50 ") && lines[1].contains("HARNESS_SHARD_OFFSET=1001,"));
        assert!(lines[2].contains("--array=0-497%50 ") && lines[2].contains("HARNESS_SHARD_OFFSET=2002,"));
        assert!(s.contains("--dependency=afterok:$deps 'slurm'/merge.sbatch"));
        // Every shard is covered exactly once, and no array index reaches MaxArraySize.
        let mut covered: Vec<usize> =
            chunks(2500, 1001).iter().flat_map(|c| (0..c.count).map(move |t| c.offset + t)).collect();
        covered.dedup();
        assert_eq!(covered, (0..2500).collect::<Vec<_>>());
        assert!(chunks(2500, 1001).iter().all(|c| c.count - 1 < 1001));
    }

    #[test]
    fn small_sweeps_are_one_array() {
        assert_eq!(chunks(4, 1001), vec![Chunk { offset: 0, count: 4 }]);
        assert_eq!(chunks(1001, 1001).len(), 1);
        assert_eq!(chunks(1002, 1001).len(), 2);
    }

    #[test]
    fn scripts_carry_the_directives_and_commands() {
        let p = plan(8, 1001);
        let a = p.array_script();
        assert!(a.contains("#SBATCH --partition=short") && a.contains("#SBATCH --time=01:00:00"));
        assert!(a.contains("#SBATCH --cpus-per-task=2"));
        assert!(a.contains("sweep 'experiments/grid.toml' --shard auto"));
        let m = p.merge_script();
        assert!(
            m.contains("seq 1 8")
                && m.contains("shard-$i-of-8")
                && m.contains("merge \"${dirs[@]}\" --out results/'grid'/merged")
        );
    }

    #[test]
    fn values_that_would_inject_or_split_a_directive_are_refused() {
        let ok = plan(4, 1001);
        assert!(ok.problems().is_empty(), "{:?}", ok.problems());
        let bad = Plan {
            partition: Some("gpu\n#SBATCH --mem=1T".into()),
            time: Some("1 hour".into()),
            name: "a b".into(),
            harness: "/bin/h\narness".into(),
            ..ok
        };
        let p = bad.problems();
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p[0].contains("--partition") && p[1].contains("--time") && p[2].contains("name"), "{p:?}");
    }

    #[test]
    fn max_array_size_is_read_from_scontrol() {
        let cfg = "MaxArraySize            = 1001\nMaxJobCount             = 10000\n";
        assert_eq!(parse_max_array_size(cfg), Some(1001));
        assert_eq!(parse_max_array_size("nothing"), None);
    }
}
