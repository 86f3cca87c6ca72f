//! # policylab
//!
//! A research testbed for policy optimization. Theory is checked *exactly* on small worlds:
//! tabular MDPs with known models, where values, gradients and optima have closed forms or exact
//! dynamic-programming answers.
//!
//! - [`world`]: tabular MDPs, their file formats (native JSON/TOML, Gymnasium P-tables) and
//!   generators (chains, gridworlds, Garnets, bandits, the hard chain of Li et al. 2021).
//! - [`exact`]: dynamic programming on a known model: V^π, Q^π, A^π, occupancy, value and
//!   policy iteration, finite-horizon backward induction.
//! - [`policy`]: reading policy tables from files.
//! - [`llm`]: a small transformer policy on burn, synthetic verifiable tasks, SFT and RL with the
//!   same objectives, for entropy collapse and the entropy–performance law.
//! - [`plot`]: figures described as data, rendered to PNG and SVG with a bundled font.
//! - [`cli`]: the `policylab` command.

pub mod algo;
pub mod bandit;
pub mod cli;
pub mod error;
pub mod estimator;
pub mod exact;
pub mod experiment;
pub mod io;
pub mod llm;
pub mod metrics;
pub mod objective;
pub mod plot;
pub mod policy;
pub mod world;

pub use error::{Error, Result};
