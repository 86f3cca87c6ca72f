//! Games: normal-form (matrix) games and discounted Markov games with simultaneous moves, for any
//! number of players ([`MarkovGame`]); a normal-form game is the one-state game with γ = 0.
//! Formats: Gambit's `.nfg` ([`crate::world::format::nfg`]) and policylab's native game files
//! ([`crate::world::format::native_game`]); generators in [`crate::world::generate`].

pub mod markov_game;

pub use markov_game::{GameClass, GameSpec, MarkovGame};
