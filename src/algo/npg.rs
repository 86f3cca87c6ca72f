//! Natural policy gradient for the tabular softmax policy, i.e. policy mirror descent with the KL
//! divergence (Kakade 2001; Agarwal, Kakade, Lee & Mahajan 2021, Lemma 5.1 and Eq. 16; Xiao 2022):
//!
//! θ_{t+1}(s, a) = θ_t(s, a) + η_t·A^{π_t}(s, a)/(1−γ), i.e. π_{t+1}(a|s) ∝ π_t(a|s)·exp(η_t·A^{π_t}(s, a)/(1−γ)).
//!
//! With a constant η from the uniform policy, V^{(T)}(ρ) ≥ V*(ρ) − log|A|/(ηT) − 1/((1−γ)²T)
//! (Agarwal et al. 2021, Theorem 5.3). With geometrically increasing steps, η_{t+1} = η_t/γ,
//! convergence becomes linear (Xiao 2022, "On the convergence rates of policy gradient methods",
//! §4); `step_growth` sets η_{t+1}/η_t.
//!
//! On any world of the interface the direction of stage h is c_h·A_h/D (the gradient with the
//! Fisher preconditioner of the d_h-weighted softmax removed): A/(1−γ) discounted, A on a bandit,
//! γ^h·A_h on a finite horizon.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{ANY_WORLD, AlgorithmEntry};
use crate::core::checks::require_positive;
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct NaturalPg {
    step_size: f64,
    step_growth: f64,
}

impl NaturalPg {
    /// NPG with initial step size η_0 > 0 and η_{t+1} = `step_growth`·η_t, `step_growth` ≥ 1
    /// (1: constant steps; Xiao 2022 uses 1/γ).
    pub fn new(step_size: f64, step_growth: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        require_step_growth(step_growth)?;
        Ok(NaturalPg {
            step_size,
            step_growth,
        })
    }
}

/// η_{t+1}/η_t must be a finite factor ≥ 1 (mirror-descent steps that never shrink).
pub(crate) fn require_step_growth(step_growth: f64) -> Result<()> {
    if step_growth.is_finite() && step_growth >= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "step_growth",
            format!("found {step_growth}"),
            "expected a growth factor >= 1",
        ))
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "npg",
        summary: "natural PG = policy mirror descent with KL (Agarwal et al. 2021; Xiao 2022)",
        worlds: ANY_WORLD,
        parameters: vec![
            parameter("step_size", 1.0, "initial step size η_0"),
            parameter(
                "step_growth",
                1.0,
                "η_{t+1}/η_t (1: constant; 1/γ: Xiao's linear rate)",
            ),
        ],
        run: |values, world, run| {
            let npg = NaturalPg::new(values.real("step_size"), values.real("step_growth"))?;
            run.go(&npg, world)
        },
    }
}

/// The iterate of NPG: the policy (one table per stage) and the step size of the next update.
#[derive(Debug, Clone, PartialEq)]
pub struct NpgState {
    pub policy: Vec<TabularSoftmax>,
    pub step_size: f64,
}

impl<W: World + ?Sized> Algorithm<W> for NaturalPg {
    type State = NpgState;

    fn policy(&self, state: &NpgState) -> Option<Vec<Array2<f64>>> {
        Some(TabularSoftmax::stage_probabilities(&state.policy))
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_logits(&state.policy))
    }

    fn name(&self) -> &'static str {
        "npg"
    }

    fn initial_state(&self, world: &W) -> Result<NpgState> {
        Ok(NpgState {
            policy: TabularSoftmax::start_stages(world),
            step_size: self.step_size,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: NpgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(NpgState, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(world, &state.policy)?;
        record.set("step_size", state.step_size);
        let divisor = snapshot.evaluation.gradient_divisor;
        let direction: Vec<Array2<f64>> = snapshot
            .evaluation
            .stages
            .iter()
            .map(|stage| {
                let advantage = stage.advantage();
                if stage.gradient_weight == 1.0 {
                    advantage / divisor
                } else {
                    advantage * stage.gradient_weight / divisor
                }
            })
            .collect();
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
