//! Policy evaluation on a discounted world: V^π, Q^π, A^π and J(π) = ρᵀV^π.
//!
//! V^π is the unique solution of V = r_π + γ·P̃_π·V (Sutton & Barto 2018, Eq. 4.4), found either
//! by a direct dense solve of (I − γP̃_π)·V = r_π ([`evaluate`], O(S³), exact to rounding) or by
//! iterating the Bellman operator ([`evaluate_iterative`], O(nnz) per sweep, for large S).

use ndarray::{Array1, Array2, ArrayView2};

use super::bellman::{backup_into, check_policy, policy_reward, q_values};
use super::policy_system::solve_policy_system;
use crate::core::error::{Error, Result};
use crate::world::{Horizon, TabularMdp};

/// V^π and Q^π of one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyValues {
    /// V^π(s).
    pub v: Array1<f64>,
    /// Q^π(s, a).
    pub q: Array2<f64>,
}

impl PolicyValues {
    /// A^π(s, a) = Q^π(s, a) − V^π(s).
    pub fn advantage(&self) -> Array2<f64> {
        &self.q - &self.v.view().insert_axis(ndarray::Axis(1))
    }

    /// J(π) = Σ_s ρ(s)·V^π(s).
    pub fn objective(&self, mdp: &TabularMdp) -> f64 {
        mdp.initial().dot(&self.v)
    }
}

pub(crate) fn require_discounted(mdp: &TabularMdp, what: &str) -> Result<f64> {
    match mdp.horizon() {
        Horizon::Discounted { gamma } => Ok(gamma),
        Horizon::Finite { steps, .. } => Err(Error::Usage(format!(
            "{what} needs a discounted world, but this world has a finite horizon of {steps} \
             steps; use the finite-horizon methods (backward induction) instead"
        ))),
    }
}

/// I − γ·P̃_π as a dense S×S matrix.
pub fn bellman_matrix(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Array2<f64> {
    let n = mdp.n_states();
    let gamma = mdp.gamma();
    let kernel = mdp.kernel();
    let mut matrix = Array2::eye(n);
    for (s, (mut row, probabilities)) in
        matrix.rows_mut().into_iter().zip(policy.rows()).enumerate()
    {
        // Rows of a freshly made (standard-layout) matrix are contiguous.
        let row = row
            .as_slice_mut()
            .expect("cannot fail: rows of a standard-layout matrix are contiguous");
        for (a, &pi) in probabilities.iter().enumerate() {
            let weight = gamma * pi;
            if weight == 0.0 {
                continue;
            }
            let (next, probability) = kernel.row(s, a);
            for (&n2, &p) in next.iter().zip(probability) {
                row[n2] -= weight * p;
            }
        }
    }
    matrix
}

/// V^π and Q^π by a direct linear solve of (I − γP̃_π)·V = r_π.
pub fn evaluate(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<PolicyValues> {
    require_discounted(mdp, "policy evaluation")?;
    check_policy(mdp, policy)?;
    let v = solve_policy_system(mdp, policy, &policy_reward(mdp, policy), false)?;
    let q = q_values(mdp, v.view());
    Ok(PolicyValues { v, q })
}

/// Result of iterative policy evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct IterativeEvaluation {
    pub values: PolicyValues,
    /// Sweeps of the Bellman operator performed.
    pub sweeps: usize,
    /// Guaranteed bound on ‖V − V^π‖∞ (see [`evaluate_iterative`]).
    pub error_bound: f64,
}

/// V^π by repeated sweeps V ← r_π + γP̃_π·V from V = 0, stopped when ‖V_{k+1} − V_k‖∞ ≤
/// tolerance·(1−γ)/γ. Because T^π is a γ-contraction in ‖·‖∞,
/// ‖V_{k+1} − V^π‖∞ ≤ γ/(1−γ)·‖V_{k+1} − V_k‖∞ ≤ tolerance (the contraction argument of Puterman 1994, Thm. 6.3.1),
/// and that bound is returned with the values.
pub fn evaluate_iterative(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    tolerance: f64,
    max_sweeps: usize,
) -> Result<IterativeEvaluation> {
    let gamma = require_discounted(mdp, "policy evaluation")?;
    check_policy(mdp, policy)?;
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(Error::Usage(format!(
            "the tolerance of iterative evaluation must be positive, got {tolerance}"
        )));
    }
    let (s_count, a_count) = (mdp.n_states(), mdp.n_actions());
    let weights: Vec<f64> = policy.iter().copied().collect();
    let mut v = vec![0.0; s_count];
    let mut q = vec![0.0; s_count * a_count];
    for sweep in 1..=max_sweeps {
        backup_into(mdp, &v, gamma, &mut q);
        let mut change: f64 = 0.0;
        for (s, (row, pi)) in q
            .chunks_exact(a_count)
            .zip(weights.chunks_exact(a_count))
            .enumerate()
        {
            let backed_up: f64 = row.iter().zip(pi).map(|(q, p)| q * p).sum();
            change = change.max((backed_up - v[s]).abs());
            v[s] = backed_up;
        }
        // `q` was computed from the previous sweep's `v`, so writing `v` in place is still a
        // Jacobi sweep V_{k+1} = T^π V_k and the contraction bound applies.
        let error_bound = if gamma == 0.0 {
            0.0
        } else {
            gamma / (1.0 - gamma) * change
        };
        if error_bound <= tolerance {
            let v = Array1::from(v);
            let q = q_values(mdp, v.view());
            return Ok(IterativeEvaluation {
                values: PolicyValues { v, q },
                sweeps: sweep,
                error_bound,
            });
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "iterative evaluation did not reach tolerance {tolerance:e} within {max_sweeps} sweeps"
        ),
    })
}
