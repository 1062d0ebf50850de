//! The subcommands: each takes its parsed arguments and prints to stdout (progress and notes to
//! stderr).

pub mod check;
pub mod merge;
pub mod report;
pub mod run;
pub mod slurm;
pub mod status;
pub mod sweep;
pub mod verify;
