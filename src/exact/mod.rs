//! Dynamic programming on a known model: policy evaluation (direct and iterative), Q, advantages,
//! occupancy, value and policy iteration, and finite-horizon backward induction; and the two
//! tabular worlds behind the world interface ([`crate::world::interface`]): the discounted
//! [`Problem`] and the [`FiniteHorizonWorld`], each solved once for its reference optimum
//! ([`solved_world`] picks by the file's horizon).

pub mod bellman;
pub mod evaluation;
pub mod finite_horizon;
pub mod finite_horizon_world;
pub mod game;
pub mod linear_solve;
pub mod linear_td;
pub mod occupancy;
pub mod policy_iteration;
pub mod policy_system;
pub mod problem;
pub mod robust;
pub mod soft;
pub mod value_iteration;

pub use bellman::{
    check_policy, deterministic_policy, greedy_actions, optimality_residual, policy_residual,
    q_values, uniform_policy,
};
pub use evaluation::{IterativeEvaluation, PolicyValues, evaluate, evaluate_iterative};
pub use finite_horizon::{StepValues, backward_induction, evaluate_finite, state_distributions};
pub use finite_horizon_world::FiniteHorizonWorld;
pub use linear_td::{TdFixedPoint, stationary_distribution, td_fixed_point};
pub use occupancy::{
    discounted_visitation, evaluate_with_occupancy, occupancy, state_action_occupancy,
};
pub use policy_iteration::policy_iteration;
pub use problem::{OPTIMAL_ACTION_TOLERANCE, Problem};
pub use soft::{SoftSolution, soft_evaluate, soft_value_iteration};
pub use value_iteration::{Solution, value_iteration};

/// A tabular world of either horizon behind the interface, solved once: a [`Problem`] for a
/// discounted world, a [`FiniteHorizonWorld`] for `horizon = H`.
pub fn solved_world(
    mdp: crate::world::TabularMdp,
) -> crate::core::error::Result<Box<dyn crate::world::World>> {
    Ok(match mdp.horizon() {
        crate::world::Horizon::Discounted { .. } => Box::new(Problem::new(mdp)?),
        crate::world::Horizon::Finite { .. } => Box::new(FiniteHorizonWorld::new(mdp)?),
    })
}
