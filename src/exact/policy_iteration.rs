//! Policy iteration (Howard 1960): evaluate the current deterministic policy exactly, act
//! greedily on its Q, and stop when the greedy policy no longer changes. It terminates in finitely
//! many steps (at most A^S, in practice a handful) with an optimal policy (Puterman 1994,
//! Thm. 6.4.2). Ties keep the current action, so the loop cannot cycle between equally good
//! actions.

use super::bellman::{deterministic_policy, greedy_actions, q_values};
use super::evaluation::{evaluate, require_discounted};
use super::value_iteration::{Solution, TIE_TOLERANCE};
use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// Policy iteration from the policy greedy on the immediate reward.
pub fn policy_iteration(mdp: &TabularMdp, max_iterations: usize) -> Result<Solution> {
    require_discounted(mdp, "policy iteration")?;
    let mut actions = greedy_actions(mdp, mdp.expected_reward().view(), TIE_TOLERANCE, None);
    for iteration in 1..=max_iterations {
        let policy = deterministic_policy(&actions, mdp.n_actions());
        let values = evaluate(mdp, policy.view())?;
        let improved = greedy_actions(mdp, values.q.view(), TIE_TOLERANCE, Some(&actions));
        if improved == actions {
            // Report the lowest-index maximizer in each state, as value iteration does.
            let q = q_values(mdp, values.v.view());
            let reported = greedy_actions(mdp, q.view(), TIE_TOLERANCE, None);
            return Ok(Solution {
                policy: deterministic_policy(&reported, mdp.n_actions()),
                actions: reported,
                v: values.v,
                q,
                iterations: iteration,
                value_error_bound: 0.0,
                policy_error_bound: 0.0,
            });
        }
        actions = improved;
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!("policy iteration did not stabilise within {max_iterations} improvements"),
    })
}
