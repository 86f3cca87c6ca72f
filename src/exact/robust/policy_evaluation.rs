//! Robust policy evaluation: V^π_𝒫 = min_{P ∈ 𝒫} V^π_P for a fixed stochastic policy π, the fixed
//! point of T^π_𝒫, and nature's worst-case kernel P*(π).
//!
//! For a rectangular set this is an MDP for nature (minimizing over kernels), solved by policy
//! iteration on nature's side (Iyengar 2005, §4; Ho, Petrik & Wiesemann 2021, §4, "partial policy
//! iteration" solves the same inner MDP): from the nominal kernel P_0, evaluate V_k = V^π_{P_k}
//! exactly (one linear solve), let P_{k+1} be nature's worst case at V_k, and stop when
//! ‖T^π_𝒫 V_k − V_k‖∞ is at rounding level (then ‖V_k − V^π_𝒫‖∞ ≤ that residual/(1−γ)) or nature's
//! choice repeats exactly (polyhedral sets end in finitely many steps). The values decrease
//! monotonically. The returned kernel is nature's answer at the returned V in *every* row, the
//! actions π does not play included, so Q(s, a) is the robust Q of every action (a policy
//! improvement step reads it there). With a zero radius the nominal evaluation is returned as it
//! is.
//!
//! The result is a tabular world (the worst case) with π's exact evaluation and occupancy on it:
//! by Danskin's theorem the policy gradient on that world is the gradient of the robust return
//! wherever the worst case is unique (Wang & Zou 2022; Kumar et al. 2023, Thm. 3.2).

use ndarray::{Array1, ArrayView2};

use super::bellman::{Choice, Rule, Sweep, Workspace, sweep_into};
use crate::core::error::{Error, Result};
use crate::exact::{PolicyValues, evaluate_with_occupancy};
use crate::world::TabularMdp;
use crate::world::robust_mdp::RobustMdp;

/// Nature's improvement steps before robust evaluation gives up.
pub const MAX_NATURE_STEPS: usize = 10_000;

/// A policy's robust evaluation: the worst-case world and the policy's values on it.
#[derive(Debug, Clone)]
pub struct RobustEvaluation {
    /// The world under nature's worst case P*(π).
    pub worst_case: TabularMdp,
    /// Nature's choice that built it.
    pub choice: Choice,
    /// V^π and Q^π on the worst case (Q_𝒫 for sa-rectangular sets).
    pub values: PolicyValues,
    /// d^π_ρ on the worst case.
    pub occupancy: Array1<f64>,
    /// ‖T^π_𝒫 V − V‖∞ at the returned V.
    pub residual: f64,
    /// Nature's improvement steps.
    pub steps: usize,
}

impl RobustEvaluation {
    /// J_𝒫(π) = ρᵀV^π_𝒫.
    pub fn objective(&self) -> f64 {
        self.values.objective(&self.worst_case)
    }
}

/// Robust evaluation of `policy` (S×A, rows on the available actions summing to one).
pub fn robust_evaluate(world: &RobustMdp, policy: ArrayView2<'_, f64>) -> Result<RobustEvaluation> {
    robust_evaluate_within(world, policy, None)
}

/// Robust evaluation that may stop early: nature's policy iteration ends once
/// ‖T^π_𝒫 V − V‖∞ ≤ `tolerance` (then J(π, P) − J_𝒫(π) ≤ tolerance/(1−γ) for the returned kernel
/// P), or at rounding level for `None` — the inexact inner loop of double-loop robust PG (Wang,
/// Ho & Petrik 2023, Algorithm 1).
pub fn robust_evaluate_within(
    world: &RobustMdp,
    policy: ArrayView2<'_, f64>,
    tolerance: Option<f64>,
) -> Result<RobustEvaluation> {
    robust_evaluate_from(world, policy, tolerance, None)
}

/// [`robust_evaluate_within`] with nature's policy iteration started from the kernel of `start`
/// (an earlier answer of nature, as partial policy iteration reuses it) instead of the nominal
/// one; any start converges (policy iteration on nature's MDP).
pub fn robust_evaluate_from(
    world: &RobustMdp,
    policy: ArrayView2<'_, f64>,
    tolerance: Option<f64>,
    start: Option<&Choice>,
) -> Result<RobustEvaluation> {
    let mut worst_case = match start {
        Some(choice) => choice.world(world)?,
        None => world.nominal().clone(),
    };
    let (mut values, mut occupancy) = evaluate_with_occupancy(&worst_case, policy)?;
    let mut work = Workspace::default();
    let mut sweep = Sweep::for_world(world);
    let mut previous: Option<Choice> = start.cloned();
    for steps in 0..MAX_NATURE_STEPS {
        let v = values
            .v
            .as_slice()
            .map(<[f64]>::to_vec)
            .unwrap_or_else(|| values.v.to_vec());
        sweep_into(world, &v, Rule::Policy(policy), &mut work, &mut sweep);
        let residual = sweep.residual(&v);
        let scale = v.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        let settled = residual <= 1e-12 * scale
            || tolerance.is_some_and(|t| residual <= t)
            || previous.as_ref() == Some(&sweep.choice);
        if settled {
            // The residual only sees the rows π plays: nature's answer for the other rows may
            // still be the one from the previous V. Q of those actions must be the worst case at
            // this V, so a choice that changed anywhere is applied and evaluated once more.
            let current = previous.unwrap_or_else(|| nominal_choice(world));
            let choice = if current == sweep.choice {
                current
            } else {
                worst_case = sweep.choice.world(world)?;
                (values, occupancy) = evaluate_with_occupancy(&worst_case, policy)?;
                sweep.choice.clone()
            };
            return Ok(RobustEvaluation {
                worst_case,
                choice,
                values,
                occupancy,
                residual,
                steps,
            });
        }
        worst_case = sweep.choice.world(world)?;
        (values, occupancy) = evaluate_with_occupancy(&worst_case, policy)?;
        previous = Some(sweep.choice.clone());
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "robust policy evaluation: nature's policy iteration did not settle within \
             {MAX_NATURE_STEPS} steps"
        ),
    })
}

/// Nature's choice that gives the nominal world: the nominal probabilities (kernel 0 of a finite
/// set, whose nominal is the mixture: used only where every kernel gives the same values).
pub fn nominal_choice(world: &RobustMdp) -> Choice {
    if world.kernels().is_empty() {
        let a_count = world.n_actions();
        Choice::Distributions(
            (0..world.n_states() * a_count)
                .flat_map(|row| world.candidates(row / a_count, row % a_count))
                .map(|o| o.probability)
                .collect(),
        )
    } else {
        Choice::Kernels(vec![0; world.n_states() * world.n_actions()])
    }
}
