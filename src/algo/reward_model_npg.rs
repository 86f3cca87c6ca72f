//! The reward-model route to preference learning, exact on a preference game: fit a
//! Bradley–Terry reward to the whole preference matrix once (the population maximum-likelihood
//! scores θ, [`crate::exact::game::bradley_terry`]), then maximize it with softmax NPG,
//!
//!   π_{t+1}(a) ∝ π_t(a)·exp(η·θ_a),  π_0 uniform,
//!
//! which concentrates on argmax θ. On transitive (Bradley–Terry) preferences that option is the
//! Condorcet winner; on intransitive preferences no single reward explains P, and the policy the
//! reward model prefers can be beaten by another option more than half the time — the failure of
//! reward-model RLHF that self-play preference optimization avoids (Swamy et al. 2024, §1; compare
//! [`super::self_play_preference`]). A step records what that file records for the current policy
//! (its exploitability max_a P(a ≻ π_t) − ½, also as `last_exploitability`).

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::require_game;
use super::self_play_preference::{
    measure_symmetric, preference_exploitability, preference_matrix,
};
use crate::core::checks::require_positive;
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::exact::game::bradley_terry::fit_bradley_terry;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct RewardModelNpg {
    step_size: f64,
}

impl RewardModelNpg {
    /// Softmax NPG on the fitted reward with step η > 0.
    pub fn new(step_size: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(RewardModelNpg { step_size })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "reward-model-npg",
        summary: "Bradley-Terry reward model fitted to the preferences, then softmax NPG on it (the RLHF baseline of Swamy et al. 2024)",
        worlds: GAME_WORLDS,
        parameters: vec![parameter("step_size", 1.0, "NPG step η (> 0)")],
        run: |values, world, run| {
            run.go_together(&RewardModelNpg::new(values.real("step_size"))?, world)
        },
    }
}

/// The iterate: the policy, the preference matrix and the fitted scores.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardModelState {
    pub policy: Array1<f64>,
    pub preference: Array2<f64>,
    pub scores: Array1<f64>,
}

impl<W: World + ?Sized> Algorithm<W> for RewardModelNpg {
    type State = RewardModelState;

    fn name(&self) -> &'static str {
        "reward-model-npg"
    }

    fn initial_state(&self, world: &W) -> Result<RewardModelState> {
        let game = require_game(world, "reward-model-npg")?;
        let preference = preference_matrix(game, "reward-model-npg")?;
        let fit = fit_bradley_terry(preference.view(), 1e-12)?;
        let k = preference.nrows();
        Ok(RewardModelState {
            policy: Array1::from_elem(k, 1.0 / k as f64),
            preference,
            scores: fit.scores,
        })
    }

    fn policy(&self, state: &RewardModelState) -> Option<Vec<Array2<f64>>> {
        let table = state.policy.clone().insert_axis(ndarray::Axis(0));
        Some(vec![table.clone(), table])
    }

    fn step(
        &self,
        world: &W,
        mut state: RewardModelState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(RewardModelState, Record)> {
        let game = require_game(world, "reward-model-npg")?;
        let mut record = measure_symmetric(game, &state.policy)?;
        record.set(
            "last_exploitability",
            preference_exploitability(&state.preference, &state.policy),
        );
        let logits = state.policy.mapv(f64::ln) + &(&state.scores * self.step_size);
        let max = logits.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
        let weights = logits.mapv(|l| (l - max).exp());
        state.policy = &weights / weights.sum();
        Ok((state, record))
    }
}
