//! Sweeps: many seeded instances of many configurations, in parallel, into tables.
//!
//! [`space`] expands a sweep file into validated configurations and runs; [`identity`] gives
//! them stable ids and seeds; [`journal`] records each finished run as it finishes; [`tables`]
//! turns records into the runs and summary tables; [`driver`] runs them on a rayon pool.

pub mod baseline;
pub mod driver;
pub mod identity;
pub mod journal;
pub mod manifest;
pub mod names;
pub mod output;
pub mod regression;
pub mod space;
pub mod tables;

pub use space::{Config, RunSpec, Sweep, expand};
