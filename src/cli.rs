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
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Experiment file (TOML), e.g. experiments/notebook.toml.
    pub experiment: PathBuf,
    /// Seed of the run (default: the file's `seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
}
