//! Discounted state visitation and the normalised occupancy measure d^π_ρ.
//!
//! The discounted visitation is ν^π_ρ(s) = Σ_t γ^t·Pr(s_t = s | s_0 ~ ρ, π), the solution of
//! (I − γP̃_π)ᵀ·ν = ρ; without `done` transitions it sums to 1/(1−γ). The occupancy of Agarwal,
//! Kakade, Lee & Mahajan (2021, Eq. 4) is its normalisation d^π_ρ = (1−γ)·ν^π_ρ, a probability
//! distribution; it is the d in the policy-gradient theorem
//! ∂J/∂θ(s, a) = d^π_ρ(s)·π(a|s)·A^π(s, a)/(1−γ).

use ndarray::{Array1, ArrayView2};

use super::bellman::check_policy;
use super::evaluation::require_discounted;
use super::policy_system::{solve_policy_system, solve_policy_system_both};
use crate::core::error::Result;
use crate::world::TabularMdp;

/// ν^π_ρ(s) = Σ_t γ^t Pr(s_t = s): sums to 1/(1−γ) when no transition is `done`.
pub fn discounted_visitation(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
    require_discounted(mdp, "the discounted visitation")?;
    check_policy(mdp, policy)?;
    solve_policy_system(mdp, policy, mdp.initial(), true)
}

/// V^π, Q^π and d^π_ρ from one factorization of I − γP̃_π (what every exact policy-gradient
/// step needs); the same numbers as [`crate::exact::evaluate`] and [`occupancy`].
pub fn evaluate_with_occupancy(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
) -> Result<(crate::exact::PolicyValues, Array1<f64>)> {
    require_discounted(mdp, "policy evaluation")?;
    check_policy(mdp, policy)?;
    let (v, visitation) = solve_policy_system_both(
        mdp,
        policy,
        &crate::exact::bellman::policy_reward(mdp, policy),
        mdp.initial(),
    )?;
    let q = crate::exact::bellman::q_values(mdp, v.view());
    Ok((
        crate::exact::PolicyValues { v, q },
        visitation * (1.0 - mdp.gamma()),
    ))
}

/// d^π_ρ = (1−γ)·ν^π_ρ: a probability distribution when no transition is `done`.
pub fn occupancy(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
    Ok(discounted_visitation(mdp, policy)? * (1.0 - mdp.gamma()))
}

/// The state-action occupancy from a state-action start ν (S × A):
/// d^π_ν(s, a) = (1−γ)·Σ_t γ^t·Pr(s_t = s, a_t = a | (s_0, a_0) ~ ν, a_t ~ π for t ≥ 1)
/// = (1−γ)·ν(s, a) + γ·π(a|s)·d̃(s), with d̃ the occupancy of the states from s_1 ~ Σ ν(s, a)P̃(·|s, a)
/// (Agarwal, Kakade, Lee & Mahajan 2021, §6: Q-NPG regresses under d^{π_t}_{ν_0}). Every pair
/// keeps at least (1−γ)·ν(s, a), however deterministic π is.
pub fn state_action_occupancy(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    start: &ndarray::Array2<f64>,
) -> Result<ndarray::Array2<f64>> {
    let gamma = require_discounted(mdp, "the state-action occupancy")?;
    check_policy(mdp, policy)?;
    let (states, actions) = (mdp.n_states(), mdp.n_actions());
    if start.dim() != (states, actions) {
        return Err(crate::core::error::Error::invalid(
            "start",
            format!("a {:?} table", start.dim()),
            format!("a {states} × {actions} distribution over state-action pairs"),
        ));
    }
    let mut next = Array1::<f64>::zeros(states);
    for s in 0..states {
        for a in 0..actions {
            let (targets, probability) = mdp.kernel().row(s, a);
            for (&n, &p) in targets.iter().zip(probability) {
                next[n] += start[[s, a]] * p;
            }
        }
    }
    let later = solve_policy_system(mdp, policy, &next, true)? * (1.0 - gamma);
    Ok(ndarray::Array2::from_shape_fn(
        (states, actions),
        |(s, a)| (1.0 - gamma) * start[[s, a]] + gamma * policy[[s, a]] * later[s],
    ))
}
