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
//!
//! On a robust world Q_τ^{(t)} is the soft Q under nature's worst case for the regularized reward
//! and the reference is the robust soft optimum ([`crate::exact::robust::soft`]): policylab's
//! entropy-regularized form of robust policy mirror descent (Li, Lan & Zhao 2022 analyse the
//! unregularized one). Whether Cen et al.'s rate 1 − ητ carries over is what `tests/robust.rs`
//! measures.

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use super::catalogue::SOFT_WORLDS;
use super::soft_reference::{SoftReference, soft_values_on};
use crate::core::checks::require_temperature;
use crate::core::error::{Error, Result};
use crate::core::parameters::{derived_parameter, parameter};
use crate::core::record::Record;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct EntropyNpg {
    temperature: f64,
    /// `None`: (1−γ)/τ of the world it runs on (soft policy iteration).
    step_size: Option<f64>,
}

impl EntropyNpg {
    /// Entropy-regularized NPG with temperature τ > 0 and step size 0 < η ≤ (1−γ)/τ (checked
    /// against the world's γ when the run starts); `None` takes η = (1−γ)/τ.
    pub fn new(temperature: f64, step_size: Option<f64>) -> Result<Self> {
        require_temperature(temperature)?;
        if let Some(eta) = step_size
            && !(eta.is_finite() && eta > 0.0)
        {
            return Err(Error::invalid(
                "step_size",
                format!("found {eta}"),
                "expected 0 < eta <= (1 - gamma)/tau",
            ));
        }
        Ok(EntropyNpg {
            temperature,
            step_size,
        })
    }

    /// η on a world with discount γ.
    pub fn step_size_on(&self, gamma: f64) -> f64 {
        self.step_size.unwrap_or((1.0 - gamma) / self.temperature)
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "entropy-npg",
        summary: "entropy-regularized NPG on soft values (Cen et al. 2022)",
        worlds: SOFT_WORLDS,
        parameters: vec![
            parameter("temperature", 0.1, "entropy weight τ"),
            derived_parameter(
                "step_size",
                "step size η ≤ (1−γ)/τ (default (1−γ)/τ: soft policy iteration)",
            ),
        ],
        run: |values, world, run| {
            let algorithm = EntropyNpg::new(values.real("temperature"), values.get("step_size"))?;
            run.go(&algorithm, world)
        },
    }
}

/// The iterate: the policy and the soft optimum it is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyNpgState {
    pub policy: TabularSoftmax,
    pub reference: SoftReference,
}

impl<W: World + ?Sized> Algorithm<W> for EntropyNpg {
    type State = EntropyNpgState;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.probabilities()])
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.logits().clone()])
    }

    fn name(&self) -> &'static str {
        "entropy-npg"
    }

    fn initial_state(&self, world: &W) -> Result<EntropyNpgState> {
        world.require_kind("entropy-npg", SOFT_WORLDS)?;
        let gamma = world.gamma();
        let largest = (1.0 - gamma) / self.temperature;
        let step_size = self.step_size_on(gamma);
        if !(step_size > 0.0 && step_size <= largest * (1.0 + 1e-12)) {
            return Err(Error::invalid(
                "step_size",
                format!("found {step_size}"),
                format!("expected 0 < eta <= (1 - gamma)/tau = {largest}"),
            ));
        }
        let reference = SoftReference::for_world(world, self.temperature, "entropy-npg")?;
        Ok(EntropyNpgState {
            policy: TabularSoftmax::start_on(world),
            reference,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: EntropyNpgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(EntropyNpgState, Record)> {
        let gamma = world.gamma();
        let step_size = self.step_size_on(gamma);
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state.policy))?;
        let probabilities = snapshot.probabilities[0].view();
        let (soft, _) = soft_values_on(world, probabilities, self.temperature, "entropy-npg")?;
        state.reference.record_values(
            world.initial(),
            world.allowed_mask(),
            &soft.v,
            &soft.q,
            &mut record,
        );
        let keep = 1.0 - step_size * self.temperature / (1.0 - gamma);
        // θ_{t+1} = keep·θ_t + η·Q_τ/(1−γ), applied as the logit change θ_{t+1} − θ_t.
        let logits = state.policy.logits();
        let change = logits * (keep - 1.0) + &soft.q * (step_size / (1.0 - gamma));
        ascend_and_record(
            std::slice::from_mut(&mut state.policy),
            &snapshot,
            std::slice::from_ref(&change),
            1.0,
            &mut record,
        );
        Ok((state, record))
    }
}
