//! Entropy-regularized softmax policy gradient (Mei, Xiao, Szepesvári & Schuurmans 2020, §4):
//! gradient ascent on the soft objective Ṽ^{π_θ}(ρ) = E[Σ_t γ^t (r_t − τ·log π_θ(a_t|s_t))],
//!
//! ∂Ṽ/∂θ(s, a) = d^{π}_ρ(s)·π(a|s)·Ã(s, a)/(1−γ),  Ã(s, a) = Q̃(s, a) − τ·log π(a|s) − Ṽ(s)
//!
//! (their Lemma 10). It converges linearly to the soft-optimal policy π*_τ (Theorem 6); on a
//! bandit π*_τ = softmax(r/τ).
//!
//! On a robust world the objective is the worst case over the set for the regularized reward,
//! min_P Ṽ^{π_θ, P}(ρ); where nature's minimizer P* is unique its gradient is the one above with
//! Q̃, Ṽ and d taken under P* (Danskin's theorem, as for robust softmax PG: Wang & Zou 2022;
//! Kumar et al. 2023), which the world's soft values provide ([`World::soft_values`]).

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, SOFT_WORLDS};
use super::soft_reference::{SoftReference, soft_values_on};
use crate::core::checks::{require_positive, require_temperature};
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct EntropyPg {
    temperature: f64,
    step_size: f64,
}

impl EntropyPg {
    /// Entropy-regularized PG with temperature τ > 0 and step size η > 0.
    pub fn new(temperature: f64, step_size: f64) -> Result<Self> {
        require_temperature(temperature)?;
        require_positive("step_size", step_size)?;
        Ok(EntropyPg {
            temperature,
            step_size,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "entropy-pg",
        summary: "entropy-regularized softmax PG (Mei et al. 2020, §5)",
        worlds: SOFT_WORLDS,
        parameters: vec![
            parameter("temperature", 0.1, "entropy weight τ"),
            parameter("step_size", 0.1, "step size η"),
        ],
        run: |values, world, run| {
            let algorithm = EntropyPg::new(values.real("temperature"), values.real("step_size"))?;
            run.go(&algorithm, world)
        },
    }
}

/// The iterate and the soft optimum it is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyPgState {
    pub policy: TabularSoftmax,
    pub reference: SoftReference,
}

impl<W: World + ?Sized> Algorithm<W> for EntropyPg {
    type State = EntropyPgState;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.probabilities()])
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.logits().clone()])
    }

    fn name(&self) -> &'static str {
        "entropy-pg"
    }

    fn initial_state(&self, world: &W) -> Result<EntropyPgState> {
        world.require_kind("entropy-pg", SOFT_WORLDS)?;
        Ok(EntropyPgState {
            policy: TabularSoftmax::start_on(world),
            reference: SoftReference::for_world(world, self.temperature, "entropy-pg")?,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: EntropyPgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(EntropyPgState, Record)> {
        // On a model the snapshot's occupancy serves the gradient as well as the record (computed
        // once); a robust world gives its own, under nature's worst case for the soft reward.
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state.policy))?;
        let probabilities = &snapshot.probabilities[0];
        let (soft, robust_occupancy) =
            soft_values_on(world, probabilities.view(), self.temperature, "entropy-pg")?;
        let log_probabilities = &snapshot.log_probabilities[0];
        let d = robust_occupancy
            .as_ref()
            .unwrap_or(&snapshot.stationary().occupancy);
        let divisor = snapshot.evaluation.gradient_divisor;
        let mut gradient = ndarray::Array2::zeros(probabilities.dim());
        for ((s, a), g) in gradient.indexed_iter_mut() {
            let p = probabilities[[s, a]];
            if p > 0.0 {
                let soft_advantage =
                    soft.q[[s, a]] - self.temperature * log_probabilities[[s, a]] - soft.v[s];
                *g = d[s] * p * soft_advantage / divisor;
            }
        }
        match world.model() {
            Some(mdp) => state.reference.record_into(mdp, &soft, &mut record),
            None => state.reference.record_values(
                world.initial(),
                world.allowed_mask(),
                &soft.v,
                &soft.q,
                &mut record,
            ),
        }
        ascend_and_record(
            std::slice::from_mut(&mut state.policy),
            &snapshot,
            std::slice::from_ref(&gradient),
            self.step_size,
            &mut record,
        );
        Ok((state, record))
    }
}
