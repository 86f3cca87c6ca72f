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
use super::game_measure::{kl_to, measure_joint, require_game};
use super::policy_extragradient::{payoff_scale, stage_games, value_update};
use crate::core::checks::{require, require_positive, require_temperature};
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::exact::game::qre::optimistic_update;
use crate::exact::game::{markov_qre, require_zero_sum};
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct OptimisticMwu {
    temperature: f64,
    step_size: f64,
    inner_steps: usize,
}

impl OptimisticMwu {
    /// OMWU with temperature τ > 0, step size η > 0 (or 0: automatic), and the value update
    /// every `inner_steps` ≥ 1 policy updates.
    pub fn new(temperature: f64, step_size: f64, inner_steps: usize) -> Result<Self> {
        require_temperature(temperature)?;
        if step_size != 0.0 {
            require_positive("step_size", step_size)?;
        }
        require(inner_steps >= 1, "inner_steps", inner_steps, "at least 1")?;
        Ok(OptimisticMwu {
            temperature,
            step_size,
            inner_steps,
        })
    }

    /// η: the given step, or min{1/(2L + 2τ), 1/(4L)} with L = max|Q|.
    fn step_for(&self, scale: f64) -> f64 {
        if self.step_size > 0.0 {
            self.step_size
        } else {
            let bound = 1.0 / (2.0 * scale + 2.0 * self.temperature);
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
        parameters: vec![
            parameter("temperature", 0.1, "entropy weight τ (> 0)"),
            parameter(
                "step_size",
                0.0,
                "η (0: min{1/(2 max|Q| + 2τ), 1/(4 max|Q|)}, the largest safe step)",
            ),
            parameter(
                "inner_steps",
                10.0,
                "policy updates per value update (Markov games)",
            ),
        ],
        run: |values, world, run| {
            let algorithm = OptimisticMwu::new(
                values.real("temperature"),
                values.real("step_size"),
                values.count("inner_steps")?,
            )?;
            run.go_together(&algorithm, world)
        },
    }
}

/// The iterate: both players' policies and predictions, the value estimate and the QRE to
/// measure against.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimisticState {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    pub x_bar: Array2<f64>,
    pub y_bar: Array2<f64>,
    pub v: Array1<f64>,
    pub updates: usize,
    pub qre: Vec<Array2<f64>>,
}

impl<W: World + ?Sized> Algorithm<W> for OptimisticMwu {
    type State = OptimisticState;

    fn name(&self) -> &'static str {
        "omwu"
    }

    fn initial_state(&self, world: &W) -> Result<OptimisticState> {
        let game = require_game(world, "omwu")?;
        require_zero_sum(game, "omwu")?;
        let qre = markov_qre(game, self.temperature, 1e-12, 1_000_000)?;
        let (s, a, b) = (game.n_states(), game.n_actions(0), game.n_actions(1));
        let x = Array2::from_elem((s, a), 1.0 / a as f64);
        let y = Array2::from_elem((s, b), 1.0 / b as f64);
        Ok(OptimisticState {
            x_bar: x.clone(),
            y_bar: y.clone(),
            x,
            y,
            v: Array1::zeros(s),
            updates: 0,
            qre: qre.policies,
        })
    }

    fn policy(&self, state: &OptimisticState) -> Option<Vec<Array2<f64>>> {
        Some(vec![state.x.clone(), state.y.clone()])
    }

    fn step(
        &self,
        world: &W,
        mut state: OptimisticState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(OptimisticState, Record)> {
        let game = require_game(world, "omwu")?;
        let joint = [state.x.clone(), state.y.clone()];
        let mut record = measure_joint(game, &joint, Some(self.temperature))?;
        record.set("kl_to_qre", kl_to(&state.qre, &joint));
        let stages = stage_games(game, &state.v);
        let eta = self.step_for(payoff_scale(&stages));
        record.set("step_size", eta);
        for (s, stage) in stages.iter().enumerate() {
            let row = |m: &Array2<f64>| m.row(s).to_vec();
            let [x, y, x_bar, y_bar] = optimistic_update(
                stage.view(),
                (&row(&state.x), &row(&state.y)),
                (&row(&state.x_bar), &row(&state.y_bar)),
                eta,
                self.temperature,
            );
            state.x.row_mut(s).assign(&Array1::from(x));
            state.y.row_mut(s).assign(&Array1::from(y));
            state.x_bar.row_mut(s).assign(&Array1::from(x_bar));
            state.y_bar.row_mut(s).assign(&Array1::from(y_bar));
        }
        state.updates += 1;
        if state.updates.is_multiple_of(self.inner_steps) {
            value_update(&stages, &state.x, &state.y, self.temperature, &mut state.v);
        }
        Ok((state, record))
    }
}
