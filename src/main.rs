use clap::Parser;
use harness::cli::{Cli, Command};
use harness::commands;

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run(args) => commands::run::main(&args),
    }
}
