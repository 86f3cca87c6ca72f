//! Finite-horizon dynamic programming: backward induction and evaluation of non-stationary
//! policies (Puterman 1994, §4.5).
//!
//! With H steps and V_H = 0, for h = H−1, …, 0:
//! Q_h(s, a) = r(s, a) + γ·Σ_{s'} P̃(s'|s, a)·V_{h+1}(s'), and V_h(s) = max_a Q_h(s, a) (optimal)
//! or V_h(s) = Σ_a π_h(a|s)·Q_h(s, a) (a policy π = (π_0, …, π_{H−1})).

use ndarray::{Array1, Array2, ArrayView2};

use super::bellman::{
    check_policy, deterministic_policy, greedy_actions, policy_average, q_values_with_gamma,
};
use super::value_iteration::TIE_TOLERANCE;
use crate::core::error::{Error, Result};
use crate::world::{Horizon, TabularMdp};

/// Values of every step of a finite-horizon world.
#[derive(Debug, Clone, PartialEq)]
pub struct StepValues {
    /// V_h for h = 0..=H (V_H = 0).
    pub v: Vec<Array1<f64>>,
    /// Q_h for h = 0..H.
    pub q: Vec<Array2<f64>>,
    /// π_h for h = 0..H (for backward induction: greedy, deterministic).
    pub policy: Vec<Array2<f64>>,
}

impl StepValues {
    /// J = ρᵀV_0.
    pub fn objective(&self, mdp: &TabularMdp) -> f64 {
        mdp.initial().dot(&self.v[0])
    }
}

fn require_finite(mdp: &TabularMdp, what: &str) -> Result<(usize, f64)> {
    match mdp.horizon() {
        Horizon::Finite { steps, gamma } => Ok((steps, gamma)),
        Horizon::Discounted { .. } => Err(Error::Usage(format!(
            "{what} needs a finite-horizon world (set `horizon = H` in the file)"
        ))),
    }
}

/// Optimal values and a deterministic optimal policy for every step.
pub fn backward_induction(mdp: &TabularMdp) -> Result<StepValues> {
    let (steps, gamma) = require_finite(mdp, "backward induction")?;
    let mut v = vec![Array1::zeros(mdp.n_states()); steps + 1];
    let mut q = Vec::with_capacity(steps);
    let mut policy = Vec::with_capacity(steps);
    for h in (0..steps).rev() {
        let q_h = q_values_with_gamma(mdp, v[h + 1].view(), gamma);
        let actions = greedy_actions(mdp, q_h.view(), TIE_TOLERANCE, None);
        v[h] = actions
            .iter()
            .enumerate()
            .map(|(s, &a)| q_h[[s, a]])
            .collect();
        policy.push(deterministic_policy(&actions, mdp.n_actions()));
        q.push(q_h);
    }
    q.reverse();
    policy.reverse();
    Ok(StepValues { v, q, policy })
}

/// Values of a policy: one S×A table per step, or a single table used at every step.
pub fn evaluate_finite(mdp: &TabularMdp, policies: &[ArrayView2<'_, f64>]) -> Result<StepValues> {
    let (steps, gamma) = require_finite(mdp, "finite-horizon evaluation")?;
    if policies.len() != 1 && policies.len() != steps {
        return Err(Error::invalid(
            "policy",
            format!("found {} per-step tables", policies.len()),
            format!("expected one table (stationary) or one per step ({steps})"),
        ));
    }
    for p in policies {
        check_policy(mdp, *p)?;
    }
    let at = |h: usize| policies[if policies.len() == 1 { 0 } else { h }];
    let mut v = vec![Array1::zeros(mdp.n_states()); steps + 1];
    let mut q = Vec::with_capacity(steps);
    for h in (0..steps).rev() {
        let q_h = q_values_with_gamma(mdp, v[h + 1].view(), gamma);
        v[h] = policy_average(at(h), q_h.view());
        q.push(q_h);
    }
    q.reverse();
    let policy = (0..steps).map(|h| at(h).to_owned()).collect();
    Ok(StepValues { v, q, policy })
}
/// μ_h for h = 0..H: the state distribution at each step under the per-step policies.
pub fn state_distributions(mdp: &TabularMdp, policies: &[Array2<f64>]) -> Vec<Array1<f64>> {
    let mut out = vec![mdp.initial().clone()];
    for policy in &policies[..policies.len().saturating_sub(1)] {
        let current = out.last().cloned().unwrap_or_default();
        let mut next = Array1::zeros(mdp.n_states());
        for (s, &mass) in current.iter().enumerate() {
            if mass == 0.0 {
                continue;
            }
            for a in 0..mdp.n_actions() {
                let weight = mass * policy[[s, a]];
                if weight == 0.0 {
                    continue;
                }
                let (states, probabilities) = mdp.kernel().row(s, a);
                for (&s_next, &p) in states.iter().zip(probabilities) {
                    next[s_next] += weight * p;
                }
            }
        }
        out.push(next);
    }
    out
}
