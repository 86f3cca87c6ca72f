//! Exact solution concepts for games, each with its certificate: zero-sum matrix games by linear
//! programming ([`zero_sum`], on the dense simplex of [`simplex`]), Shapley value iteration for
//! zero-sum Markov games ([`shapley`]), quantal response equilibria of entropy-regularized games
//! ([`qre`]), and best responses, NashConv and exploitability of any product policy
//! ([`exploitability`]); the Bradley–Terry reward model of a preference matrix
//! ([`bradley_terry`]); and [`GameWorld`], a game behind the world interface.

pub mod bradley_terry;
pub mod exploitability;
pub mod qre;
pub mod shapley;
pub mod simplex;
pub mod world;
pub mod zero_sum;

pub use exploitability::{Exploitability, exploitability, qre_gains};
pub use qre::{MarkovQre, QreSolution, markov_qre, solve_matrix_qre};
pub use shapley::{ShapleySolution, require_zero_sum, shapley_value_iteration};
pub use world::GameWorld;
pub use zero_sum::{MatrixSolution, solve_matrix_game};
