//! The subcommands: each takes its parsed arguments and prints to stdout.

pub mod run;
