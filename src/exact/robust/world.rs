//! The robust world behind the [`World`] interface: a robust MDP with its robust optimum solved
//! once, so every catalogue algorithm runs on it unchanged and reports the robust gap
//! J*_𝒫 − J_𝒫(π_t).
//!
//! [`World::evaluate`] is robust policy evaluation ([`robust_evaluate`]): V, Q and the occupancy
//! of π under nature's worst case P*(π). The interface's gradient formula on that evaluation,
//! d^π_{P*}(s)·π(a|s)·A^π_{P*}(s, a)/(1−γ), is then the gradient of the robust return
//! J_𝒫(π) = min_P J(π, P) wherever the worst case is unique (Danskin's theorem; Wang & Zou 2022,
//! §4; Kumar et al. 2023, Thm. 3.2 for rectangular sets) and a supergradient of its concave-in-P
//! envelope otherwise. Each evaluation also reports the policy's return on the nominal world
//! (`nominal_J` in a run's records).

use ndarray::{Array1, Array2, ArrayView2};

use super::policy_evaluation::robust_evaluate_within;
use super::policy_iteration::robust_policy_iteration;
use super::soft::{robust_soft_evaluate, robust_soft_value_iteration};
use super::value_iteration::RobustSolution;
use crate::core::error::Result;
use crate::exact::evaluate;
use crate::exact::problem::optimal_actions;
use crate::world::interface::{
    Evaluation, Reference, SoftValues, StageValues, World, WorldKind, check_shape,
};
use crate::world::{RobustMdp, TabularMdp};

/// Tolerance of the robust optimum every run reports its gap against (s-rectangular sets stop
/// robust policy iteration at ‖V − V*_𝒫‖∞ ≤ this; the others are exact).
pub const REFERENCE_TOLERANCE: f64 = 1e-11;

/// A robust MDP and its robust optimum.
#[derive(Debug, Clone)]
pub struct RobustWorld {
    pub robust: RobustMdp,
    pub optimal: RobustSolution,
    /// J*_𝒫 = ρᵀV*_𝒫.
    pub optimal_objective: f64,
    reference: Reference,
}

impl RobustWorld {
    /// Solves the robust MDP by robust policy iteration.
    pub fn new(robust: RobustMdp) -> Result<Self> {
        let optimal = robust_policy_iteration(&robust, REFERENCE_TOLERANCE, 100_000)?;
        let nominal = robust.nominal();
        let optimal_objective = nominal.initial().dot(&optimal.v);
        let reference = Reference {
            optimal_objective,
            optimal_actions: vec![optimal_actions(
                optimal.v.view(),
                optimal.q.view(),
                nominal.allowed_mask(),
            )],
        };
        Ok(RobustWorld {
            robust,
            optimal,
            optimal_objective,
            reference,
        })
    }

    /// The robust evaluation as the interface's [`Evaluation`] (exact for `None`).
    fn evaluation(
        &self,
        policy: &[ArrayView2<'_, f64>],
        tolerance: Option<f64>,
    ) -> Result<Evaluation> {
        check_shape(self, policy)?;
        let evaluation = robust_evaluate_within(&self.robust, policy[0], tolerance)?;
        let objective = evaluation.objective();
        Ok(Evaluation {
            stages: vec![StageValues {
                v: evaluation.values.v,
                q: evaluation.values.q,
                occupancy: evaluation.occupancy,
                gradient_weight: 1.0,
            }],
            objective,
            gradient_divisor: 1.0 - self.robust.gamma(),
        })
    }

    /// J(π) on the nominal world.
    pub fn nominal_objective(&self, policy: ArrayView2<'_, f64>) -> Result<f64> {
        let nominal = self.robust.nominal();
        Ok(evaluate(nominal, policy)?.objective(nominal))
    }
}

impl World for RobustWorld {
    fn kind(&self) -> WorldKind {
        WorldKind::Robust
    }

    fn stages(&self) -> usize {
        1
    }

    fn n_states(&self) -> usize {
        self.robust.n_states()
    }

    fn n_actions(&self) -> usize {
        self.robust.n_actions()
    }

    fn allowed_mask(&self) -> &[bool] {
        self.robust.nominal().allowed_mask()
    }

    fn initial(&self) -> &Array1<f64> {
        self.robust.nominal().initial()
    }

    fn gamma(&self) -> f64 {
        self.robust.gamma()
    }

    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        self.evaluation(policy, None)
    }

    fn evaluate_within(
        &self,
        policy: &[ArrayView2<'_, f64>],
        tolerance: f64,
    ) -> Result<Evaluation> {
        self.evaluation(policy, Some(tolerance))
    }

    fn side_measurements(
        &self,
        policy: &[ArrayView2<'_, f64>],
    ) -> Result<Vec<(&'static str, f64)>> {
        Ok(vec![("nominal_J", self.nominal_objective(policy[0])?)])
    }

    fn soft_values(
        &self,
        policy: ArrayView2<'_, f64>,
        temperature: f64,
    ) -> Result<Option<SoftValues>> {
        robust_soft_evaluate(&self.robust, policy, temperature).map(Some)
    }

    fn soft_optimum(&self, temperature: f64) -> Result<Option<(Array2<f64>, f64)>> {
        let (v, q) = robust_soft_value_iteration(&self.robust, temperature, 1e-13, 10_000_000)?;
        Ok(Some((q, self.robust.nominal().initial().dot(&v))))
    }

    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn model(&self) -> Option<&TabularMdp> {
        None
    }

    fn robust_model(&self) -> Option<&RobustMdp> {
        Some(&self.robust)
    }
}
