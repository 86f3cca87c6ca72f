//! Magnetic mirror descent (MMD; Sokota, D'Orazio, Kolter, Loizou, Lanctot, Mitliagkas, Brown &
//! Kroer 2023, "A unified approach to reinforcement learning, quantal response equilibria, and
//! two-player zero-sum games", ICLR; Algorithm 3.6 with the negative-entropy mirror map, Eq. 12):
//! every player, simultaneously and with a uniform magnet,
//!
//! π_{t+1}(·|s) ∝ [π_t(·|s) · exp(η·q_t(s, ·))]^{1/(1+αη)},
//!
//! with q_t = Q_i^{π_t}(s, ·) the exact action values of player i's view (in a matrix game the
//! payoff vector Ay or −Aᵀx). In a two-player zero-sum matrix game the iterates converge linearly
//! to the QRE at temperature α: B(z*; z_{t+1}) ≤ (1/(1+ηα))^t·B(z*; z_1) for η ≤ α/L² with
//! L = max|A| (their Theorem 3.4 and Proposition 2.4). `step_size = 0` takes η = α/L² with L the
//! largest |reward|/(1−γ). It runs on every game class (the fixed point then regularizes each
//! player's own entropy). A step records NashConv, exploitability, the QRE gap at α, and each
//! player's value and entropy.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::{measure_joint, require_game};
use crate::core::checks::{require_positive, require_temperature};
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::exact::evaluate;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct MagneticMirrorDescent {
    temperature: f64,
    step_size: f64,
}

impl MagneticMirrorDescent {
    /// MMD with regularization α > 0 and step size η > 0 (or 0: α/L²).
    pub fn new(temperature: f64, step_size: f64) -> Result<Self> {
        require_temperature(temperature)?;
        if step_size != 0.0 {
            require_positive("step_size", step_size)?;
        }
        Ok(MagneticMirrorDescent {
            temperature,
            step_size,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "mmd",
        summary: "magnetic mirror descent, uniform magnet: linear rate to the QRE (Sokota et al. 2023)",
        worlds: GAME_WORLDS,
        parameters: vec![
            parameter(
                "temperature",
                0.1,
                "regularization α (> 0), the QRE's temperature",
            ),
            parameter(
                "step_size",
                0.0,
                "η (0: α/L² with L the largest |reward|/(1−γ))",
            ),
        ],
        run: |values, world, run| {
            let algorithm =
                MagneticMirrorDescent::new(values.real("temperature"), values.real("step_size"))?;
            run.go_together(&algorithm, world)
        },
    }
}

impl<W: World + ?Sized> Algorithm<W> for MagneticMirrorDescent {
    type State = Vec<Array2<f64>>;

    fn name(&self) -> &'static str {
        "mmd"
    }

    fn initial_state(&self, world: &W) -> Result<Vec<Array2<f64>>> {
        let game = require_game(world, "mmd")?;
        Ok(game.uniform_policies())
    }

    fn policy(&self, state: &Vec<Array2<f64>>) -> Option<Vec<Array2<f64>>> {
        Some(state.clone())
    }

    fn step(
        &self,
        world: &W,
        state: Vec<Array2<f64>>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<Array2<f64>>, Record)> {
        let game = require_game(world, "mmd")?;
        let mut record = measure_joint(game, &state, Some(self.temperature))?;
        let eta = if self.step_size > 0.0 {
            self.step_size
        } else {
            let reward = (0..game.n_players())
                .flat_map(|i| game.reward(i).iter().copied())
                .fold(0.0f64, |m, v| m.max(v.abs()));
            let lipschitz = (reward / (1.0 - game.gamma())).max(f64::MIN_POSITIVE);
            self.temperature / (lipschitz * lipschitz)
        };
        record.set("step_size", eta);
        let views: Vec<_> = state.iter().map(|p| p.view()).collect();
        let shrink = 1.0 / (1.0 + self.temperature * eta);
        let mut next = Vec::with_capacity(state.len());
        for (i, policy) in state.iter().enumerate() {
            let view = game.player_view(i, &views)?;
            let q = evaluate(&view, policy.view())?.q;
            let mut updated = Array2::zeros(policy.dim());
            for ((mut row, p), q) in updated
                .rows_mut()
                .into_iter()
                .zip(policy.rows())
                .zip(q.rows())
            {
                let logits: Vec<f64> = p
                    .iter()
                    .zip(q)
                    .map(|(p, q)| shrink * (p.ln() + eta * q))
                    .collect();
                let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = logits.iter().map(|l| (l - max).exp()).sum();
                for (slot, l) in row.iter_mut().zip(&logits) {
                    *slot = (l - max).exp() / total;
                }
            }
            next.push(updated);
        }
        Ok((next, record))
    }
}
