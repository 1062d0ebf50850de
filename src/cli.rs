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
    /// Combine the results directories of a sharded sweep into the tables of the whole sweep.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Experiment file (TOML), e.g. experiments/notebook.toml.
    pub experiment: PathBuf,
    /// Seed of the run (default: the file's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Sweep file (TOML): a run file plus `replicates`, `[grid]` and/or `[random]`.
    pub experiment: PathBuf,
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
    /// Allow sweeps of more than 10,000 runs.
    #[arg(long)]
    pub yes: bool,
    /// Run only shard I of N (1-based): runs whose position in the sweep is I-1 modulo N.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Results directories of the shards.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged results (default: results/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}
