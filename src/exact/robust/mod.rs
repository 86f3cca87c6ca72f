//! Exact robust dynamic programming on rectangular uncertainty sets
//! ([`crate::world::uncertainty`]): nature's worst case over one row for each set — sorting for
//! L1 ([`l1_ball`]) and L∞ ([`linf_ball`]) balls, a one-dimensional dual for KL ([`kl_ball`]), a
//! closed form for R-contamination ([`contamination`]), a shared budget for s-rectangular L1
//! ([`s_rectangular_l1`]) — the robust Bellman operators built on them ([`bellman`]), robust value
//! iteration, robust policy evaluation with the worst-case kernel, robust policy iteration and
//! robust partial policy iteration.
//!
//! Every inner solver is checked against an independent LP/conic solver on random instances
//! (`tests/robust_oracle.rs`).

pub mod bellman;
pub mod contamination;
pub mod iwocs;
pub mod kl_ball;
pub mod l1_ball;
pub mod linf_ball;
pub mod partial_policy_iteration;
pub mod policy_evaluation;
pub mod policy_iteration;
pub mod s_rectangular_l1;
pub mod soft;
pub mod value_iteration;
pub mod world;

pub use bellman::{Choice, Rule, Sweep, Workspace, sweep_into};
pub use iwocs::{IwocsIteration, IwocsSolution, iwocs};
pub use partial_policy_iteration::robust_partial_policy_iteration;
pub use policy_evaluation::{
    RobustEvaluation, nominal_choice, robust_evaluate, robust_evaluate_from, robust_evaluate_within,
};
pub use policy_iteration::robust_policy_iteration;
pub use soft::{robust_soft_evaluate, robust_soft_value_iteration};
pub use value_iteration::{RobustSolution, robust_value_iteration};
pub use world::RobustWorld;
