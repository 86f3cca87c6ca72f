//! Projected policy gradient with the direct parameterization (Agarwal, Kakade, Lee & Mahajan
//! 2021, "On the theory of policy gradient methods", §4.1, Eq. 4.2):
//!
//! π_{t+1}(·|s) = Proj_Δ(π_t(·|s) + η·d^{π_t}_ρ(s)·Q^{π_t}(s, ·)/(1−γ)).
//!
//! Their Theorem 4.2 takes η = (1−γ)³/(2γ|A|) and bounds the iterations to an ε-optimal policy by
//! 64γ|S||A|/((1−γ)⁶ε²)·‖d^{π*}_ρ/μ‖²_∞ (with a start distribution μ of full support); the default
//! step here is that η.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, STATIONARY_WORLDS};
use crate::core::checks::require_positive;
use crate::core::entropy::weighted_entropy;
use crate::core::error::{Error, Result};
use crate::core::parameters::derived_parameter;
use crate::core::record::Record;
use crate::metrics::PolicySnapshot;
use crate::policy::direct::{direct_gradient_from, project_to_simplex, start_table};
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedPg {
    step_size: Option<f64>,
}

impl ProjectedPg {
    /// Projected PG with step size η > 0, or `None` for Agarwal et al.'s (1−γ)³/(2γ|A|).
    pub fn new(step_size: Option<f64>) -> Result<Self> {
        if let Some(eta) = step_size {
            require_positive("step_size", eta)?;
        }
        Ok(ProjectedPg { step_size })
    }

    /// The step size used on `world`.
    pub fn step_size_on<W: World + ?Sized>(&self, world: &W) -> f64 {
        self.step_size.unwrap_or_else(|| {
            let gamma = world.gamma();
            (1.0 - gamma).powi(3) / (2.0 * gamma.max(f64::MIN_POSITIVE) * world.n_actions() as f64)
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "projected-pg",
        summary: "projected PG, direct parameterization (Agarwal et al. 2021, §4.1)",
        worlds: STATIONARY_WORLDS,
        parameters: vec![derived_parameter(
            "step_size",
            "step size η (default (1−γ)³/(2γ|A|), Agarwal et al. Theorem 4.2)",
        )],
        run: |values, world, run| run.go(&ProjectedPg::new(values.get("step_size"))?, world),
    }
}

impl<W: World + ?Sized> Algorithm<W> for ProjectedPg {
    type State = Array2<f64>;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.clone()])
    }

    fn name(&self) -> &'static str {
        "projected-pg"
    }

    fn initial_state(&self, world: &W) -> Result<Array2<f64>> {
        world.require_kind("projected-pg", STATIONARY_WORLDS)?;
        if self.step_size.is_none() && world.gamma() == 0.0 {
            return Err(Error::invalid(
                "step_size",
                "no default on a world with γ = 0 (Agarwal et al.'s (1−γ)³/(2γ|A|) needs γ > 0)",
                "give step_size (a γ = 0 objective is linear in π: any η > 0 is stable)",
            ));
        }
        require_positive("step_size", self.step_size_on(world))?;
        Ok(start_table(world))
    }

    fn step(
        &self,
        world: &W,
        policy: Array2<f64>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Array2<f64>, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure(world, vec![policy])?;
        let stage = snapshot.stationary();
        let n_actions = world.n_actions();
        let allowed = world.allowed_mask();
        let gradient = direct_gradient_from(
            allowed,
            &stage.q,
            &stage.occupancy,
            snapshot.evaluation.gradient_divisor,
        );
        let eta = self.step_size_on(world);
        let before = &snapshot.probabilities[0];
        let mut next = before + &(gradient * eta);
        for (s, row) in next.rows_mut().into_iter().enumerate() {
            project_to_simplex(row, &allowed[s * n_actions..(s + 1) * n_actions]);
        }
        // No logits here, so no entropy-change prediction; and no KL, which is infinite as soon as
        // the projection zeroes an action the old policy played.
        let weights = stage.occupancy.view();
        record.set(
            "dH",
            weighted_entropy(next.view(), weights) - weighted_entropy(before.view(), weights),
        );
        Ok((next, record))
    }
}
