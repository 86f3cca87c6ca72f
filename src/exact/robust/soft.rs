//! Entropy-regularized values on a robust world: the objective of a policy is its worst case for
//! the regularized reward r(s, a) − τ·log π(a|s) (Mei et al. 2020, §4; Cen et al. 2022, Eq. 5, with
//! nature choosing the kernel).
//!
//! - Robust soft evaluation: the regularizer depends on (s, a) only, so it is added to each pair's
//!   action reward r0(s, a), where nature's choice of next-state distribution cannot touch it, and
//!   the world is evaluated robustly ([`robust_evaluate`]); then
//!   Q_τ(s, a) = r(s, a) + γ·Σ p*·V_τ is that evaluation's Q plus τ·log π(a|s).
//! - Robust soft optimality ((s,a)-rectangular and finite sets): V*_τ(s) = τ·log Σ_a
//!   exp(Q*_τ(s, a)/τ) with Q*_τ = r + γ·min_p pᵀV*_τ, a γ-contraction (log-sum-exp and the minimum
//!   over the set are monotone and 1-Lipschitz in ‖·‖∞), iterated with the a-posteriori bound of
//!   value iteration. For an s-rectangular set nature's budget depends on the policy and the soft
//!   optimum is not this log-sum-exp: refused.

use ndarray::{Array1, Array2, ArrayView2};

use super::bellman::{Rule, Sweep, Workspace, sweep_into};
use super::policy_evaluation::robust_evaluate;
use super::value_iteration::require_tolerance;
use crate::core::checks::require_temperature;
use crate::core::error::{Error, Result};
use crate::world::{RobustMdp, SetShape, SoftValues, TabularMdp};

/// The same world with −τ·log π(a|s) added to every pair's action reward (0 where π(a|s) = 0).
fn regularized(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    temperature: f64,
) -> Result<TabularMdp> {
    let mut spec = mdp.spec().clone();
    let mut rewards = spec
        .action_rewards
        .clone()
        .unwrap_or_else(|| vec![vec![0.0; mdp.n_actions()]; mdp.n_states()]);
    for (s, row) in rewards.iter_mut().enumerate() {
        for (a, r) in row.iter_mut().enumerate() {
            let p = policy[[s, a]];
            if p > 0.0 {
                *r -= temperature * p.ln();
            }
        }
    }
    spec.action_rewards = Some(rewards);
    TabularMdp::new(spec)
}

/// V_τ, Q_τ and the occupancy of `policy` under nature's worst case for the regularized reward.
pub fn robust_soft_evaluate(
    world: &RobustMdp,
    policy: ArrayView2<'_, f64>,
    temperature: f64,
) -> Result<SoftValues> {
    require_temperature(temperature)?;
    let shifted = if world.kernels().is_empty() {
        RobustMdp::new(
            regularized(world.nominal(), policy, temperature)?,
            world.set().clone(),
        )?
    } else {
        RobustMdp::finite(
            world
                .kernels()
                .iter()
                .map(|k| regularized(k, policy, temperature))
                .collect::<Result<Vec<_>>>()?,
        )?
    };
    let evaluation = robust_evaluate(&shifted, policy)?;
    let mut q = evaluation.values.q;
    for ((s, a), value) in q.indexed_iter_mut() {
        let p = policy[[s, a]];
        if p > 0.0 {
            *value += temperature * p.ln();
        }
    }
    Ok(SoftValues {
        v: evaluation.values.v,
        q,
        occupancy: evaluation.occupancy,
    })
}

/// Robust soft value iteration from V = 0 until ‖V − V*_τ‖∞ ≤ `tolerance` is guaranteed, or the
/// change is at rounding level (8 ulps of ‖V‖∞): V*_τ and Q*_τ.
pub fn robust_soft_value_iteration(
    world: &RobustMdp,
    temperature: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<(Array1<f64>, Array2<f64>)> {
    require_temperature(temperature)?;
    require_tolerance("robust soft value iteration", tolerance)?;
    if world.set().shape() == SetShape::StateL1 {
        return Err(Error::Usage(
            "the entropy-regularized robust optimum is computed for (s,a)-rectangular and finite \
             sets; an s-rectangular set's budget depends on the policy"
                .into(),
        ));
    }
    let gamma = world.gamma();
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let (s_count, a_count) = (world.n_states(), world.n_actions());
    let allowed = world.nominal().allowed_mask();
    let mut work = Workspace::default();
    let mut sweep = Sweep::for_world(world);
    let mut v = vec![0.0; s_count];
    for _ in 0..max_iterations {
        sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
        let mut change = 0.0f64;
        for s in 0..s_count {
            let row = &sweep.q[s * a_count..(s + 1) * a_count];
            let mask = &allowed[s * a_count..(s + 1) * a_count];
            let top = row
                .iter()
                .zip(mask)
                .filter(|&(_, &ok)| ok)
                .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
            let sum: f64 = row
                .iter()
                .zip(mask)
                .filter(|&(_, &ok)| ok)
                .map(|(&x, _)| ((x - top) / temperature).exp())
                .sum();
            let soft = top + temperature * sum.ln();
            change = change.max((soft - v[s]).abs());
            v[s] = soft;
        }
        // Near the fixed point the change can stall at rounding (an ulp of V, ~1e-13 for
        // values in the hundreds): that is as close as floats get.
        let scale = v.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        if factor * change <= tolerance || change <= 8.0 * f64::EPSILON * scale {
            sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
            return Ok((Array1::from(v), sweep.q_table(a_count)));
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "robust soft value iteration did not reach tolerance {tolerance:e} within \
             {max_iterations} sweeps"
        ),
    })
}
