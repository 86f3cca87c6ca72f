//! Entropy-regularized softmax policy gradient (Mei, Xiao, Szepesvári & Schuurmans 2020, §4):
//! gradient ascent on the soft objective Ṽ^{π_θ}(ρ) = E[Σ_t γ^t (r_t − τ·log π_θ(a_t|s_t))],
//!
//! ∂Ṽ/∂θ(s, a) = d^{π}_ρ(s)·π(a|s)·Ã(s, a)/(1−γ),  Ã(s, a) = Q̃(s, a) − τ·log π(a|s) − Ṽ(s)
//!
//! (their Lemma 10). It converges linearly to the soft-optimal policy π*_τ (Theorem 6); on a
//! bandit π*_τ = softmax(r/τ).

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::problem::Problem;
use super::record::Record;
use super::soft_reference::SoftReference;
use crate::error::Result;
use crate::exact::soft_evaluate;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;

#[derive(Debug, Clone, PartialEq)]
pub struct EntropyPg {
    /// Temperature τ > 0.
    pub temperature: f64,
    /// Step size η.
    pub step_size: f64,
}

/// The iterate and the soft optimum it is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyPgState {
    pub policy: TabularSoftmax,
    pub reference: SoftReference,
}

impl Algorithm for EntropyPg {
    type State = EntropyPgState;

    fn name(&self) -> &'static str {
        "entropy-pg"
    }

    fn initial_state(&self, problem: &Problem) -> Result<EntropyPgState> {
        super::require_positive("step_size", self.step_size)?;
        Ok(EntropyPgState {
            policy: TabularSoftmax::uniform(&problem.mdp),
            reference: SoftReference::new(problem, self.temperature)?,
        })
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: EntropyPgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(EntropyPgState, Record)> {
        let gamma = problem.mdp.gamma();
        // The snapshot's occupancy serves the gradient as well as the record (computed once).
        let snapshot = PolicySnapshot::of_softmax(problem, &state.policy)?;
        let soft = soft_evaluate(
            &problem.mdp,
            snapshot.probabilities.view(),
            self.temperature,
        )?;
        let (probabilities, log_probabilities, d) = (
            &snapshot.probabilities,
            &snapshot.log_probabilities,
            &snapshot.occupancy,
        );
        let mut gradient = ndarray::Array2::zeros(probabilities.dim());
        for ((s, a), g) in gradient.indexed_iter_mut() {
            let p = probabilities[[s, a]];
            if p > 0.0 {
                let soft_advantage =
                    soft.q[[s, a]] - self.temperature * log_probabilities[[s, a]] - soft.v[s];
                *g = d[s] * p * soft_advantage / (1.0 - gamma);
            }
        }
        let mut record = Record::new();
        snapshot.record_into(problem, &mut record);
        state.reference.record_into(problem, &soft, &mut record);
        ascend_and_record(
            &mut state.policy,
            &snapshot,
            &gradient,
            self.step_size,
            &mut record,
        );
        Ok((state, record))
    }
}
