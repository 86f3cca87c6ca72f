//! Seeded generators of tabular worlds. Each takes a parameter struct (with documented defaults),
//! checks it, and returns a validated [`crate::world::TabularMdp`]; `policylab generate KIND … --out FILE` writes
//! the result in the native format.

pub mod bandit;
pub mod chain;
pub mod forest;
pub mod garnet;
pub mod gridworld;
pub mod hard_chain;
pub mod riverswim;

pub use bandit::BanditParams;
pub use chain::ChainParams;
pub use forest::ForestParams;
pub use garnet::GarnetParams;
pub use gridworld::GridworldParams;
pub use hard_chain::HardChainParams;
pub use riverswim::RiverSwimParams;
