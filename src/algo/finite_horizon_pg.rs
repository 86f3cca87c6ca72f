//! Softmax policy gradient on finite-horizon worlds, where the optimal policy is non-stationary
//! and the policy is one softmax table per step h = 0, …, H−1 (Klein, Weissmann & Döring 2024,
//! "Beyond Stationarity: Convergence Analysis of Stochastic Softmax Policy Gradient Methods",
//! ICLR 2024).
//!
//! The exact gradient of J = ρᵀV_0 in the table of step h is
//!
//! ∂J/∂θ_h(s, a) = γ^h·μ_h(s)·π_h(a|s)·(Q_h(s, a) − V_h(s)),
//!
//! with μ_h the distribution of the state at step h (μ_0 = ρ; mass that ends with a `done`
//! transition leaves). Two ways to use it:
//!
//! - **simultaneous PG**: every table takes a gradient step at every iteration (the usual way);
//! - **dynamic PG** (their §3): train backwards in time. Epoch h = H−1 is a contextual bandit with
//!   reward r(s, a); once trained, its table is frozen and epoch H−2 is trained against it, and so
//!   on to h = 0. Epoch h maximizes Σ_s ν(s)·V_h(s) for a weighting ν of full support; here
//!   ν(s) = 1 for every state (our choice: each state's bandit gets the same step; the method only
//!   needs every state weighted), whose softmax gradient is π_h(a|s)·(Q_h(s, a) − V_h(s)).
//!
//! Both record, after each iteration, J and the gap of every step's tail: gap_h =
//! Σ_s ν(s)·(V*_h(s) − V^π_h(s)), the quantity dynamic PG drives to zero from the last step back.

use ndarray::{Array1, Array2};

use crate::core::error::{Error, Result};
use crate::exact::{StepValues, backward_induction, evaluate_finite, state_distributions};
use crate::policy::TabularSoftmax;
use crate::world::{Horizon, TabularMdp};

/// One softmax table per step.
#[derive(Debug, Clone, PartialEq)]
pub struct NonStationarySoftmax {
    pub tables: Vec<TabularSoftmax>,
}

impl NonStationarySoftmax {
    /// The uniform policy at every step of a finite-horizon world.
    pub fn uniform(mdp: &TabularMdp) -> Result<Self> {
        let (steps, _) = finite(mdp)?;
        Ok(NonStationarySoftmax {
            tables: vec![TabularSoftmax::uniform(mdp); steps],
        })
    }

    pub fn probabilities(&self) -> Vec<Array2<f64>> {
        self.tables.iter().map(|t| t.probabilities()).collect()
    }
}

fn finite(mdp: &TabularMdp) -> Result<(usize, f64)> {
    match mdp.horizon() {
        Horizon::Finite { steps, gamma } => Ok((steps, gamma)),
        Horizon::Discounted { .. } => Err(Error::Usage(
            "finite-horizon policy gradient needs a finite-horizon world (set `horizon = H`)"
                .to_string(),
        )),
    }
}

/// The exact gradient of J in every step's table, and the values it came from.
pub fn finite_horizon_gradient(
    mdp: &TabularMdp,
    policy: &NonStationarySoftmax,
) -> Result<(Vec<Array2<f64>>, StepValues)> {
    let (_, gamma) = finite(mdp)?;
    let probabilities = policy.probabilities();
    let views: Vec<_> = probabilities.iter().map(|p| p.view()).collect();
    let values = evaluate_finite(mdp, &views)?;
    let mu = state_distributions(mdp, &probabilities);
    let gradients = (0..probabilities.len())
        .map(|h| {
            let discount = gamma.powi(h as i32);
            Array2::from_shape_fn(probabilities[h].dim(), |(s, a)| {
                let p = probabilities[h][[s, a]];
                if p > 0.0 {
                    discount * mu[h][s] * p * (values.q[h][[s, a]] - values.v[h][s])
                } else {
                    0.0
                }
            })
        })
        .collect();
    Ok((gradients, values))
}

/// What a finite-horizon PG run measured after each iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct FiniteHorizonTrace {
    /// J after each iteration.
    pub objective: Vec<f64>,
    /// gap_h after each iteration: `step_gaps[t][h]`.
    pub step_gaps: Vec<Vec<f64>>,
    /// J* from backward induction.
    pub optimal_objective: f64,
}

fn step_gaps(optimal: &StepValues, values: &StepValues) -> Vec<f64> {
    let n = optimal.v[0].len() as f64;
    (0..values.q.len())
        .map(|h| (&optimal.v[h] - &values.v[h]).sum() / n)
        .collect()
}

fn record(
    mdp: &TabularMdp,
    optimal: &StepValues,
    policy: &NonStationarySoftmax,
    trace: &mut FiniteHorizonTrace,
) -> Result<()> {
    let probabilities = policy.probabilities();
    let views: Vec<_> = probabilities.iter().map(|p| p.view()).collect();
    let values = evaluate_finite(mdp, &views)?;
    trace.objective.push(values.objective(mdp));
    trace.step_gaps.push(step_gaps(optimal, &values));
    Ok(())
}

fn new_trace(mdp: &TabularMdp) -> Result<(StepValues, FiniteHorizonTrace)> {
    let optimal = backward_induction(mdp)?;
    let trace = FiniteHorizonTrace {
        objective: Vec::new(),
        step_gaps: Vec::new(),
        optimal_objective: optimal.objective(mdp),
    };
    Ok((optimal, trace))
}

/// Simultaneous PG: `iterations` steps of size η on all tables at once, from uniform.
pub fn simultaneous_pg(
    mdp: &TabularMdp,
    step_size: f64,
    iterations: usize,
) -> Result<(NonStationarySoftmax, FiniteHorizonTrace)> {
    crate::core::checks::require_positive("step_size", step_size)?;
    let (optimal, mut trace) = new_trace(mdp)?;
    let mut policy = NonStationarySoftmax::uniform(mdp)?;
    for _ in 0..iterations {
        let (gradients, _) = finite_horizon_gradient(mdp, &policy)?;
        for (table, gradient) in policy.tables.iter_mut().zip(&gradients) {
            table.ascend(gradient, step_size);
        }
        record(mdp, &optimal, &policy, &mut trace)?;
    }
    Ok((policy, trace))
}

/// Dynamic PG: for h = H−1 down to 0, `iterations_per_step` steps of size η on table h alone,
/// with the later tables frozen and the earlier ones still uniform.
pub fn dynamic_pg(
    mdp: &TabularMdp,
    step_size: f64,
    iterations_per_step: usize,
) -> Result<(NonStationarySoftmax, FiniteHorizonTrace)> {
    crate::core::checks::require_positive("step_size", step_size)?;
    let (_, gamma) = finite(mdp)?;
    let (optimal, mut trace) = new_trace(mdp)?;
    let mut policy = NonStationarySoftmax::uniform(mdp)?;
    let steps = policy.tables.len();
    // V_{h+1} of the frozen later tables, updated as each epoch finishes.
    let mut next_values: Array1<f64> = Array1::zeros(mdp.n_states());
    for h in (0..steps).rev() {
        let q = crate::exact::bellman::q_values_with_gamma(mdp, next_values.view(), gamma);
        for _ in 0..iterations_per_step {
            let p = policy.tables[h].probabilities();
            let v = crate::exact::bellman::policy_average(p.view(), q.view());
            let gradient = Array2::from_shape_fn(p.dim(), |(s, a)| {
                if p[[s, a]] > 0.0 {
                    p[[s, a]] * (q[[s, a]] - v[s])
                } else {
                    0.0
                }
            });
            policy.tables[h].ascend(&gradient, step_size);
            record(mdp, &optimal, &policy, &mut trace)?;
        }
        let p = policy.tables[h].probabilities();
        next_values = crate::exact::bellman::policy_average(p.view(), q.view());
    }
    Ok((policy, trace))
}
