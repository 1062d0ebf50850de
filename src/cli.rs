//! Command-line definitions (clap), all in one place.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "harness",
    version,
    about = "Experiment harness for a small spiking neural network (brian2 notebook port)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one instance of an experiment (train, then test) and print its accuracies.
    Run(RunArgs),
    /// Run a grid/random sweep across all cores into Parquet and CSV tables (resumable).
    Sweep(SweepArgs),
    /// Find the best configuration with the fewest runs: iterated racing on common seeds (resumable).
    Race(RaceArgs),
    /// Combine the results directories of a sharded sweep into the tables of the whole sweep.
    Merge(MergeArgs),
    /// Re-run the runs of a results directory and check every metric is bit-identical.
    Verify(VerifyArgs),
    /// Run a regression experiment and compare its mean test accuracies with a baseline.
    Check(CheckArgs),
    /// Write SLURM job-array scripts that run a sweep one shard per task, then merge it.
    Slurm(SlurmArgs),
    /// Run one array task of a race batch (what `harness race --slurm` submits).
    #[command(hide = true)]
    RaceTask(RaceTaskArgs),
    /// Show how far results directories (shards or whole sweeps) are: done, failed, pending.
    Status(StatusArgs),
    /// Write a results directory's report.html: tables, sweep figures and the best run's figures.
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Experiment file (TOML), e.g. experiments/notebook.toml.
    pub experiment: PathBuf,
    /// Seed of the run (default: the file's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Record the run (state every K steps, all spikes) and write it as Parquet tables into DIR.
    #[arg(long, value_name = "DIR")]
    pub trace: Option<PathBuf>,
    /// Draw the notebook's figures of the run (PNG and SVG) into DIR; implies recording.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// Recording interval: sample the state every K steps (default 10, i.e. 1 ms at dt = 0.1 ms).
    /// Needs --trace or --plots.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub record_every: Option<u64>,
    /// Learning curve: also measure the test accuracy after these numbers of training
    /// presentations, e.g. 250,500,1000 (in place of the file's `[protocol] checkpoints`).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',')]
    pub checkpoints: Option<Vec<usize>>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Sweep file (TOML): a run file plus `replicates`, `[grid]` and/or `[random]`.
    pub experiment: PathBuf,
    /// Seed of the sweep, in place of the file's `seed` (the manifest records it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory (default: results/<experiment name>, or .../shard-I-of-N with --shard).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Start afresh when the results directory holds another experiment's results (they are
    /// moved aside to <out>.replaced-<time>, not deleted).
    #[arg(long)]
    pub force: bool,
    /// Resume results written by another build of harness (runs are bit-identical only under one
    /// build: the manifest records the mix).
    #[arg(long)]
    pub allow_other_build: bool,
    /// Allow sweeps of more than 10,000 runs.
    #[arg(long)]
    pub yes: bool,
    /// Run only shard I of N (1-based): runs whose position in the sweep is I-1 modulo N.
    /// `auto` takes it from a SLURM array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT,
    /// HARNESS_SHARD_OFFSET, HARNESS_SHARDS) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX
    /// with HARNESS_SHARDS).
    #[arg(long, value_name = "I/N|auto", allow_hyphen_values = true)]
    pub shard: Option<String>,
    /// Write <out>/report.html at the end of the sweep (as `harness report <out>` does).
    #[arg(long)]
    pub report: bool,
}

#[derive(Debug, clap::Args)]
pub struct RaceArgs {
    /// Race file (TOML): a run file plus `[random]` axes (the space), an optional `[grid]` (initial
    /// candidates) and a `[race]` section with at least `budget`.
    pub experiment: PathBuf,
    /// Seed of the race, in place of the file's `seed` (the manifest records it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory (default: results/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Start afresh when the results directory holds other results (moved aside, not deleted).
    #[arg(long)]
    pub force: bool,
    /// Resume results written by another build of harness (the manifest records the mix).
    #[arg(long)]
    pub allow_other_build: bool,
    /// Allow budgets of more than 10,000 runs.
    #[arg(long)]
    pub yes: bool,
    /// Write <out>/report.html at the end (as `harness report <out>` does).
    #[arg(long)]
    pub report: bool,
    /// Run every run on SLURM: each batch the race needs becomes a job array (sbatch, squeue);
    /// this process decides and waits. The tables are those of the race run here.
    #[arg(long)]
    pub slurm: bool,
    /// SLURM partition (with --slurm).
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// Time limit per array task (SLURM syntax, e.g. 01:00:00; with --slurm).
    #[arg(long, requires = "slurm")]
    pub time: Option<String>,
    /// CPUs per array task, its threads (with --slurm).
    #[arg(long, requires = "slurm", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub cpus_per_task: u64,
    /// At most N array tasks per batch (with --slurm).
    #[arg(long, requires = "slurm", value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_tasks: u64,
    /// The least work per array task, in seconds of runs per CPU, once a run's time is known
    /// (with --slurm): fewer, longer tasks where the scheduler's latency would dominate.
    #[arg(long, requires = "slurm", value_name = "S", default_value_t = 30.0)]
    pub task_seconds: f64,
    /// Seconds between looks at the queue and the tasks' journals (with --slurm).
    #[arg(long, requires = "slurm", value_name = "S", default_value_t = 2.0)]
    pub poll: f64,
    /// The harness binary as the tasks run it (default: this binary's absolute path; with --slurm).
    #[arg(long, requires = "slurm")]
    pub harness: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RaceTaskArgs {
    /// The batch directory (`<out>/cluster/<key>`, holding batch.json).
    pub dir: PathBuf,
    /// The task: its number, or `auto` (SLURM_ARRAY_TASK_ID).
    #[arg(long, default_value = "auto")]
    pub task: String,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Results directories of the shards.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged results (default: results/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Merge shards written by different builds of harness (the manifest records them).
    #[arg(long)]
    pub allow_other_build: bool,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Results directory (with manifest.toml and runs.parquet).
    pub dir: PathBuf,
    /// Re-run only K runs, chosen at random (seeded by the experiment, so repeatable).
    #[arg(long, value_name = "K")]
    pub sample: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Regression experiment (a sweep file), e.g. experiments/regression.toml.
    pub experiment: PathBuf,
    /// Baseline table (CSV), e.g. baselines/regression.csv.
    #[arg(long)]
    pub baseline: PathBuf,
    /// Rewrite the baseline from this run (deliberately), recording the commit.
    #[arg(long)]
    pub update_baseline: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct SlurmArgs {
    /// Sweep file (TOML), as the jobs will reach it from the submission directory.
    pub experiment: PathBuf,
    /// Number of shards (array tasks).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub shards: u64,
    /// At most K array tasks at once (`--array=...%K`).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub parallel: Option<u64>,
    /// SLURM partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit per task (SLURM syntax, e.g. 01:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// CPUs per task (the shard's --threads).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub cpus_per_task: u64,
    /// The site's MaxArraySize (default: from `scontrol show config`, else 1001).
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    pub max_array_size: Option<u64>,
    /// Directory for the scripts (default: slurm/<experiment name>).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The harness binary as the jobs run it (default: this binary's absolute path).
    #[arg(long)]
    pub harness: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Results directories (e.g. results/grid/shard-*).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Results directory (with manifest.toml, runs.parquet and summary.parquet).
    pub dir: PathBuf,
}
