//! Bellman operators on a known model.
//!
//! For a policy π (an S×A row-stochastic matrix) and values V:
//! - Q(s, a) = r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·V(s')            ([`q_values`])
//! - (T^π V)(s) = Σ_a π(a|s)·Q(s, a)                          ([`policy_average`])
//! - (T V)(s) = max_a Q(s, a)                                  (the optimality operator)
//!
//! P̃ leaves out `done` transitions (see [`crate::world::TransitionKernel`]).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::core::error::{Error, Result};
use crate::world::{PROBABILITY_TOLERANCE, TabularMdp};

/// Checks that `policy` is S×A with every row a probability distribution.
pub fn check_policy(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<()> {
    let expected = (mdp.n_states(), mdp.n_actions());
    if policy.dim() != expected {
        return Err(Error::invalid(
            "policy",
            format!("found a {}x{} table", policy.nrows(), policy.ncols()),
            format!(
                "expected one row per state and one column per action ({}x{})",
                expected.0, expected.1
            ),
        ));
    }
    for (s, row) in policy.rows().into_iter().enumerate() {
        if let Some((a, p)) = row
            .iter()
            .enumerate()
            .find(|(_, p)| !p.is_finite() || **p < 0.0)
        {
            return Err(Error::invalid(
                format!("policy[{s}][{a}]"),
                format!("found {p}"),
                "probabilities must be finite and non-negative",
            ));
        }
        if let Some((a, p)) = row
            .iter()
            .enumerate()
            .find(|&(a, p)| *p > 0.0 && !mdp.is_allowed(s, a))
        {
            return Err(Error::invalid(
                format!("policy[{s}][{a}]"),
                format!("probability {p} on action {a}, which is unavailable in state {s}"),
                "unavailable actions must have probability 0",
            ));
        }
        let total = row.sum();
        if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
            return Err(Error::invalid(
                format!("policy[{s}]"),
                format!("state {s}: probabilities sum to {total}"),
                format!("they must sum to 1 (within {PROBABILITY_TOLERANCE:e})"),
            ));
        }
    }
    Ok(())
}

/// Q(s, a) = r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·V(s').
pub fn q_values(mdp: &TabularMdp, values: ArrayView1<'_, f64>) -> Array2<f64> {
    q_values_with_gamma(mdp, values, mdp.gamma())
}

/// Q with an explicit discount (finite horizons may use γ = 1).
pub fn q_values_with_gamma(
    mdp: &TabularMdp,
    values: ArrayView1<'_, f64>,
    gamma: f64,
) -> Array2<f64> {
    let values: Vec<f64> = values.iter().copied().collect();
    let mut out = vec![0.0; mdp.n_states() * mdp.n_actions()];
    backup_into(mdp, &values, gamma, &mut out);
    Array2::from_shape_vec((mdp.n_states(), mdp.n_actions()), out)
        .expect("cannot fail: `out` has exactly S·A entries")
}

/// out[s·A + a] = r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·values[s'], without allocating: the inner loop
/// of value iteration and iterative evaluation.
pub fn backup_into(mdp: &TabularMdp, values: &[f64], gamma: f64, out: &mut [f64]) {
    mdp.kernel().expected_next_all(values, out);
    for (q, &r) in out.iter_mut().zip(mdp.expected_reward().iter()) {
        *q = r + gamma * *q;
    }
}

/// (Σ_a π(a|s)·X(s, a))_s — the state values of a policy from its Q, or r_π from r.
pub fn policy_average(policy: ArrayView2<'_, f64>, table: ArrayView2<'_, f64>) -> Array1<f64> {
    (&policy * &table).sum_axis(ndarray::Axis(1))
}

/// r_π(s) = Σ_a π(a|s)·r(s, a).
pub fn policy_reward(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Array1<f64> {
    policy_average(policy, mdp.expected_reward().view())
}

/// max over the available actions of `row` (a row of a Q table of state `state`).
pub fn best_available(mdp: &TabularMdp, state: usize, row: ArrayView1<'_, f64>) -> f64 {
    row.iter()
        .enumerate()
        .filter(|&(a, _)| mdp.is_allowed(state, a))
        .fold(f64::NEG_INFINITY, |m, (_, &x)| m.max(x))
}

/// (max_a Q(s, a))_s over available actions.
pub fn state_maxima(mdp: &TabularMdp, q: ArrayView2<'_, f64>) -> Array1<f64> {
    q.rows()
        .into_iter()
        .enumerate()
        .map(|(s, row)| best_available(mdp, s, row))
        .collect()
}

/// Greedy actions: in each state, the first available action whose Q is within
/// `tie_tolerance`·max(1, |max|) of the maximum. When `keep` is given, its action is kept whenever
/// it is among the maximizers (policy iteration needs this to stop on ties).
pub fn greedy_actions(
    mdp: &TabularMdp,
    q: ArrayView2<'_, f64>,
    tie_tolerance: f64,
    keep: Option<&[usize]>,
) -> Vec<usize> {
    q.rows()
        .into_iter()
        .enumerate()
        .map(|(s, row)| {
            let best = best_available(mdp, s, row);
            let threshold = best - tie_tolerance * best.abs().max(1.0);
            let qualifies = |a: usize| mdp.is_allowed(s, a) && row[a] >= threshold;
            match keep {
                Some(current) if qualifies(current[s]) => current[s],
                // Every state has an available action (the world is validated), so a maximizer
                // exists; 0 is never reached.
                _ => (0..row.len()).find(|&a| qualifies(a)).unwrap_or(0),
            }
        })
        .collect()
}

/// The deterministic policy that plays `actions[s]` in state s, as an S×A matrix.
pub fn deterministic_policy(actions: &[usize], n_actions: usize) -> Array2<f64> {
    let mut policy = Array2::zeros((actions.len(), n_actions));
    for (s, &a) in actions.iter().enumerate() {
        policy[[s, a]] = 1.0;
    }
    policy
}

/// The uniformly random policy over each state's available actions.
pub fn uniform_policy(mdp: &TabularMdp) -> Array2<f64> {
    let mut policy = Array2::zeros((mdp.n_states(), mdp.n_actions()));
    for s in 0..mdp.n_states() {
        let available: Vec<usize> = (0..mdp.n_actions())
            .filter(|&a| mdp.is_allowed(s, a))
            .collect();
        for &a in &available {
            policy[[s, a]] = 1.0 / available.len() as f64;
        }
    }
    policy
}

/// ‖T V − V‖∞, the residual of the Bellman optimality equation.
pub fn optimality_residual(mdp: &TabularMdp, values: ArrayView1<'_, f64>) -> f64 {
    let maxima = state_maxima(mdp, q_values(mdp, values).view());
    sup_distance(maxima.view(), values)
}

/// ‖T^π V − V‖∞, the residual of the Bellman equation of π.
pub fn policy_residual(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    values: ArrayView1<'_, f64>,
) -> f64 {
    let backed_up = policy_average(policy, q_values(mdp, values).view());
    (&backed_up - &values)
        .iter()
        .fold(0.0, |m, x| m.max(x.abs()))
}

/// ‖x − y‖∞.
pub fn sup_distance(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
    x.iter()
        .zip(y.iter())
        .fold(0.0, |m, (a, b)| m.max((a - b).abs()))
}
