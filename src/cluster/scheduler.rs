//! What a race driver asks of a batch scheduler: submit some tasks of a batch as one job array,
//! and say which tasks of a job are still queued or running. [`Slurm`] does it with `sbatch` and
//! `squeue`; tests use a scheduler that runs the tasks in the process.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::batch;
use super::slurm::{directives, quote};

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("{command}: {message}")]
    Command { command: String, message: String },
}

pub trait Scheduler {
    /// Submit tasks `tasks` of the batch in `dir` as one job array; its job id.
    fn submit(&mut self, dir: &Path, tasks: &[usize]) -> Result<String, SchedulerError>;

    /// The tasks of job `job` still queued or running (none once it has left the queue).
    fn queued(&mut self, job: &str) -> Result<Vec<usize>, SchedulerError>;
}

/// SLURM, through `sbatch` and `squeue` (whatever `SLURM_CONF` and `PATH` say).
#[derive(Debug, Clone)]
pub struct Slurm {
    /// The job name (`<race name>-race`).
    pub name: String,
    /// The harness binary, as the tasks run it.
    pub harness: String,
    pub cpus_per_task: usize,
    pub partition: Option<String>,
    pub time: Option<String>,
}

impl Slurm {
    /// The array task script of the batch in `dir`.
    pub fn script(&self, dir: &Path) -> String {
        let mut s = String::from("#!/usr/bin/env bash\n# One task of a race batch (harness race --slurm).\n");
        let d = dir.display().to_string();
        directives(
            &mut s,
            &format!("{}-race", self.name),
            self.cpus_per_task,
            self.partition.as_deref(),
            self.time.as_deref(),
        );
        let _ = writeln!(s, "#SBATCH --output={}/slurm-%A_%a.out", d);
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(
            s,
            "exec {} race-task {} --task \"$SLURM_ARRAY_TASK_ID\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"",
            quote(&self.harness),
            quote(&d)
        );
        s
    }
}

fn run(command: &mut Command) -> Result<String, SchedulerError> {
    let shown = format!("{command:?}");
    let o = command.output().map_err(|e| SchedulerError::Command { command: shown.clone(), message: e.to_string() })?;
    if !o.status.success() {
        let message = format!("exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr).trim());
        return Err(SchedulerError::Command { command: shown, message });
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// `1,2,5` for an array's `--array=`.
pub fn array_spec(tasks: &[usize]) -> String {
    tasks.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// The job id of `sbatch --parsable` (`id` or `id;cluster`).
pub fn parse_job_id(out: &str) -> Option<String> {
    let id = out.trim().split(';').next()?.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
}

/// Array task ids from `squeue -h -r -o %K` (one per line; pending ranges as `[a-b]` never appear
/// with `-r`, but are read too).
pub fn parse_queued(out: &str) -> Vec<usize> {
    let mut tasks = Vec::new();
    for item in out.split_whitespace().flat_map(|l| l.trim_matches(['[', ']']).split(',')) {
        let item = item.split('%').next().unwrap_or("");
        match item.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    tasks.extend(a..=b.min(a + 1_000_000));
                }
            }
            None => tasks.extend(item.parse::<usize>().ok()),
        }
    }
    tasks.sort_unstable();
    tasks.dedup();
    tasks
}

impl Scheduler for Slurm {
    fn submit(&mut self, dir: &Path, tasks: &[usize]) -> Result<String, SchedulerError> {
        let script = dir.join("task.sbatch");
        crate::fsio::write_atomic(&script, self.script(dir).as_bytes()).map_err(|e| SchedulerError::Command {
            command: "writing the task script".into(),
            message: e.to_string(),
        })?;
        let out =
            run(Command::new("sbatch").arg("--parsable").arg(format!("--array={}", array_spec(tasks))).arg(&script))?;
        parse_job_id(&out).ok_or_else(|| SchedulerError::Command {
            command: "sbatch --parsable".into(),
            message: format!("printed {:?}, not a job id", out.trim()),
        })
    }

    fn queued(&mut self, job: &str) -> Result<Vec<usize>, SchedulerError> {
        let o = Command::new("squeue")
            .args(["-h", "-r", "-o", "%K", "-j", job])
            .output()
            .map_err(|e| SchedulerError::Command { command: "squeue".into(), message: e.to_string() })?;
        let err = String::from_utf8_lossy(&o.stderr);
        // A job that left the queue long ago is unknown to squeue: nothing of it is queued.
        if !o.status.success() && err.contains("Invalid job id") {
            return Ok(Vec::new());
        }
        if !o.status.success() {
            let message = format!("exit {:?}: {}", o.status.code(), err.trim());
            return Err(SchedulerError::Command { command: format!("squeue -j {job}"), message });
        }
        Ok(parse_queued(&String::from_utf8_lossy(&o.stdout)))
    }
}

/// Where a task's SLURM log is, for an error message.
pub fn task_log(dir: &Path, job: &str, task: usize) -> std::path::PathBuf {
    dir.join(format!("slurm-{job}_{task}.out"))
}

/// Tasks run in this process, one after the other, at submission (for tests of the driver): the
/// job id counts submissions; `cut` makes a submission of task `t` stop after `n` runs (a
/// cancelled task), once.
#[derive(Debug, Default)]
pub struct InProcess {
    pub submissions: Vec<Vec<usize>>,
    pub cut: Option<(usize, usize)>,
}

impl Scheduler for InProcess {
    fn submit(&mut self, dir: &Path, tasks: &[usize]) -> Result<String, SchedulerError> {
        self.submissions.push(tasks.to_vec());
        for &t in tasks {
            let err =
                |e: batch::BatchError| SchedulerError::Command { command: format!("task {t}"), message: e.to_string() };
            let stop = std::sync::atomic::AtomicBool::new(false);
            batch::run_task(dir, t, 1, &stop).map_err(err)?;
            if let Some((_, n)) = self.cut.take_if(|(c, _)| *c == t) {
                // Cancelled after n runs: the journal keeps its first n lines, and no .done.
                let path = batch::task_journal(dir, t);
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let kept: String = text.lines().take(n).map(|l| format!("{l}\n")).collect();
                std::fs::write(&path, kept).map_err(|e| err(batch::BatchError::Io { path, message: e.to_string() }))?;
                std::fs::remove_file(batch::task_done(dir, t)).ok();
            }
        }
        Ok(self.submissions.len().to_string())
    }

    fn queued(&mut self, _job: &str) -> Result<Vec<usize>, SchedulerError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbatch_and_squeue_output_is_read() {
        assert_eq!(parse_job_id("1234\n").as_deref(), Some("1234"));
        assert_eq!(parse_job_id("1234;cluster\n").as_deref(), Some("1234"));
        assert_eq!(parse_job_id("Submitted batch job 1"), None);
        assert_eq!(parse_queued("0\n3\n4\n"), vec![0, 3, 4]);
        assert_eq!(parse_queued("[5-7%2]\n1\n"), vec![1, 5, 6, 7]);
        assert_eq!(parse_queued(""), Vec::<usize>::new());
        assert_eq!(array_spec(&[0, 2, 9]), "0,2,9");
    }

    #[test]
    fn the_task_script_runs_the_batch_task_with_the_directives() {
        let s = Slurm {
            name: "r".into(),
            harness: "/opt/harness".into(),
            cpus_per_task: 2,
            partition: Some("short".into()),
            time: None,
        };
        let text = s.script(Path::new("/w/results/r/cluster/ab"));
        assert!(text.contains("#SBATCH --cpus-per-task=2") && text.contains("#SBATCH --partition=short"), "{text}");
        assert!(text.contains("#SBATCH --output=/w/results/r/cluster/ab/slurm-%A_%a.out"), "{text}");
        assert!(text.contains("'/opt/harness' race-task '/w/results/r/cluster/ab' --task \"$SLURM_ARRAY_TASK_ID\""));
    }
}
