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
use super::problem::Problem;
use super::record::Record;
use crate::error::Result;
use crate::exact::uniform_policy;
use crate::metrics::PolicySnapshot;
use crate::policy::direct::{direct_gradient_from, project_to_simplex};
use crate::policy::weighted_entropy;

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedPg {
    /// Step size η; `None` takes Agarwal et al.'s (1−γ)³/(2γ|A|).
    pub step_size: Option<f64>,
}

impl ProjectedPg {
    /// The step size used on `problem`.
    pub fn step_size_on(&self, problem: &Problem) -> f64 {
        self.step_size.unwrap_or_else(|| {
            let gamma = problem.mdp.gamma();
            (1.0 - gamma).powi(3)
                / (2.0 * gamma.max(f64::MIN_POSITIVE) * problem.mdp.n_actions() as f64)
        })
    }
}

impl Algorithm for ProjectedPg {
    type State = Array2<f64>;

    fn name(&self) -> &'static str {
        "projected-pg"
    }

    fn initial_state(&self, problem: &Problem) -> Result<Array2<f64>> {
        super::require_positive("step_size", self.step_size_on(problem))?;
        Ok(uniform_policy(&problem.mdp))
    }

    fn step(
        &self,
        problem: &Problem,
        policy: Array2<f64>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Array2<f64>, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure(problem, policy)?;
        let gradient = direct_gradient_from(&problem.mdp, &snapshot.values.q, &snapshot.occupancy);
        let eta = self.step_size_on(problem);
        let n_actions = problem.mdp.n_actions();
        let allowed = problem.mdp.allowed_mask();
        let mut next = &snapshot.probabilities + &(gradient * eta);
        for (s, row) in next.rows_mut().into_iter().enumerate() {
            project_to_simplex(row, &allowed[s * n_actions..(s + 1) * n_actions]);
        }
        // No logits here, so no entropy-change prediction; and no KL, which is infinite as soon as
        // the projection zeroes an action the old policy played.
        let weights = snapshot.occupancy.view();
        record.set(
            "dH",
            weighted_entropy(next.view(), weights)
                - weighted_entropy(snapshot.probabilities.view(), weights),
        );
        Ok((next, record))
    }
}
