//! Entropy-regularized (soft) values: the objective V_τ^π(s) = E[Σ_t γ^t (r(s_t, a_t) −
//! τ·log π(a_t|s_t)) | s_0 = s] of Mei et al. (2020, §4) and Cen, Cheng, Chen, Wei & Chi (2022,
//! Eq. 5), with temperature τ > 0.
//!
//! - Soft evaluation: V_τ^π solves V = r_π + τ·H_π + γ·P̃_π·V, and
//!   Q_τ^π(s, a) = r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·V_τ^π(s').
//! - Soft optimality: Q*_τ = r + γ·P̃·V*_τ with V*_τ(s) = τ·log Σ_a exp(Q*_τ(s, a)/τ), and the
//!   unique optimal policy π*_τ(a|s) = exp((Q*_τ(s, a) − V*_τ(s))/τ) (Nachum et al. 2017;
//!   Cen et al. 2022, Eq. 7). The soft Bellman operator is a γ-contraction, so soft value iteration
//!   stops with the same a-posteriori bound as [`super::value_iteration()`].

use ndarray::{Array1, Array2, ArrayView2};

use super::bellman::{check_policy, policy_reward, q_values};
use super::evaluation::{PolicyValues, require_discounted};
use super::policy_system::solve_policy_system;
use crate::core::checks::require_temperature;
use crate::core::entropy::state_entropy;
use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// V_τ^π and Q_τ^π by a direct solve.
pub fn soft_evaluate(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    temperature: f64,
) -> Result<PolicyValues> {
    require_discounted(mdp, "soft policy evaluation")?;
    require_temperature(temperature)?;
    check_policy(mdp, policy)?;
    let reward = policy_reward(mdp, policy) + state_entropy(policy) * temperature;
    let v = solve_policy_system(mdp, policy, &reward, false)?;
    let q = q_values(mdp, v.view());
    Ok(PolicyValues { v, q })
}

/// τ·log Σ_{a available} exp(q_a/τ), computed stably.
fn soft_maximum(
    mdp: &TabularMdp,
    state: usize,
    q_row: ndarray::ArrayView1<'_, f64>,
    temperature: f64,
) -> f64 {
    let available = || {
        q_row
            .iter()
            .enumerate()
            .filter(|&(a, _)| mdp.is_allowed(state, a))
            .map(|(_, &x)| x)
    };
    let max = available().fold(f64::NEG_INFINITY, f64::max);
    max + temperature
        * available()
            .map(|x| ((x - max) / temperature).exp())
            .sum::<f64>()
            .ln()
}

/// The soft-optimal values and policy.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftSolution {
    pub v: Array1<f64>,
    pub q: Array2<f64>,
    /// π*_τ(a|s) = exp((Q*_τ(s, a) − V*_τ(s))/τ).
    pub policy: Array2<f64>,
    pub iterations: usize,
    /// Bound on ‖v − V*_τ‖∞.
    pub value_error_bound: f64,
}

/// Soft value iteration from V = 0 until ‖V − V*_τ‖∞ ≤ `tolerance` is guaranteed.
pub fn soft_value_iteration(
    mdp: &TabularMdp,
    temperature: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<SoftSolution> {
    let gamma = require_discounted(mdp, "soft value iteration")?;
    require_temperature(temperature)?;
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let mut v = Array1::<f64>::zeros(mdp.n_states());
    for iteration in 1..=max_iterations {
        let q = q_values(mdp, v.view());
        let next: Array1<f64> = (0..mdp.n_states())
            .map(|s| soft_maximum(mdp, s, q.row(s), temperature))
            .collect();
        let change = next
            .iter()
            .zip(v.iter())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        v = next;
        if factor * change <= tolerance {
            let q = q_values(mdp, v.view());
            let mut policy = Array2::zeros(q.dim());
            for ((s, a), p) in policy.indexed_iter_mut() {
                if mdp.is_allowed(s, a) {
                    *p = ((q[[s, a]] - v[s]) / temperature).exp();
                }
            }
            // Renormalize away the rounding of exp/log (rows are within ~1e-15 of 1).
            for mut row in policy.rows_mut() {
                let total = row.sum();
                row.mapv_inplace(|p| p / total);
            }
            return Ok(SoftSolution {
                v,
                q,
                policy,
                iterations: iteration,
                value_error_bound: factor * change,
            });
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "soft value iteration did not reach tolerance {tolerance:e} within {max_iterations} sweeps"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generate::{BanditParams, GarnetParams};

    #[test]
    fn soft_optimum_of_a_bandit_is_softmax_of_rewards() {
        // One state, γ = 0: π*_τ = softmax(r/τ) and V*_τ = τ·log Σ exp(r/τ).
        let mdp = BanditParams::default().build().unwrap();
        let tau = 0.2;
        let solution = soft_value_iteration(&mdp, tau, 1e-14, 100).unwrap();
        let r = [1.0f64, 0.9, 0.1];
        let z: f64 = r.iter().map(|x| (x / tau).exp()).sum();
        for (a, reward) in r.iter().enumerate() {
            assert!((solution.policy[[0, a]] - (reward / tau).exp() / z).abs() < 1e-14);
        }
        assert!((solution.v[0] - tau * z.ln()).abs() < 1e-14);
    }

    #[test]
    fn the_soft_optimal_policy_attains_the_soft_optimal_value() {
        let mdp = GarnetParams {
            states: 12,
            actions: 3,
            branching: 3,
            gamma: 0.9,
            seed: 4,
        }
        .build()
        .unwrap();
        let solution = soft_value_iteration(&mdp, 0.5, 1e-12, 100_000).unwrap();
        let values = soft_evaluate(&mdp, solution.policy.view(), 0.5).unwrap();
        let gap = values
            .v
            .iter()
            .zip(solution.v.iter())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(gap < 1e-10, "{gap}");
        // And beats the uniform policy's soft value everywhere.
        let uniform = soft_evaluate(&mdp, crate::exact::uniform_policy(&mdp).view(), 0.5).unwrap();
        assert!(
            uniform
                .v
                .iter()
                .zip(solution.v.iter())
                .all(|(u, o)| *u <= o + 1e-10)
        );
    }
}
