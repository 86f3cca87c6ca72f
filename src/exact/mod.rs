//! Dynamic programming on a known model: policy evaluation (direct and iterative), Q, advantages,
//! occupancy, value and policy iteration, and finite-horizon backward induction.

pub mod bellman;
pub mod evaluation;
pub mod finite_horizon;
pub mod linear_solve;
pub mod occupancy;
pub mod policy_iteration;
pub mod soft;
pub mod value_iteration;

pub use bellman::{
    check_policy, deterministic_policy, greedy_actions, optimality_residual, policy_residual,
    q_values, uniform_policy,
};
pub use evaluation::{IterativeEvaluation, PolicyValues, evaluate, evaluate_iterative};
pub use finite_horizon::{StepValues, backward_induction, evaluate_finite};
pub use occupancy::{discounted_visitation, evaluate_with_occupancy, occupancy};
pub use policy_iteration::policy_iteration;
pub use soft::{SoftSolution, soft_evaluate, soft_value_iteration};
pub use value_iteration::{Solution, value_iteration};
