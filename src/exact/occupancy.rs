//! Discounted state visitation and the normalised occupancy measure d^π_ρ.
//!
//! The discounted visitation is ν^π_ρ(s) = Σ_t γ^t·Pr(s_t = s | s_0 ~ ρ, π), the solution of
//! (I − γP̃_π)ᵀ·ν = ρ; without `done` transitions it sums to 1/(1−γ). The occupancy of Agarwal,
//! Kakade, Lee & Mahajan (2021, Eq. 4) is its normalisation d^π_ρ = (1−γ)·ν^π_ρ, a probability
//! distribution; it is the d in the policy-gradient theorem
//! ∂J/∂θ(s, a) = d^π_ρ(s)·π(a|s)·A^π(s, a)/(1−γ).

use ndarray::{Array1, ArrayView2};

use super::bellman::check_policy;
use super::evaluation::{bellman_matrix, require_discounted};
use super::linear_solve::solve_dense;
use crate::error::Result;
use crate::world::TabularMdp;

/// ν^π_ρ(s) = Σ_t γ^t Pr(s_t = s): sums to 1/(1−γ) when no transition is `done`.
pub fn discounted_visitation(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
    require_discounted(mdp, "the discounted visitation")?;
    check_policy(mdp, policy)?;
    solve_dense(&bellman_matrix(mdp, policy), mdp.initial(), true)
}

/// d^π_ρ = (1−γ)·ν^π_ρ: a probability distribution when no transition is `done`.
pub fn occupancy(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
    Ok(discounted_visitation(mdp, policy)? * (1.0 - mdp.gamma()))
}
