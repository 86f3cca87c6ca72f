//! Natural policy gradient for the tabular softmax policy, i.e. policy mirror descent with the KL
//! divergence (Kakade 2001; Agarwal, Kakade, Lee & Mahajan 2021, Lemma 5.1 and Eq. 16; Xiao 2022):
//!
//! θ_{t+1}(s, a) = θ_t(s, a) + η_t·A^{π_t}(s, a)/(1−γ), i.e. π_{t+1}(a|s) ∝ π_t(a|s)·exp(η_t·A^{π_t}(s, a)/(1−γ)).
//!
//! With a constant η from the uniform policy, V^{(T)}(ρ) ≥ V*(ρ) − log|A|/(ηT) − 1/((1−γ)²T)
//! (Agarwal et al. 2021, Theorem 5.3). With geometrically increasing steps, η_{t+1} = η_t/γ,
//! convergence becomes linear (Xiao 2022, "On the convergence rates of policy gradient methods",
//! §4); `step_growth` sets η_{t+1}/η_t.

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::problem::Problem;
use super::record::Record;
use crate::error::{Error, Result};
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;

#[derive(Debug, Clone, PartialEq)]
pub struct NaturalPg {
    /// Initial step size η_0 (1).
    pub step_size: f64,
    /// η_{t+1} = step_growth·η_t (1: constant steps; Xiao 2022 uses 1/γ).
    pub step_growth: f64,
}

impl Default for NaturalPg {
    fn default() -> Self {
        NaturalPg {
            step_size: 1.0,
            step_growth: 1.0,
        }
    }
}

/// The iterate of NPG: the policy and the step size of the next update.
#[derive(Debug, Clone, PartialEq)]
pub struct NpgState {
    pub policy: TabularSoftmax,
    pub step_size: f64,
}

impl Algorithm for NaturalPg {
    type State = NpgState;

    fn name(&self) -> &'static str {
        "npg"
    }

    fn initial_state(&self, problem: &Problem) -> Result<NpgState> {
        super::require_positive("step_size", self.step_size)?;
        if !(self.step_growth.is_finite() && self.step_growth >= 1.0) {
            return Err(Error::invalid(
                "step_growth",
                format!("found {}", self.step_growth),
                "expected a growth factor >= 1",
            ));
        }
        Ok(NpgState {
            policy: TabularSoftmax::uniform(&problem.mdp),
            step_size: self.step_size,
        })
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: NpgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(NpgState, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(problem, &state.policy)?;
        record.set("step_size", state.step_size);
        let direction = snapshot.values.advantage() / (1.0 - problem.mdp.gamma());
        ascend_and_record(
            &mut state.policy,
            &snapshot,
            &direction,
            state.step_size,
            &mut record,
        );
        state.step_size *= self.step_growth;
        Ok((state, record))
    }
}
