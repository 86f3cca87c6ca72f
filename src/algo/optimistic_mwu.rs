//! Entropy-regularized optimistic multiplicative weights (OMWU) for two-player zero-sum games:
//! the second method of Cen, Wei & Chi (2021, "Fast policy extragradient methods for competitive
//! games with entropy regularization", NeurIPS; Algorithm 2 for matrix games, §4 for Markov
//! games with the same outer value update as [`super::policy_extragradient`]).
//!
//! In each state s with stage payoff Q(s), the prediction plays against the opponent's previous
//! prediction rather than its current iterate (∝: normalized per state):
//!
//!   x̄_{t+1} ∝ x_t^{1−ητ} exp(η Q ȳ_t),        ȳ_{t+1} ∝ y_t^{1−ητ} exp(−η Qᵀx̄_t),
//!   x_{t+1} ∝ x_t^{1−ητ} exp(η Q ȳ_{t+1}),    y_{t+1} ∝ y_t^{1−ητ} exp(−η Qᵀx̄_{t+1}),
//!
//! from x̄_0 = x_0, ȳ_0 = y_0 uniform. Each update needs one new payoff vector per player (PU
//! needs two). The step-size condition as we read the paper, η ≤ min{1/(2‖Q‖∞ + 2τ),
//! 1/(4‖Q‖∞)} with ‖Q‖∞ the largest absolute entry, gives the same linear rate
//! KL(ζ*_τ ‖ ζ_t) ≤ (1 − ητ)^t·KL(ζ*_τ ‖ ζ_0) as PU (we could not read the theorem's text; the
//! bound is checked on every iterate in `tests/game_algorithms.rs`).
//!
//! `step_size = 0` takes that largest step, recomputed each step from the current stage games.
//! A step records what [`super::policy_extragradient`] records.

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::require_game;
use super::policy_extragradient::{
    ExtragradientState, RegularizedSteps, payoff_scale, stage_games, value_update,
};
use crate::core::error::Result;
use crate::core::record::Record;
use crate::exact::game::qre::optimistic_update;
use crate::world::World;

/// OMWU with its [`RegularizedSteps`].
#[derive(Debug, Clone, PartialEq)]
pub struct OptimisticMwu(pub RegularizedSteps);

impl OptimisticMwu {
    /// η: the given step, or min{1/(2L + 2τ), 1/(4L)} with L = max|Q|.
    fn step_for(&self, scale: f64) -> f64 {
        let steps = self.0;
        if steps.step_size > 0.0 {
            steps.step_size
        } else {
            let bound = 1.0 / (2.0 * scale + 2.0 * steps.temperature);
            if scale > 0.0 {
                bound.min(1.0 / (4.0 * scale))
            } else {
                bound
            }
        }
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "omwu",
        summary: "entropy-regularized optimistic MWU to the QRE, linear rate (Cen, Wei & Chi 2021, Alg. 2)",
        worlds: GAME_WORLDS,
        parameters: RegularizedSteps::parameters(
            "η (0: min{1/(2 max|Q| + 2τ), 1/(4 max|Q|)}, the largest safe step)",
        ),
        run: |values, world, run| {
            run.go_together(
                &OptimisticMwu(RegularizedSteps::from_values(values)?),
                world,
            )
        },
    }
}

/// The iterate: PU's (both players' policies, the value estimate, the QRE) and both players'
/// predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimisticState {
    pub core: ExtragradientState,
    pub x_bar: Array2<f64>,
    pub y_bar: Array2<f64>,
}

impl<W: World + ?Sized> Algorithm<W> for OptimisticMwu {
    type State = OptimisticState;

    fn name(&self) -> &'static str {
        "omwu"
    }

    fn initial_state(&self, world: &W) -> Result<OptimisticState> {
        let core = self.0.start(world, "omwu")?;
        Ok(OptimisticState {
            x_bar: core.x.clone(),
            y_bar: core.y.clone(),
            core,
        })
    }

    fn policy(&self, state: &OptimisticState) -> Option<Vec<Array2<f64>>> {
        Some(state.core.joint())
    }

    fn step(
        &self,
        world: &W,
        mut state: OptimisticState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(OptimisticState, Record)> {
        let game = require_game(world, "omwu")?;
        let steps = self.0;
        let mut record = steps.measure(game, &state.core)?;
        let stages = stage_games(game, &state.core.v);
        let eta = self.step_for(payoff_scale(&stages));
        record.set("step_size", eta);
        let core = &mut state.core;
        for (s, stage) in stages.iter().enumerate() {
            let row = |m: &Array2<f64>| m.row(s).to_vec();
            let [x, y, x_bar, y_bar] = optimistic_update(
                stage.view(),
                (&row(&core.x), &row(&core.y)),
                (&row(&state.x_bar), &row(&state.y_bar)),
                eta,
                steps.temperature,
            );
            core.x.row_mut(s).assign(&Array1::from(x));
            core.y.row_mut(s).assign(&Array1::from(y));
            state.x_bar.row_mut(s).assign(&Array1::from(x_bar));
            state.y_bar.row_mut(s).assign(&Array1::from(y_bar));
        }
        core.updates += 1;
        if core.updates.is_multiple_of(steps.inner_steps) {
            value_update(&stages, &core.x, &core.y, steps.temperature, &mut core.v);
        }
        Ok((state, record))
    }
}
