//! Seeded generators of tabular worlds and games ([`random_game`], [`classic_games`], [`soccer`]).
//! Each takes a parameter struct (with documented defaults), checks it, and returns a validated
//! [`crate::world::TabularMdp`] or [`crate::world::MarkovGame`]; `policylab generate KIND … --out
//! FILE` writes the result in the native format.

pub mod bandit;
pub mod chain;
pub mod classic_games;
pub mod features;
pub mod forest;
pub mod garnet;
pub mod gridworld;
pub mod hard_chain;
pub mod random_game;
pub mod riverswim;
pub mod soccer;
pub mod windy_walk;

pub use bandit::BanditParams;
pub use chain::ChainParams;
pub use features::LinearMdpParams;
pub use forest::ForestParams;
pub use garnet::GarnetParams;
pub use gridworld::GridworldParams;
pub use hard_chain::{HardChainParams, PaperChainParams};
pub use random_game::{RandomGameParams, RewardSharing};
pub use riverswim::RiverSwimParams;
pub use soccer::SoccerParams;
pub use windy_walk::WindyWalkParams;
