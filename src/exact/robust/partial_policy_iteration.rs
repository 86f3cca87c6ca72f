//! Robust partial policy iteration (PPI; Ho, Petrik & Wiesemann 2021, "Partial policy iteration
//! for L1-robust Markov decision processes", JMLR 22, §3), with the target schedule of the
//! authors' CRAAM library (`rppi`'s defaults): robust policy iteration whose evaluation is
//! inexact and tightens as the policy settles.
//!
//! Iteration k evaluates π_k robustly only until ‖T^{π_k}_𝒫 V_k − V_k‖∞ ≤ ε_k (nature's policy
//! iteration, started from nature's answer of the previous iteration), improves with the robust
//! optimal operator at V_k (π_{k+1} greedy, randomized for s-rectangular sets), and sets
//! ε_{k+1} = c·min(ε_k, ½·‖T_𝒫 V_k − V_k‖∞) with c = min(γ², 0.95) and ε_0 = 1. It stops once
//! ‖T_𝒫 V_k − V_k‖∞ ≤ (1−γ)·`tolerance`; T_𝒫 is a γ-contraction, so ‖V_k − V*_𝒫‖∞ ≤
//! ‖T_𝒫 V_k − V_k‖∞/(1−γ) ≤ `tolerance`, and the policy greedy at V_k is returned with nature's
//! answer to it. Exact robust policy iteration ([`super::robust_policy_iteration`]) evaluates
//! every policy to rounding; PPI spends the inner steps only where the policy is close to optimal
//! (its Theorem 3.2: linear convergence when ε_k falls geometrically).

use super::bellman::{Choice, Rule, Sweep, Workspace, sweep_into};
use super::policy_evaluation::robust_evaluate_from;
use super::value_iteration::{RobustSolution, require_tolerance};
use crate::core::error::{Error, Result};
use crate::world::robust_mdp::RobustMdp;

/// ε_0, the first evaluation's target.
const FIRST_TARGET: f64 = 1.0;

/// Robust partial policy iteration from the policy greedy against the worst case at V = 0, until
/// ‖V − V*_𝒫‖∞ ≤ `tolerance` is guaranteed, or an error after `max_iterations` improvements.
pub fn robust_partial_policy_iteration(
    world: &RobustMdp,
    tolerance: f64,
    max_iterations: usize,
) -> Result<RobustSolution> {
    require_tolerance("robust partial policy iteration", tolerance)?;
    let a_count = world.n_actions();
    let gamma = world.gamma();
    let rate = (gamma * gamma).min(0.95);
    let mut work = Workspace::default();
    let mut sweep = Sweep::for_world(world);
    let mut policy = sweep.greedy_at_zero(world, &mut work);
    let mut nature: Option<Choice> = None;
    let mut target = FIRST_TARGET;
    for iteration in 1..=max_iterations {
        let evaluation = robust_evaluate_from(world, policy.view(), Some(target), nature.as_ref())?;
        let v = evaluation.values.v.to_vec();
        sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
        let residual = sweep.residual(&v);
        if residual <= (1.0 - gamma) * tolerance {
            let bound = residual / (1.0 - gamma);
            return Ok(RobustSolution::from_sweep(
                v, sweep, a_count, iteration, bound,
            ));
        }
        policy = sweep.policy_table(a_count);
        nature = Some(evaluation.choice);
        target = rate * target.min(0.5 * residual);
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "robust partial policy iteration did not reach the tolerance {tolerance} within \
             {max_iterations} improvements"
        ),
    })
}
