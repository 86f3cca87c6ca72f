//! Quantal adversarial RL (QARL; Reddi, Tölle, Peters, Chalvatzaki & D'Eramo 2024, "Robust
//! adversarial reinforcement learning via bounded rationality curricula", ICLR), exact: a
//! protagonist (player 1) and an adversary (player 2) play an entropy-regularized zero-sum game
//! with their own temperatures — β for the protagonist, α for the adversary — whose solution is a
//! quantal response equilibrium, and a curriculum takes the adversary from nearly random (large
//! α) to nearly rational (small α) while the protagonist keeps learning against it. The paper
//! moves α by a self-paced curriculum over a Gamma distribution (a linear schedule is its
//! baseline) with SAC as the learner; here α_t falls geometrically from `start_temperature` to
//! `final_temperature` over `curriculum_steps` updates and then stays, and each update is the
//! predictive update of Cen, Wei & Chi (2021) with one temperature per player,
//!
//!   x̄ ∝ x^{1−ηβ} e^{ηQy},  ȳ ∝ y^{1−ηα_t} e^{−ηQᵀx},  x⁺ ∝ x^{1−ηβ} e^{ηQȳ},  y⁺ ∝ y^{1−ηα_t} e^{−ηQᵀx̄},
//!
//! with η = 1/(max(β, α_t) + max|Q|) and, on Markov games, the value update of
//! [`super::policy_extragradient`] (V(s) ← xᵀQy + βH(x) − α_tH(y)) every `inner_steps` updates.
//! With α = β throughout it is `policy-extragradient` at τ = β.
//!
//! A step records NashConv, each player's value and gain, `adversary_temperature` α_t, and the
//! protagonist's robustness `gap` = V* − min_y J(x, y): its shortfall from the game's value
//! against a best-responding (fully rational) adversary. At the QRE of (β, α) that shortfall is at
//! most NashConv ≤ (β log|A| + α log|B|)/(1 − γ) (the argument of the `qre-extragradient`
//! paper-note with a temperature per player).

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::{measure_joint, require_game};
use super::policy_extragradient::{ExtragradientState, payoff_scale, stage_games};
use crate::core::checks::{require, require_temperature};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::exact::game::qre::regularized_payoff_with;
use crate::exact::game::require_zero_sum;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct QuantalAdversarial {
    protagonist_temperature: f64,
    start_temperature: f64,
    final_temperature: f64,
    curriculum_steps: usize,
    inner_steps: usize,
}

impl QuantalAdversarial {
    /// QARL with protagonist temperature β > 0, the adversary's temperature from α_0 ≥ α_T > 0
    /// over `curriculum_steps` ≥ 1 updates, and the value update every `inner_steps` ≥ 1.
    pub fn new(
        protagonist_temperature: f64,
        start_temperature: f64,
        final_temperature: f64,
        curriculum_steps: usize,
        inner_steps: usize,
    ) -> Result<Self> {
        require_temperature(protagonist_temperature)?;
        require_temperature(start_temperature)?;
        require_temperature(final_temperature)?;
        require(
            start_temperature >= final_temperature,
            "start_temperature",
            start_temperature,
            "at least final_temperature (the adversary grows more rational)",
        )?;
        require(
            curriculum_steps >= 1,
            "curriculum_steps",
            curriculum_steps,
            "at least 1",
        )?;
        require(inner_steps >= 1, "inner_steps", inner_steps, "at least 1")?;
        Ok(QuantalAdversarial {
            protagonist_temperature,
            start_temperature,
            final_temperature,
            curriculum_steps,
            inner_steps,
        })
    }

    /// α_t: geometric from α_0 to α_T over the curriculum, then α_T.
    pub fn adversary_temperature(&self, t: usize) -> f64 {
        let progress = (t as f64 / self.curriculum_steps as f64).min(1.0);
        self.start_temperature * (self.final_temperature / self.start_temperature).powf(progress)
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "qarl",
        summary: "quantal adversarial RL: a curriculum from a random to a rational adversary in the entropy-regularized game (Reddi et al. 2024)",
        worlds: GAME_WORLDS,
        parameters: vec![
            parameter(
                "temperature",
                0.05,
                "the protagonist's entropy weight β (> 0)",
            ),
            parameter(
                "start_temperature",
                10.0,
                "the adversary's first temperature α_0 (≥ α_T)",
            ),
            parameter(
                "final_temperature",
                0.05,
                "the adversary's last temperature α_T (> 0)",
            ),
            parameter(
                "curriculum_steps",
                200.0,
                "updates over which α falls from α_0 to α_T",
            ),
            parameter(
                "inner_steps",
                10.0,
                "policy updates per value update (Markov games)",
            ),
        ],
        run: |values, world, run| {
            let algorithm = QuantalAdversarial::new(
                values.real("temperature"),
                values.real("start_temperature"),
                values.real("final_temperature"),
                values.count("curriculum_steps")?,
                values.count("inner_steps")?,
            )?;
            run.go_together(&algorithm, world)
        },
    }
}

impl<W: World + ?Sized> Algorithm<W> for QuantalAdversarial {
    type State = ExtragradientState;

    fn name(&self) -> &'static str {
        "qarl"
    }

    fn initial_state(&self, world: &W) -> Result<ExtragradientState> {
        let game = require_game(world, "qarl")?;
        require_zero_sum(game, "qarl")?;
        let [x, y]: [Array2<f64>; 2] = game
            .uniform_policies()
            .try_into()
            .map_err(|_| Error::Usage("qarl: a zero-sum game has two players".into()))?;
        Ok(ExtragradientState {
            x,
            y,
            v: Array1::zeros(game.n_states()),
            updates: 0,
            // No target to measure against: the adversary's temperature moves.
            qre: Vec::new(),
        })
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
        let game = require_game(world, "qarl")?;
        let joint = state.joint();
        let mut record = measure_joint(game, &joint, None)?;
        let shortfall = world.reference().optimal_objective
            - record.get("J_p1").unwrap_or(f64::NAN)
            + record.get("gain_p2").unwrap_or(f64::NAN);
        record.set("gap", shortfall);
        let alpha = self.adversary_temperature(state.updates);
        record.set("adversary_temperature", alpha);
        let temperatures = (self.protagonist_temperature, alpha);
        let stages = stage_games(game, &state.v);
        let eta = 1.0 / (temperatures.0.max(temperatures.1) + payoff_scale(&stages));
        record.set("step_size", eta);
        state.predictive_step(&stages, eta, temperatures);
        state.updates += 1;
        if state.updates.is_multiple_of(self.inner_steps) {
            for (s, stage) in stages.iter().enumerate() {
                let x = state.x.row(s).to_vec();
                let y = state.y.row(s).to_vec();
                state.v[s] = regularized_payoff_with(stage.view(), &x, &y, temperatures);
            }
        }
        Ok((state, record))
    }
}
