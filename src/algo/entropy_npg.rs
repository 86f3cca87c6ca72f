//! Entropy-regularized natural policy gradient (Cen, Cheng, Chen, Wei & Chi 2022, "Fast global
//! convergence of natural policy gradient methods with entropy regularization", Eq. 16):
//!
//! π_{t+1}(a|s) ∝ π_t(a|s)^{1 − ητ/(1−γ)} · exp(η·Q_τ^{(t)}(s, a)/(1−γ)),
//!
//! for 0 < η ≤ (1−γ)/τ, with Q_τ^{(t)} the soft Q-function of π_t ([`crate::exact::soft`]).
//! Their Theorem 1: ‖Q*_τ − Q_τ^{(t+1)}‖∞ ≤ C₁·γ·(1 − ητ)^t with
//! C₁ = ‖Q*_τ − Q_τ^{(0)}‖∞ + 2τ·(1 − ητ/(1−γ))·‖log π*_τ − log π^{(0)}‖∞. At η = (1−γ)/τ the
//! update is soft policy iteration, π_{t+1} ∝ exp(Q_τ^{(t)}/τ), with rate γ.
//!
//! In logits (θ = log π up to a per-state constant): θ_{t+1} = (1 − ητ/(1−γ))·θ_t + η·Q_τ^{(t)}/(1−γ).

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::problem::Problem;
use super::record::Record;
use super::soft_reference::SoftReference;
use crate::error::{Error, Result};
use crate::exact::soft_evaluate;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;

#[derive(Debug, Clone, PartialEq)]
pub struct EntropyNpg {
    /// Temperature τ > 0 of the entropy regularizer.
    pub temperature: f64,
    /// Step size η, 0 < η ≤ (1−γ)/τ; η = (1−γ)/τ is soft policy iteration.
    pub step_size: f64,
}

/// The iterate: the policy and the soft optimum it is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyNpgState {
    pub policy: TabularSoftmax,
    pub reference: SoftReference,
}

impl Algorithm for EntropyNpg {
    type State = EntropyNpgState;

    fn name(&self) -> &'static str {
        "entropy-npg"
    }

    fn initial_state(&self, problem: &Problem) -> Result<EntropyNpgState> {
        let gamma = problem.mdp.gamma();
        let largest = (1.0 - gamma) / self.temperature;
        if !(self.step_size > 0.0 && self.step_size <= largest * (1.0 + 1e-12)) {
            return Err(Error::invalid(
                "step_size",
                format!("found {}", self.step_size),
                format!("expected 0 < eta <= (1 - gamma)/tau = {largest}"),
            ));
        }
        Ok(EntropyNpgState {
            policy: TabularSoftmax::uniform(&problem.mdp),
            reference: SoftReference::new(problem, self.temperature)?,
        })
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: EntropyNpgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(EntropyNpgState, Record)> {
        let gamma = problem.mdp.gamma();
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(problem, &state.policy)?;
        let soft = soft_evaluate(
            &problem.mdp,
            snapshot.probabilities.view(),
            self.temperature,
        )?;
        state.reference.record_into(problem, &soft, &mut record);
        let keep = 1.0 - self.step_size * self.temperature / (1.0 - gamma);
        // θ_{t+1} = keep·θ_t + η·Q_τ/(1−γ), applied as the logit change θ_{t+1} − θ_t.
        let logits = state.policy.logits();
        let change = logits * (keep - 1.0) + &soft.q * (self.step_size / (1.0 - gamma));
        ascend_and_record(&mut state.policy, &snapshot, &change, 1.0, &mut record);
        Ok((state, record))
    }
}
