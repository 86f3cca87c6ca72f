//! # policylab
//!
//! A research testbed for policy optimization. Theory is checked *exactly* on small worlds:
//! tabular MDPs with known models, where values, gradients and optima have closed forms or exact
//! dynamic-programming answers.
//!
//! - [`world`]: tabular MDPs, their file formats (native JSON/TOML, Gymnasium P-tables) and
//!   generators (chains, gridworlds, Garnets, bandits, the hard chain of Li et al. 2021), and the
//!   world interface ([`world::interface`]) every algorithm is written against.
//! - [`exact`]: dynamic programming on a known model: V^π, Q^π, A^π, occupancy, value and
//!   policy iteration, finite-horizon backward induction; the worlds that implement the interface.
//! - [`policy`]: the softmax and direct parameterizations, exact gradients, policy files.
//! - [`algo`]: one file per algorithm, generic over the world interface, and the catalogue.
//! - [`llm`]: a small transformer policy on burn, synthetic verifiable tasks, SFT and RL with the
//!   same objectives, for entropy collapse and the entropy–performance law.
//! - [`plot`]: figures described as data, rendered to PNG and SVG with a bundled font.
//! - [`core`]: the shared vocabulary (errors, records, parameter specs, checks, seeding, files).
//! - [`cli`]: the `policylab` command.
//!
//! # Layer order
//!
//! Imports go one way: a room may use the rooms *below* it in this list and itself, never one
//! above it (`tests/layering.rs` reads every `crate::` path in `src/` and enforces it). Where a
//! room needs something from a room above it, that thing belongs lower: move it down.
//!
//! ```text
//! cli        the `policylab` command (and main.rs)
//! experiment experiment files, sweeps, seeding of runs, results, the `reproduce` catalogue
//! llm        transformer policy, tasks, sampler, SFT and RL loops
//! bandit     bandit environments and learners
//! algo       one file per algorithm, generic over the world interface; the catalogue
//! metrics    suboptimality, regret, entropy, covariance instruments, fits
//! estimator  sampled gradient estimators (REINFORCE, GAE, group baselines)
//! policy     parameterizations: tabular softmax, direct; probabilities, gradients
//! exact      dynamic programming on a known model; the worlds behind the interface
//! objective  per-sample surrogate objectives as pure functions
//! plot       figures as data, rendered to PNG and SVG
//! world      tabular MDPs, formats, generators, the world interface
//! core       errors, records, parameter specs, checks, seeding, entropy, atomic files
//! ```

pub mod algo;
pub mod bandit;
pub mod cli;
pub mod core;
pub mod estimator;
pub mod exact;
pub mod experiment;
pub mod llm;
pub mod metrics;
pub mod objective;
pub mod plot;
pub mod policy;
pub mod world;

pub use crate::core::{Error, Result};
