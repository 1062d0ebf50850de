//! The network of the notebook, as a pure step function over explicit state and parameters.
//!
//! Populations: `n_in` Poisson inputs `P` (one per pixel) and `n_out` leaky integrate-and-fire
//! outputs `G` (one per class) with an adaptive threshold. Synapses: forward `P -> G` all-to-all with
//! trace-based plasticity, lateral `G -> G` all-to-all without self with their own plasticity.
//! `docs/model.md` (the project's spec of the notebook's network) is the authority; [`step`] says the order
//! of operations, [`params`] the integration scheme.
//!
//! [`step`] is one step; [`advance`] runs many, the quiet ones (no spike) in a tight loop, a long
//! stretch of them a block of outputs at a time (`block.rs`), with the same result bit for bit.
//! The per-step update of the outputs is one branch-free pass that the compiler runs as vectors,
//! one output a lane, each lane doing a scalar's operations in its order;
//! [`advance`] is compiled for the baseline, AVX2 and AVX-512 ([`Isa`]), chosen at run time, all
//! with the same bits. Forward weights are stored column-major (and, from 8 outputs, row-major
//! too), lateral weights column-major, so that every spike's synaptic update is a contiguous loop. The input traces are decayed when a spike reads them, from tables of
//! powers ([`decay`]); brian2's per-synapse increments are applied in a few exact operations
//! ([`Repeated`], per-binade tables; a sum that crosses binades is counted in integers,
//! `ladder.rs`). The Poisson source draws its variates ahead, before the quiet
//! stretches of few outputs, and hands them out in its generator's order (`ahead.rs`).
//!
//! This module knows nothing of files, threads or the command line: callers own the state, the
//! parameters, the input source and an [`Observer`].

mod advance;
mod ahead;
mod block;
mod crossings;
pub mod decay;
pub mod input;
mod ladder;
mod normalise;
pub mod params;
mod repeat;
pub mod state;
mod step;

pub use advance::{Isa, Tally, advance, advance_on};
pub use decay::Powers;
pub use input::{Bernoulli, InputSource, Poisson, Replay};
pub use normalise::normalise;
pub use params::{Factors, Invalid, ModelParams};
pub use repeat::Repeated;
pub use state::State;
pub use step::{Observer, step};

#[cfg(test)]
mod tests;
