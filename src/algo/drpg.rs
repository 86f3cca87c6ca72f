//! Double-loop robust policy gradient, DRPG (Wang, Ho & Petrik 2023, "Policy gradient in robust
//! MDPs with global convergence guarantee", ICML, Algorithm 1): the outer loop takes a projected
//! gradient step on the direct parameterization against the kernel the inner loop found,
//!
//! π_{t+1}(·|s) = Proj_Δ(π_t(·|s) + α·d^{π_t}_{P_t}(s)·Q^{π_t}_{P_t}(s, ·)/(1−γ)),
//!
//! and the inner loop finds a worst-case kernel P_t only to a tolerance ε_t, non-increasing in t
//! (the paper's condition for global convergence at rate O(ε⁻⁴) outer steps). Here the inner loop
//! is nature's policy iteration stopped once ‖T^{π_t}_𝒫 V − V‖∞ ≤ ε_t
//! ([`World::evaluate_within`]), with ε_t = ε_0·c^t (`inner_tolerance`, `inner_decay`; the
//! authors' experiments stop their inner projected-gradient loop at a value change of 1e-3 — the
//! default ε_0 — and the paper's theorem takes α = 1/ℓ with ℓ = 2γ|A|/(1−γ)³ the smoothness of J
//! in the direct parameters, Agarwal et al.'s constant, which is the default step). Each step
//! records the exact robust return (`J`, `gap` against robust policy iteration) and how much the
//! inner loop over-estimated it, `inner_error` = J(π_t, P_t) − J_𝒫(π_t) ∈ [0, ε_t/(1−γ)].
//!
//! On a world without an inner problem the step is projected PG ([`super::projected_pg`]).

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use super::projected_pg::ProjectedPg;
use crate::core::checks::{require_fraction, require_positive};
use crate::core::error::Result;
use crate::core::parameters::{derived_parameter, parameter};
use crate::core::record::Record;
use crate::metrics::PolicySnapshot;
use crate::policy::direct::{direct_gradient_from, project_to_simplex, start_table};
use crate::world::{World, WorldKind};

/// The worlds DRPG is for.
const ROBUST_WORLDS: &[WorldKind] = &[WorldKind::Robust];

#[derive(Debug, Clone, PartialEq)]
pub struct Drpg {
    outer: ProjectedPg,
    inner_tolerance: f64,
    inner_decay: f64,
}

impl Drpg {
    /// DRPG with outer step α (`None`: (1−γ)³/(2γ|A|)), inner tolerance ε_0 > 0 and decay
    /// c ∈ (0, 1] (ε_t = ε_0·c^t).
    pub fn new(step_size: Option<f64>, inner_tolerance: f64, inner_decay: f64) -> Result<Self> {
        require_positive("inner_tolerance", inner_tolerance)?;
        require_fraction("inner_decay", inner_decay)?;
        Ok(Drpg {
            outer: ProjectedPg::new(step_size)?,
            inner_tolerance,
            inner_decay,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "drpg",
        summary: "double-loop robust PG: projected PG against an inexact worst case (Wang, Ho & \
                  Petrik 2023)",
        worlds: ROBUST_WORLDS,
        parameters: vec![
            derived_parameter(
                "step_size",
                "outer step α (default (1−γ)³/(2γ|A|) = 1/ℓ, the smoothness of J in π)",
            ),
            parameter(
                "inner_tolerance",
                1e-3,
                "ε_0: the inner loop stops once ‖T^π V − V‖∞ ≤ ε_t",
            ),
            parameter(
                "inner_decay",
                1.0,
                "c in ε_t = ε_0·c^t (1: constant tolerance)",
            ),
        ],
        run: |values, world, run| {
            run.go(
                &Drpg::new(
                    values.get("step_size"),
                    values.real("inner_tolerance"),
                    values.real("inner_decay"),
                )?,
                world,
            )
        },
    }
}

impl<W: World + ?Sized> Algorithm<W> for Drpg {
    /// The policy and the outer step count t.
    type State = (Array2<f64>, usize);

    fn policy(&self, state: &Self::State) -> Option<Vec<Array2<f64>>> {
        Some(vec![state.0.clone()])
    }

    fn name(&self) -> &'static str {
        "drpg"
    }

    fn initial_state(&self, world: &W) -> Result<(Array2<f64>, usize)> {
        world.require_kind("drpg", ROBUST_WORLDS)?;
        require_positive("step_size", self.outer.step_size_on(world))?;
        Ok((start_table(world), 0))
    }

    fn step(
        &self,
        world: &W,
        (policy, t): (Array2<f64>, usize),
        _rng: &mut ChaCha8Rng,
    ) -> Result<((Array2<f64>, usize), Record)> {
        let tolerance =
            self.inner_tolerance * self.inner_decay.powi(t.min(i32::MAX as usize) as i32);
        let inner = world.evaluate_within(&[policy.view()], tolerance)?;
        let (snapshot, mut record) = PolicySnapshot::measure(world, vec![policy])?;
        record.set("inner_error", inner.objective - snapshot.objective());
        record.set("inner_tolerance", tolerance);
        let stage = &inner.stages[0];
        let n_actions = world.n_actions();
        let allowed = world.allowed_mask();
        let gradient =
            direct_gradient_from(allowed, &stage.q, &stage.occupancy, inner.gradient_divisor);
        let mut next = &snapshot.probabilities[0] + &(gradient * self.outer.step_size_on(world));
        for (s, row) in next.rows_mut().into_iter().enumerate() {
            project_to_simplex(row, &allowed[s * n_actions..(s + 1) * n_actions]);
        }
        Ok(((next, t + 1), record))
    }
}
