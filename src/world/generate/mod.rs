//! Seeded generators of tabular worlds. Each takes a parameter struct (with documented defaults),
//! checks it, and returns a validated [`crate::world::TabularMdp`]; `policylab generate KIND … --out FILE` writes
//! the result in the native format.

pub mod bandit;
pub mod chain;
pub mod forest;
pub mod garnet;
pub mod gridworld;
pub mod hard_chain;

pub use bandit::BanditParams;
pub use chain::ChainParams;
pub use forest::ForestParams;
pub use garnet::GarnetParams;
pub use gridworld::GridworldParams;
pub use hard_chain::HardChainParams;

use crate::error::{Error, Result};

/// Fails with a message naming the parameter when `ok` is false.
pub(crate) fn require(
    ok: bool,
    parameter: &str,
    found: impl std::fmt::Display,
    allowed: &str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {found}"),
            format!("expected {allowed}"),
        ))
    }
}

/// Checks a discount for a discounted world.
pub(crate) fn require_gamma(gamma: f64) -> Result<()> {
    require(
        (0.0..1.0).contains(&gamma),
        "gamma",
        gamma,
        "0 <= gamma < 1",
    )
}

/// Checks a probability parameter.
pub(crate) fn require_probability(value: f64, parameter: &str) -> Result<()> {
    require(
        (0.0..=1.0).contains(&value),
        parameter,
        value,
        "a probability in [0, 1]",
    )
}
