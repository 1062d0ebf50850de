//! harness: a fast, faithful port of a brian2 spiking-network notebook, and the tools of a study
//! around it.
//!
//! The core, pure and tested against brian2: [`model`] (the network as a step function: no I/O,
//! no threads), [`protocol`] (presentations, rests, phases, predictions), [`run`] (one seeded
//! instance). Around it: [`config`] (experiment files, parsed then resolved into validated
//! [`config::Experiment`]s), [`data`], [`trace`] (a run's trace) and [`plot`] (its figures);
//! [`work`] (the run layer: configurations, runs, their ids and seeds, the parallel driver), [`sweep`]
//! (a sweep's expansion and runner), [`race`] (iterated racing), [`results`] (results directories:
//! journal, manifest, lock, tables, merge), [`verify`], [`regression`] (the accuracy gate),
//! [`report`] (the HTML report), [`cluster`] (shards and SLURM); [`stats`] and [`text`] are shared
//! helpers; [`commands`] map the command line onto all of this.

pub mod alloc;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod data;
pub mod fsio;
pub mod model;
pub mod plot;
pub mod progress;
pub mod protocol;
pub mod race;
pub mod regression;
pub mod report;
pub mod results;
pub mod rng;
pub mod run;
pub mod stats;
pub mod study;
pub mod sweep;
pub mod text;
pub mod trace;
pub mod verify;
pub mod work;
