//! Policy extragradient for entropy-regularized two-player zero-sum games: the predictive update
//! (PU) of Cen, Wei & Chi (2021, "Fast policy extragradient methods for competitive games with
//! entropy regularization", NeurIPS; Algorithm 1 for matrix games, §4 for Markov games).
//!
//! In each state s with stage payoff Q(s) (the matrix game itself; in a Markov game
//! Q_k(s) = r(s) + γ·P(s)V_k), both players first predict and then update from the same point
//! (∝: normalized per state):
//!
//!   x̄ ∝ x^{1−ητ} exp(η Q y),      ȳ ∝ y^{1−ητ} exp(−η Qᵀx),
//!   x⁺ ∝ x^{1−ητ} exp(η Q ȳ),     y⁺ ∝ y^{1−ητ} exp(−η Qᵀx̄).
//!
//! On a matrix game the iterates converge linearly to the QRE, KL(ζ*_τ ‖ ζ_t) ≤ (1 − ητ)^t·KL(ζ*_τ ‖ ζ_0)
//! for η ≤ 1/(τ + max|Q|) (the step-size condition as we read the paper's Theorem 1; checked
//! numerically in `tests/game_algorithms.rs`). On a Markov game the values follow
//! V_{k+1}(s) = f_τ(Q_k(s); x(s), y(s)) = x(s)ᵀQ_k(s)y(s) + τH(x(s)) − τH(y(s)) every
//! `inner_steps` updates (the outer value iteration of §4).
//!
//! `step_size = 0` takes η = 1/(τ + max_s max|Q_k(s)|), recomputed each step. A step records
//! NashConv, exploitability and the QRE gap of the joint policy it starts from, `kl_to_qre`
//! (against the QRE computed exactly once), and each player's value and entropy.

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::{kl_to, measure_joint, require_game};
use crate::core::checks::{require, require_positive, require_temperature};
use crate::core::error::Result;
use crate::core::parameters::{Parameter, Values, parameter};
use crate::core::record::Record;
use crate::exact::game::qre::{predictive_update_with, regularized_payoff};
use crate::exact::game::{markov_qre, require_zero_sum};
use crate::world::{MarkovGame, World};

/// The settings PU and OMWU share: temperature τ > 0, step size η > 0 (or 0: the method's
/// largest safe step), and the value update every `inner_steps` ≥ 1 policy updates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegularizedSteps {
    pub temperature: f64,
    pub step_size: f64,
    pub inner_steps: usize,
}

impl RegularizedSteps {
    pub fn new(temperature: f64, step_size: f64, inner_steps: usize) -> Result<Self> {
        require_temperature(temperature)?;
        if step_size != 0.0 {
            require_positive("step_size", step_size)?;
        }
        require(inner_steps >= 1, "inner_steps", inner_steps, "at least 1")?;
        Ok(RegularizedSteps {
            temperature,
            step_size,
            inner_steps,
        })
    }

    /// The catalogue parameters; `automatic` documents what `step_size = 0` means.
    pub(crate) fn parameters(automatic: &'static str) -> Vec<Parameter> {
        vec![
            parameter("temperature", 0.1, "entropy weight τ (> 0)"),
            parameter("step_size", 0.0, automatic),
            parameter(
                "inner_steps",
                10.0,
                "policy updates per value update (Markov games)",
            ),
        ]
    }

    pub(crate) fn from_values(values: &Values<'_>) -> Result<Self> {
        RegularizedSteps::new(
            values.real("temperature"),
            values.real("step_size"),
            values.count("inner_steps")?,
        )
    }

    /// Both players uniform, V = 0, and the exact QRE at τ of the zero-sum game `world` holds
    /// (`what` names the algorithm in errors).
    pub(crate) fn start<W: World + ?Sized>(
        &self,
        world: &W,
        what: &str,
    ) -> Result<ExtragradientState> {
        let game = require_game(world, what)?;
        require_zero_sum(game, what)?;
        let qre = markov_qre(game, self.temperature, 1e-12, 1_000_000)?;
        let (s, a, b) = (game.n_states(), game.n_actions(0), game.n_actions(1));
        Ok(ExtragradientState {
            x: Array2::from_elem((s, a), 1.0 / a as f64),
            y: Array2::from_elem((s, b), 1.0 / b as f64),
            v: Array1::zeros(s),
            updates: 0,
            qre: qre.policies,
        })
    }

    /// What a step records about the joint policy (x, y) it starts from: [`measure_joint`] with
    /// the QRE gap at τ, and the KL to the exact QRE.
    pub(crate) fn measure(&self, game: &MarkovGame, state: &ExtragradientState) -> Result<Record> {
        let joint = state.joint();
        let mut record = measure_joint(game, &joint, Some(self.temperature))?;
        record.set("kl_to_qre", kl_to(&state.qre, &joint));
        Ok(record)
    }
}

/// Policy extragradient (PU) with its [`RegularizedSteps`].
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyExtragradient(pub RegularizedSteps);

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "policy-extragradient",
        summary: "entropy-regularized PU extragradient to the QRE, linear rate (Cen, Wei & Chi 2021)",
        worlds: GAME_WORLDS,
        parameters: RegularizedSteps::parameters("η (0: 1/(τ + max|Q|), the largest safe step)"),
        run: |values, world, run| {
            let algorithm = PolicyExtragradient(RegularizedSteps::from_values(values)?);
            run.go_together(&algorithm, world)
        },
    }
}

/// The iterate: both players' policies, the value estimate and the QRE to measure against.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtragradientState {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    pub v: Array1<f64>,
    pub updates: usize,
    pub qre: Vec<Array2<f64>>,
}

impl ExtragradientState {
    /// Both players' policies, (x, y).
    pub fn joint(&self) -> Vec<Array2<f64>> {
        vec![self.x.clone(), self.y.clone()]
    }

    /// One predictive update in every state's stage game, with a temperature per player
    /// ([`predictive_update_with`]).
    pub(crate) fn predictive_step(
        &mut self,
        stages: &[Array2<f64>],
        eta: f64,
        temperatures: (f64, f64),
    ) {
        for (s, stage) in stages.iter().enumerate() {
            let x = self.x.row(s).to_vec();
            let y = self.y.row(s).to_vec();
            let (nx, ny) = predictive_update_with(stage.view(), &x, &y, eta, temperatures);
            self.x.row_mut(s).assign(&Array1::from(nx));
            self.y.row_mut(s).assign(&Array1::from(ny));
        }
    }
}

impl<W: World + ?Sized> Algorithm<W> for PolicyExtragradient {
    type State = ExtragradientState;

    fn name(&self) -> &'static str {
        "policy-extragradient"
    }

    fn initial_state(&self, world: &W) -> Result<ExtragradientState> {
        self.0.start(world, "policy-extragradient")
    }

    fn policy(&self, state: &ExtragradientState) -> Option<Vec<Array2<f64>>> {
        Some(state.joint())
    }

    fn step(
        &self,
        world: &W,
        mut state: ExtragradientState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(ExtragradientState, Record)> {
        let game = require_game(world, "policy-extragradient")?;
        let steps = self.0;
        let mut record = steps.measure(game, &state)?;
        let stages = stage_games(game, &state.v);
        let eta = if steps.step_size > 0.0 {
            steps.step_size
        } else {
            1.0 / (steps.temperature + payoff_scale(&stages))
        };
        record.set("step_size", eta);
        state.predictive_step(&stages, eta, (steps.temperature, steps.temperature));
        state.updates += 1;
        if state.updates.is_multiple_of(steps.inner_steps) {
            value_update(&stages, &state.x, &state.y, steps.temperature, &mut state.v);
        }
        Ok((state, record))
    }
}

/// The stage games Q_k(s) = r(s) + γ·P(s)V_k of every state (the matrix game itself when the
/// game has one state and γ = 0).
pub(crate) fn stage_games(game: &MarkovGame, v: &Array1<f64>) -> Vec<Array2<f64>> {
    (0..game.n_states())
        .map(|s| game.stage_matrix(s, v.as_slice().unwrap_or(&[])))
        .collect()
}

/// max_s max_{a,b} |Q(s)(a, b)|: the ‖·‖∞ of the stage games that the step-size rules use.
pub(crate) fn payoff_scale(stages: &[Array2<f64>]) -> f64 {
    stages
        .iter()
        .flat_map(|m| m.iter())
        .fold(0.0f64, |m, v| m.max(v.abs()))
}

/// The outer value update of Cen et al.'s Markov-game method (§4):
/// V(s) ← f_τ(Q(s); x(s), y(s)) = x(s)ᵀQ(s)y(s) + τH(x(s)) − τH(y(s)).
pub(crate) fn value_update(
    stages: &[Array2<f64>],
    x: &Array2<f64>,
    y: &Array2<f64>,
    temperature: f64,
    v: &mut Array1<f64>,
) {
    for (s, stage) in stages.iter().enumerate() {
        let xs = x.row(s).to_vec();
        let ys = y.row(s).to_vec();
        v[s] = regularized_payoff(stage.view(), &xs, &ys, temperature);
    }
}
