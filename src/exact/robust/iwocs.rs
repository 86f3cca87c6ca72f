//! IWOCS, incremental worst-case search (Zouitine, Geist & Rachelson 2024, "Solving robust MDPs
//! as a sequence of static RL problems", arXiv 2410.06212): solve the robust problem through a
//! growing set W of transition models, each an ordinary (static) MDP.
//!
//! Their meta-algorithm (Algorithm 1, §4; its value-iteration instance in Appendix E) alternates
//! between a policy that is good against every model found so far and a search for the model
//! that is worst for that policy, which joins W: Q_i = min_{j≤i} Q*_{T_j}, π_i = argmax_a Q_i,
//! T_{i+1} = argmin_T V^{π_i}_T(s_0), stopping when |V^{π_i}_{T_{i+1}}(s_0) − Q_i(s_0, π_i(s_0))| ≤ ε.
//! The tabular instance here follows it, with two differences: the bounds and the stopping rule
//! are on J = ρᵀV (ρ a point mass on s_0 gives theirs), and the upper bound is min_j J*_{P_j}:
//!
//! 1. W = {P_0} (the nominal model; kernel 0 of a finite set); Q_j = Q*_{P_j} by policy iteration;
//! 2. π_i = greedy(min_j Q_j) — the pessimistic combination of the found models' optimal Q-values;
//! 3. the worst-case search for π_i: the static worst case argmin_k J(π_i, P_k) over a finite set,
//!    or nature's rectangular worst case ([`robust_evaluate`]) for a ball — for a stationary
//!    policy and a rectangular set the static and dynamic worst cases coincide (Iyengar 2005,
//!    Lemma 3.3), which is the equivalence the paper builds on;
//! 4. bounds: lower_i = J(π_i, worst case) ≤ V*_static, upper_i = min_j J*_{P_j} ≥ V*_static (a
//!    robust value never exceeds any member's optimum); stop when upper − lower ≤ tolerance or the
//!    worst case is already in W.
//!
//! For a rectangular set with no duality gap (max_π min_P = min_P max_π; Iyengar 2005,
//! Nilim & El Ghaoui 2005) both bounds meet at robust value iteration's V*_𝒫; for a finite set the
//! static value can exceed its rectangular (dynamic) relaxation, the case `reproduce
//! robust-static-dynamic` shows.

use ndarray::Array2;

use super::policy_evaluation::robust_evaluate;
use crate::core::error::{Error, Result};
use crate::exact::bellman::{deterministic_policy, greedy_actions};
use crate::exact::value_iteration::TIE_TOLERANCE;
use crate::exact::{evaluate, policy_iteration};
use crate::world::{RobustMdp, TabularMdp};

/// One iteration's bounds on the robust value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IwocsIteration {
    /// Models found so far, |W|.
    pub models: usize,
    /// J(π_i, its worst case).
    pub lower: f64,
    /// min over W of the optimal value ρᵀV*_{P_j}.
    pub upper: f64,
}

/// The result: the best policy found (highest lower bound), the final bounds and the trace.
#[derive(Debug, Clone)]
pub struct IwocsSolution {
    pub policy: Array2<f64>,
    pub lower: f64,
    pub upper: f64,
    pub trace: Vec<IwocsIteration>,
    /// The models found, in order.
    pub models: Vec<TabularMdp>,
}

/// Runs IWOCS until the bounds are within `tolerance`, the worst case repeats, or
/// `max_iterations`.
pub fn iwocs(world: &RobustMdp, tolerance: f64, max_iterations: usize) -> Result<IwocsSolution> {
    if tolerance.is_nan() || tolerance < 0.0 {
        return Err(Error::Usage(format!(
            "the tolerance of IWOCS must be >= 0, got {tolerance}"
        )));
    }
    let nominal = world.nominal();
    let first = world.kernels().first().unwrap_or(nominal).clone();
    let mut models = vec![first];
    let mut optimal_q: Vec<Array2<f64>> = Vec::new();
    let mut upper = f64::INFINITY;
    let mut trace = Vec::new();
    let mut best: Option<(f64, Array2<f64>)> = None;
    for _ in 0..max_iterations.max(1) {
        let newest = models.last().unwrap_or(nominal);
        let solution = policy_iteration(newest, 1_000_000)?;
        upper = upper.min(newest.initial().dot(&solution.v));
        optimal_q.push(solution.q);
        let mut pessimistic = optimal_q[0].clone();
        for q in &optimal_q[1..] {
            pessimistic.zip_mut_with(q, |p, &x| *p = p.min(x));
        }
        let actions = greedy_actions(nominal, pessimistic.view(), TIE_TOLERANCE, None);
        let policy = deterministic_policy(&actions, nominal.n_actions());
        let (lower, worst) = worst_case(world, &policy)?;
        trace.push(IwocsIteration {
            models: models.len(),
            lower,
            upper,
        });
        if best.as_ref().is_none_or(|(value, _)| lower > *value) {
            best = Some((lower, policy));
        }
        let repeated = models
            .iter()
            .any(|m| m.spec().transitions == worst.spec().transitions);
        if upper - best.as_ref().map_or(f64::NEG_INFINITY, |b| b.0) <= tolerance || repeated {
            break;
        }
        models.push(worst);
    }
    let (lower, policy) = best.ok_or_else(|| Error::Usage("IWOCS ran no iteration".into()))?;
    Ok(IwocsSolution {
        policy,
        lower,
        upper,
        trace,
        models,
    })
}

/// The worst case of `policy`: the least J over a finite set's kernels (static model), or
/// nature's rectangular worst case for a ball.
fn worst_case(world: &RobustMdp, policy: &Array2<f64>) -> Result<(f64, TabularMdp)> {
    if world.kernels().is_empty() {
        let evaluation = robust_evaluate(world, policy.view())?;
        return Ok((evaluation.objective(), evaluation.worst_case));
    }
    let mut worst: Option<(f64, &TabularMdp)> = None;
    for kernel in world.kernels() {
        let value = evaluate(kernel, policy.view())?.objective(kernel);
        if worst.is_none_or(|(w, _)| value < w) {
            worst = Some((value, kernel));
        }
    }
    let (value, kernel) =
        worst.ok_or_else(|| Error::Usage("a finite set with no kernel".into()))?;
    Ok((value, kernel.clone()))
}
