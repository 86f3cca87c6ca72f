//! Softmax policy gradient with exact gradients (Mei, Xiao, Szepesvári & Schuurmans 2020,
//! "On the global convergence rates of softmax policy gradient methods", Algorithm 1):
//!
//! θ_{t+1}(s, a) = θ_t(s, a) + η·∂J/∂θ(s, a) = θ_t(s, a) + η·d^{π_t}_ρ(s)·π_t(a|s)·A^{π_t}(s, a)/(1−γ).
//!
//! With η = (1−γ)³/8 the suboptimality is at most 16·S/(c²·(1−γ)⁶·t) (their Theorem 4), and Θ(1/t)
//! is tight (Theorem 10): on the 3-armed bandit r = (1, 0.9, 0.1) with η = 0.4 = 2/5, t·gap levels
//! off near 1.67.

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::problem::Problem;
use super::record::Record;
use crate::error::Result;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::{TabularSoftmax, softmax_gradient};

/// Exact softmax PG with a constant step size η.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxPg {
    /// Step size η (Mei et al.'s bandit experiment: 0.4).
    pub step_size: f64,
}

impl Algorithm for SoftmaxPg {
    type State = TabularSoftmax;

    fn name(&self) -> &'static str {
        "softmax-pg"
    }

    fn initial_state(&self, problem: &Problem) -> Result<TabularSoftmax> {
        super::require_positive("step_size", self.step_size)?;
        Ok(TabularSoftmax::uniform(&problem.mdp))
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: TabularSoftmax,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let (probabilities, log_probabilities) = state.probabilities_and_logs();
        let exact = softmax_gradient(&problem.mdp, probabilities.view())?;
        let snapshot = PolicySnapshot {
            probabilities,
            log_probabilities,
            values: exact.values,
            occupancy: exact.occupancy,
        };
        let mut record = Record::new();
        snapshot.record_into(problem, &mut record);
        ascend_and_record(
            &mut state,
            &snapshot,
            &exact.gradient,
            self.step_size,
            &mut record,
        );
        Ok((state, record))
    }
}
