//! Robust policy iteration (Iyengar 2005, §4; Kaufman & Schaefer 2013 for its modified form):
//! evaluate the current policy robustly and exactly ([`robust_evaluate`]), then improve with the
//! robust optimal operator at that value. Because the evaluation is exact, the improvement is
//! monotone, V^{π_{k+1}}_𝒫 ≥ T_𝒫 V^{π_k}_𝒫 ≥ V^{π_k}_𝒫, and converges at least as fast as value
//! iteration; updating nature and the agent together without exact evaluation can cycle (the
//! counterexamples of stochastic games; CRAAM's documentation warns of it for its `pi`).
//!
//! Stopping: for (s,a)-rectangular and finite sets the greedy policy is deterministic and the loop
//! stops when it no longer changes (ties keep the current action); for s-rectangular sets, whose
//! improvement may randomize, when ‖T_𝒫 V − V‖∞ ≤ (1−γ)·`tolerance`, which bounds
//! ‖V − V*_𝒫‖∞ ≤ `tolerance`.

use super::bellman::{Rule, Sweep, Workspace, sweep_into};
use super::policy_evaluation::robust_evaluate;
use super::value_iteration::{RobustSolution, require_tolerance};
use crate::core::error::{Error, Result};
use crate::exact::bellman::{deterministic_policy, greedy_actions};
use crate::exact::value_iteration::TIE_TOLERANCE;
use crate::world::robust_mdp::RobustMdp;
use crate::world::uncertainty::SetShape;

/// Robust policy iteration from the policy greedy against the worst case at V = 0.
pub fn robust_policy_iteration(
    world: &RobustMdp,
    tolerance: f64,
    max_iterations: usize,
) -> Result<RobustSolution> {
    require_tolerance("robust policy iteration", tolerance)?;
    let (s_count, a_count) = (world.n_states(), world.n_actions());
    let gamma = world.gamma();
    let randomizing = world.set().shape() == SetShape::StateL1;
    let mut work = Workspace::default();
    let mut sweep = Sweep::for_world(world);
    let mut policy = sweep.greedy_at_zero(world, &mut work);
    let mut actions: Vec<usize> = (0..s_count)
        .map(|s| (0..a_count).find(|&a| policy[[s, a]] > 0.0).unwrap_or(0))
        .collect();
    for iteration in 1..=max_iterations {
        let evaluation = robust_evaluate(world, policy.view())?;
        let v = evaluation.values.v.to_vec();
        sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
        let residual = sweep.residual(&v);
        let done = if randomizing {
            residual <= (1.0 - gamma) * tolerance
        } else {
            let improved = greedy_actions(
                world.nominal(),
                sweep.q_table(a_count).view(),
                TIE_TOLERANCE,
                Some(&actions),
            );
            let same = improved == actions;
            actions = improved;
            same
        };
        if done {
            sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
            let bound = residual / (1.0 - gamma);
            return Ok(RobustSolution::from_sweep(
                v, sweep, a_count, iteration, bound,
            ));
        }
        policy = if randomizing {
            sweep.policy_table(a_count)
        } else {
            deterministic_policy(&actions, a_count)
        };
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "robust policy iteration did not stabilise within {max_iterations} improvements"
        ),
    })
}
