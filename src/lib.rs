//! harness: a fast, faithful port of a brian2 spiking-network notebook, and the tools of a study
//! around it.
//!
//! - [`model`]: the network as a pure step function (no I/O, no threads).
//! - [`protocol`]: presentations, rests, phases and predictions.
//! - [`data`]: the digits data set.
//! - [`config`]: experiment files, parsed then resolved into validated [`config::Experiment`]s.
//! - [`run`]: one seeded instance of train-then-test.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod data;
pub mod model;
pub mod plot;
pub mod protocol;
pub mod record;
pub mod report;
pub mod rng;
pub mod run;
pub mod stats;
pub mod sweep;
pub mod text;
