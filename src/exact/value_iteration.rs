//! Value iteration with an a-posteriori stopping rule.
//!
//! V_{k+1} = T V_k with (T V)(s) = max_a [r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·V(s')], from V_0 = 0.
//! Since T is a γ-contraction in ‖·‖∞,
//!
//! ‖V_{k+1} − V*‖∞ ≤ γ/(1−γ)·‖V_{k+1} − V_k‖∞                                  (value bound)
//!
//! and the policy π greedy with respect to V_{k+1} satisfies
//!
//! ‖V^π − V*‖∞ ≤ 2γ/(1−γ)·‖V_{k+1} − V_k‖∞                                      (policy bound)
//!
//! (Puterman 1994, Thm. 6.3.1; Williams & Baird 1993). Iteration stops as soon as the value bound
//! is at most the requested tolerance; both bounds are returned.

use ndarray::{Array1, Array2};

use super::bellman::{backup_into, deterministic_policy, greedy_actions, q_values};
use super::evaluation::require_discounted;
use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// Relative tolerance under which two Q-values count as tied when choosing a greedy action.
pub const TIE_TOLERANCE: f64 = 1e-12;

/// An optimal (or ε-optimal) solution of a discounted world.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// V*(s) (for value iteration: V_{k+1}, within `value_error_bound` of V*).
    pub v: Array1<f64>,
    /// Q(s, a) = r + γP̃V.
    pub q: Array2<f64>,
    /// The greedy action in each state (lowest index among ties).
    pub actions: Vec<usize>,
    /// The same policy as an S×A matrix of probabilities.
    pub policy: Array2<f64>,
    /// Sweeps (value iteration) or improvement steps (policy iteration).
    pub iterations: usize,
    /// Bound on ‖v − V*‖∞ (zero up to rounding for policy iteration).
    pub value_error_bound: f64,
    /// Bound on ‖V^policy − V*‖∞.
    pub policy_error_bound: f64,
}

/// Value iteration until ‖V_{k+1} − V*‖∞ ≤ `tolerance` is guaranteed, or an error after
/// `max_iterations` sweeps.
pub fn value_iteration(
    mdp: &TabularMdp,
    tolerance: f64,
    max_iterations: usize,
) -> Result<Solution> {
    let gamma = require_discounted(mdp, "value iteration")?;
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(Error::Usage(format!(
            "the tolerance of value iteration must be positive, got {tolerance}"
        )));
    }
    let (s_count, a_count) = (mdp.n_states(), mdp.n_actions());
    let allowed = mdp.allowed_mask();
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let mut v = vec![0.0; s_count];
    let mut next = vec![0.0; s_count];
    let mut q = vec![0.0; s_count * a_count];
    let mut last_change = f64::INFINITY;
    for iteration in 1..=max_iterations {
        backup_into(mdp, &v, gamma, &mut q);
        last_change = 0.0;
        for (s, (row, mask)) in q
            .chunks_exact(a_count)
            .zip(allowed.chunks_exact(a_count))
            .enumerate()
        {
            let best = row
                .iter()
                .zip(mask)
                .filter(|&(_, &ok)| ok)
                .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
            last_change = f64::max(last_change, (best - v[s]).abs());
            next[s] = best;
        }
        std::mem::swap(&mut v, &mut next);
        if factor * last_change <= tolerance {
            let v = Array1::from(v);
            let q = q_values(mdp, v.view());
            let actions = greedy_actions(mdp, q.view(), TIE_TOLERANCE, None);
            let policy = deterministic_policy(&actions, mdp.n_actions());
            return Ok(Solution {
                v,
                q,
                actions,
                policy,
                iterations: iteration,
                value_error_bound: factor * last_change,
                policy_error_bound: 2.0 * factor * last_change,
            });
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "value iteration did not reach tolerance {tolerance:e} within {max_iterations} \
             sweeps (last change {last_change:e}); raise --max-iterations or the tolerance"
        ),
    })
}
