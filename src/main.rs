use std::process::ExitCode;

use clap::Parser;
use harness::cli::{Cli, Command};
use harness::commands;

/// Large allocations on cache lines ([`harness::alloc`]): the step's arrays never straddle them.
#[global_allocator]
static ALLOCATOR: harness::alloc::CacheLineAligned = harness::alloc::CacheLineAligned;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => commands::run::main(&args),
        Command::Sweep(args) => commands::sweep::main(&args),
        Command::Race(args) => commands::race::main(&args),
        Command::Merge(args) => commands::merge::main(&args),
        Command::Verify(args) => commands::verify::main(&args),
        Command::Check(args) => commands::check::main(&args),
        Command::Slurm(args) => commands::slurm::main(&args),
        Command::RaceTask(args) => commands::race::task(&args),
        Command::Status(args) => commands::status::main(&args),
        Command::Report(args) => commands::report::main(&args),
    };
    result.unwrap_or_else(|e| {
        eprint!("{}", commands::error_text(&e));
        ExitCode::FAILURE
    })
}
